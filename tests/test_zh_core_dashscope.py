"""The service layer in Simplified Chinese: region names, a request's problems, the service's refusals of a
key, media rules, catalog refusals and downloads reach the person in Chinese, with no English sentence left.

Each check also looks for English words left in the text: model names, codes, formats and file names are
allowed (the console writes them that way too), any other word of three or more letters is a string that was
not marked or not translated."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import TEST_KEY
from wan_desktop.core import composing, composing_refs
from wan_desktop.core.dashscope import catalog, media_rules
from wan_desktop.core.dashscope.catalog import MODELS, REGIONS, Region
from wan_desktop.core.dashscope.catalog_schema import CatalogError, parse_catalog
from wan_desktop.core.dashscope.client import DashScopeClient, KeyStatus
from wan_desktop.core.dashscope.errors import AuthError, LocalValidationError
from wan_desktop.core.dashscope.regions import ServiceEndpoint, Timeouts, check_base_url, check_workspace
from wan_desktop.core.dashscope.transfer import DownloadRefusedError, check_link
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef
from wan_desktop.core.request_checks import ensure_valid, validate_request

FAST = Timeouts(connect=2, read=30, write=30, pool=5)
URL = "https://example.com/a.png"
# words that stay as they are in Chinese: product, model and API names, codes, formats, units
ALLOWED = {
    "wan", "desktop", "api", "key", "invalidapikey", "http", "https", "oss", "url", "base", "json", "png",
    "jpeg", "bmp", "webp", "gif", "mp4", "mov", "wav", "mp3", "exif", "cmyk", "rgb", "alpha", "gib",
    "flash", "plus", "turbo", "models", "schema", "output", "localhost", "adaptive", "workspace",
}  # fmt: skip


def english_left(text: str, *allowed: str) -> list[str]:
    """Latin words of three or more letters that are neither allowed nor part of a given name."""
    names = " ".join(allowed).lower()
    return [
        word for word in re.findall(r"[A-Za-z]{3,}", text) if word.lower() not in ALLOWED and word.lower() not in names
    ]


def picture(path: Path, size=(640, 480), fmt: str | None = None) -> Path:
    Image.new("RGB", size, (10, 120, 200)).save(path, format=fmt)
    return path


# -- regions -------------------------------------------------------------------------------------------
def test_region_labels_are_the_consoles_chinese_names(chinese):
    assert [REGIONS[r].label for r in Region] == [
        "华北2（北京）",
        "新加坡",
        "美国（弗吉尼亚）",
        "德国（法兰克福）",
        "中国香港",
        "自定义 Base URL",
    ]
    assert catalog.region_label(Region.SINGAPORE) == "新加坡"
    assert ServiceEndpoint("https://dashscope.aliyuncs.com/api/v1", Region.BEIJING).label == "华北2（北京）"


def test_region_labels_stay_english_by_default():
    assert REGIONS[Region.BEIJING].label == "China (Beijing)"
    assert REGIONS[Region.HONG_KONG].label == "China (Hong Kong)"


def test_workspace_and_base_url_refusals_are_chinese(chinese):
    with pytest.raises(ValueError) as caught:
        check_workspace("Not A Workspace")
    assert "业务空间 ID" in str(caught.value) and "阿里云百炼控制台" in str(caught.value)
    with pytest.raises(ValueError) as caught:
        check_base_url("http://example.com/api/v1")
    assert "未加密" in str(caught.value) and not english_left(str(caught.value), "example com")
    with pytest.raises(ValueError) as caught:
        ServiceEndpoint.for_region(Region.FRANKFURT)
    assert str(caught.value).startswith("德国（法兰克福）需要业务空间 ID")


# -- a request's problems --------------------------------------------------------------------------------
def test_a_picture_too_small_is_refused_in_chinese(chinese, tmp_path):
    small = picture(tmp_path / "small.png", size=(100, 80))
    request = GenerationRequest(model="wan2.6-i2v-flash", first_frame=str(small), prompt="山后的日落")
    [problem] = validate_request(request, Region.BEIJING)
    assert problem.allowed.startswith("首帧图片不可用：图片为 100×80 像素；此模型要求每边至少 240 像素。")
    with pytest.raises(LocalValidationError) as caught:
        ensure_valid(request, Region.BEIJING)
    assert "首帧图片不可用" in caught.value.explanation
    sentence = composing.problem_text(problem)
    assert sentence.startswith("首帧：首帧图片不可用") and sentence.endswith("像素（您选择的是 small.png）。")
    assert not english_left(sentence, "small.png")


def test_a_picture_in_the_wrong_format_is_refused_in_chinese(chinese, tmp_path):
    gif = picture(tmp_path / "anim.gif", fmt="GIF")
    request = GenerationRequest(model="wan2.6-i2v-flash", first_frame=str(gif))
    texts = [p.allowed for p in validate_request(request, Region.BEIJING)]
    assert any("“anim.gif”是 GIF 图片；此模型接受 JPEG、PNG、BMP 或 WEBP。可以将其转换为 PNG。" in t for t in texts), (
        texts
    )
    assert all(not english_left(t, "anim.gif") for t in texts), texts


def test_options_a_model_lacks_are_named_in_chinese(chinese):
    spec = MODELS["wan2.6-i2v-flash"]
    request = GenerationRequest(
        model=spec.key, first_frame=URL, resolution="480P", duration=20, prompt="x" * (spec.prompt_max + 1), seed=-5
    )
    problems = validate_request(request, Region.SINGAPORE)
    texts = [composing.problem_text(p) for p in problems]
    assert any(t.startswith("分辨率：") and "可生成" in t for t in texts), texts
    assert any(t.startswith("时长：新加坡的 Wan 2.6 Flash 可生成") and "秒" in t for t in texts), texts
    assert any(t.startswith("提示词：") and "一个汉字算一个字符" in t for t in texts), texts
    assert any(t.startswith("种子：种子必须是 0 到 2147483647 之间的整数") for t in texts), texts
    assert all(not english_left(t, spec.label) for t in texts), texts


def test_a_model_outside_the_region_names_where_it_is_offered(chinese):
    [problem] = validate_request(GenerationRequest(model="wan2.7-i2v", first_frame=URL), Region.VIRGINIA)
    assert problem.allowed.startswith("美国（弗吉尼亚）不提供 Wan 2.7")
    assert "新加坡" in problem.allowed and "或" in problem.allowed


def test_media_rules_speak_chinese(chinese):
    spec = MODELS["wan3.0-video"]
    refs = tuple(MediaRef("reference_image", f"https://e.com/{n}.png") for n in range(11))
    breaks = media_rules.check_media(spec, composing_refs.items_of(refs), None, "x")
    assert breaks and breaks[0].sentence.startswith(f"{spec.label} 最多接受 10 个参考图")
    assert not english_left(breaks[0].sentence, spec.label)
    mixed = (MediaRef("reference_image", "https://e.com/a.png"),)
    request = GenerationRequest(model=spec.key, first_frame=URL, references=mixed, prompt="x")
    texts = [p.allowed for p in validate_request(request, Region.BEIJING)]
    assert any("首尾帧与参考素材只能二选一" in t for t in texts), texts


def test_chip_names_follow_the_chinese_pages(chinese):
    refs = (
        MediaRef("reference_image", "a.png"),
        MediaRef("reference_video", "b.mp4"),
        MediaRef("reference_image", "c.png"),
    )
    assert [name for _ref, name in composing_refs.chip_words(refs)] == ["图1", "视频1", "图2"]


def test_chip_names_stay_english_by_default():
    refs = (MediaRef("reference_image", "a.png"), MediaRef("reference_audio", "b.wav"))
    assert [name for _ref, name in composing_refs.chip_words(refs)] == ["Image 1", "Audio 1"]


# -- the service's refusals ------------------------------------------------------------------------------
def test_a_wrong_key_is_explained_in_chinese(chinese, simulator):
    endpoint = ServiceEndpoint(simulator.base_url, Region.BEIJING)
    with DashScopeClient("sk-wrong-0123456789", endpoint, timeouts=FAST) as client:
        verdict = client.check_key()
        with pytest.raises(AuthError) as caught:
            client.get_task("no-such-task")
    assert verdict.status is KeyStatus.INVALID
    assert verdict.message.startswith("华北2（北京）拒绝了此 API Key：API Key 被拒绝。")
    assert verdict.message.endswith("（错误码 InvalidApiKey）")
    assert not english_left(verdict.message)
    error = caught.value
    assert error.code == "InvalidApiKey"
    assert error.explanation == "API Key 被拒绝。请检查它是否正确，以及是否属于设置中选择的地域。"
    assert "错误码：InvalidApiKey" in error.details() and "HTTP 状态码：401" in error.details()


def test_a_wrong_key_keeps_the_services_own_words_in_english(simulator):
    endpoint = ServiceEndpoint(simulator.base_url, Region.BEIJING)
    with DashScopeClient("sk-wrong-0123456789", endpoint, timeouts=FAST) as client:
        verdict = client.check_key()
    assert verdict.message == "The key was refused by China (Beijing): Invalid API-key provided."


def test_a_page_from_a_proxy_is_explained_in_chinese(chinese):
    def proxy(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            502, text="<html><title>Bad Gateway</title></html>", headers={"content-type": "text/html"}
        )

    endpoint = ServiceEndpoint("https://dashscope.aliyuncs.com/api/v1", Region.BEIJING)
    with DashScopeClient(TEST_KEY, endpoint, transport=httpx.MockTransport(proxy), timeouts=FAST) as client:
        verdict = client.check_key()
    assert verdict.status is KeyStatus.UNREACHABLE
    assert verdict.message.startswith(
        "无法连接华北2（北京）：本机与视频服务之间的某个环节（网关或代理）返回了 HTTP 502"
    )


def test_a_link_to_a_private_address_is_refused_in_chinese(chinese):
    with pytest.raises(DownloadRefusedError) as caught:
        check_link("https://127.0.0.1/v.mp4", allow_private=False)
    assert caught.value.explanation.startswith("视频链接指向私有或本地地址（127.0.0.1）")
    with pytest.raises(DownloadRefusedError) as caught:
        check_link("ftp://example.com/v.mp4", allow_private=False)
    assert caught.value.explanation == "视频链接不是网址（ftp://），应用不会下载。"


# -- the catalog -----------------------------------------------------------------------------------------
def test_a_persons_catalog_file_is_refused_in_chinese(chinese, tmp_path):
    with pytest.raises(CatalogError) as caught:
        parse_catalog("models.json", {"schema": 1, "models": [{"key": "Bad Key"}]})
    assert str(caught.value).startswith("未采用模型目录文件 models.json：条目“Bad Key”的字段“key”必须是")
    (tmp_path / "models.json").write_text("{not json", encoding="utf-8")
    refusal = catalog.use_home(tmp_path)
    try:
        assert "不是有效的 JSON（第 1 行" in refusal
    finally:
        catalog.use_home(tmp_path / "none")


def test_retirement_and_a_gone_model_in_chinese(chinese, tmp_path):
    shipped = json.loads((Path(catalog.__file__).parents[2] / "resources" / "models.json").read_text())
    entry = next(m for m in shipped["models"] if m["key"] == "wan2.2-i2v-flash")
    entry["status"] = {"state": "retiring", "retires_on": "2027-01-15", "successor": "wan3.0-video"}
    (tmp_path / "models.json").write_text(json.dumps({"schema": 1, "models": [entry]}))
    assert catalog.use_home(tmp_path) == ""
    try:
        spec = MODELS["wan2.2-i2v-flash"]
        assert catalog.retirement_words(spec) == "2027年1月15日停用，请改用 Wan 3.0"
        gone = catalog.gone_sentence("wan2.2-i2v-flash")
        assert gone == (
            "服务已不再提供 Wan 2.2 Flash（已于2027年1月15日停用），因此此任务未生成，也未产生费用。"
            "请选择 Wan 3.0（wan3.0-video）并重新发送任务。"
        )
        assert "2027年1月15日停用，请改用 Wan 3.0。" in composing.model_info(spec, Region.BEIJING)
    finally:
        catalog.use_home(tmp_path / "none")


def test_model_info_and_choices_in_chinese(chinese):
    flash = MODELS["wan2.2-i2v-flash"]
    assert composing.model_info(flash, Region.BEIJING) == "可用地域：华北2（北京）、新加坡。每秒视频 ¥0.10 起。"
    wan3 = MODELS["wan3.0-video"]
    assert composing.duration_items(wan3, (5,)) == [("由模型决定", wan3.auto_duration), ("5秒", 5)]
    assert ("自适应（跟随输入）", "adaptive") in composing.ratio_items(wan3)
