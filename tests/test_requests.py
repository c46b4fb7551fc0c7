"""Local validation and the create bodies per model family (no network)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from PIL import Image

from tests.samples import make_wav
from wan_desktop.core.dashscope.catalog import MODELS, Region
from wan_desktop.core.dashscope.errors import LocalValidationError
from wan_desktop.core.dashscope.inputs import (
    DATA_URL_MAX_ORIGINAL_BYTES,
    data_url_for_image,
    local_path,
    resolve_media,
)
from wan_desktop.core.dashscope.regions import ServiceEndpoint
from wan_desktop.core.dashscope.requests import build_body
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef, ShotType
from wan_desktop.core.request_checks import ensure_valid, validate_request

URL = "https://example.com/a.png"


def fields(request: GenerationRequest, region: Region = Region.BEIJING) -> list[str]:
    return [p.field for p in validate_request(request, region)]


def body(request: GenerationRequest, region: Region = Region.BEIJING, urls=None) -> dict:
    return json.loads(build_body(request, region, urls or {}).body_json)


def make_image(path: Path, size=(640, 480), mode="RGB", fmt=None) -> Path:
    Image.new(mode, size, (10, 120, 200, 255)[: len(mode)] if mode != "L" else 128).save(path, format=fmt)
    return path


# -- options -----------------------------------------------------------------------------------------
def test_a_plain_request_is_valid_for_every_model_in_every_region_it_is_offered():
    # The media-array models added with Wan 3.0 take no first frame alone (r2v, videoedit) or none at all
    # (t2v): each gets the one input its catalog rules ask for instead.
    for spec in MODELS.values():
        needs = spec.rules.one_of[0] if spec.rules.one_of else None
        frame = URL if needs == "first_frame" or (needs is None and spec.takes("first_frame")) else None
        extra = (MediaRef(needs, "https://e.com/in.mp4"),) if needs not in (None, "first_frame") else ()
        for region in spec.names_by_region:
            request = GenerationRequest(model=spec.key, first_frame=frame, prompt="a cat", references=extra)
            assert validate_request(request, region) == [], (spec.key, region)


def test_unknown_model_and_model_outside_its_region_are_named():
    [problem] = validate_request(GenerationRequest(model="wan9-i2v", first_frame=URL), Region.BEIJING)
    assert problem.field == "model" and "choose" in problem.allowed
    [problem] = validate_request(GenerationRequest(model="wan2.7-i2v", first_frame=URL), Region.VIRGINIA)
    assert "not offered in US (Virginia)" in problem.allowed and "Singapore" in problem.allowed


def test_resolution_and_duration_follow_the_model_and_the_region():
    assert fields(GenerationRequest(model="wan2.2-i2v-plus", first_frame=URL, resolution="720P")) == ["resolution"]
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=URL, duration=7)) == []
    problems = validate_request(GenerationRequest(model="wan2.6-i2v", first_frame=URL, duration=7), Region.VIRGINIA)
    assert [p.field for p in problems] == ["duration"]
    assert "5, 10 or 15 seconds" in problems[0].allowed
    assert fields(GenerationRequest(model="wanx2.1-i2v-turbo", first_frame=URL, duration=3)) == []
    assert fields(GenerationRequest(model="wanx2.1-i2v-turbo", first_frame=URL, duration=6)) == ["duration"]


def test_prompt_lengths_count_characters_so_cjk_counts_one():
    ok = GenerationRequest(model="wan2.2-i2v-flash", first_frame=URL, prompt="猫" * 800)
    assert fields(ok) == []
    too_long = GenerationRequest(model="wan2.2-i2v-flash", first_frame=URL, prompt="猫" * 801)
    [problem] = validate_request(too_long, Region.BEIJING)
    assert problem.field == "prompt" and "801" in str(problem.value) and "800" in problem.allowed
    assert fields(GenerationRequest(model="wan2.2-i2v-flash", first_frame=URL, negative_prompt="x" * 501)) == [
        "negative_prompt"
    ]


@pytest.mark.parametrize("seed, ok", [(0, True), (2147483647, True), (-1, False), (2147483648, False)])
def test_seed_range(seed, ok):
    assert (fields(GenerationRequest(model="wan2.5-i2v-preview", first_frame=URL, seed=seed)) == []) is ok


def test_options_only_where_the_model_has_them():
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=URL, shot_type=ShotType.MULTI)) == []
    assert fields(GenerationRequest(model="wan2.5-i2v-preview", first_frame=URL, shot_type=ShotType.MULTI)) == [
        "shot_type"
    ]
    assert fields(GenerationRequest(model="wan2.6-i2v-flash", first_frame=URL, audio_enabled=False)) == []
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=URL, audio_enabled=False)) == ["audio_enabled"]
    assert fields(GenerationRequest(model="wan2.5-i2v-preview", first_frame=URL, audio=URL + ".mp3")) == []
    assert fields(GenerationRequest(model="wan2.2-i2v-plus", first_frame=URL, audio=URL + ".mp3")) == ["audio"]
    assert fields(GenerationRequest(model="wanx2.1-i2v-plus", first_frame=URL, template="melt")) == []
    problems = validate_request(
        GenerationRequest(model="wanx2.1-i2v-turbo", first_frame=URL, template="melt"), Region.BEIJING
    )
    assert [p.field for p in problems] == ["template"] and "squish" in problems[0].allowed
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=URL, template="squish")) == ["template"]
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=URL, last_frame=URL)) == ["last_frame"]
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=URL, first_clip=URL + ".mp4")) == ["first_clip"]


def test_first_frame_is_required_except_for_a_wan27_continuation():
    assert fields(GenerationRequest(model="wan2.6-i2v")) == ["first_frame"]
    assert fields(GenerationRequest(model="wanx2.1-kf2v-plus", last_frame=URL)) == ["first_frame"]
    assert fields(GenerationRequest(model="wan2.7-i2v")) == ["first_frame"]
    assert fields(GenerationRequest(model="wan2.7-i2v", first_clip="https://e/c.mp4")) == []


@pytest.mark.parametrize(
    "media, ok",
    [
        ({"first_frame": URL}, True),
        ({"first_frame": URL, "audio": "https://e/a.mp3"}, True),
        ({"first_frame": URL, "last_frame": URL}, True),
        ({"first_frame": URL, "last_frame": URL, "audio": "https://e/a.mp3"}, True),
        ({"first_clip": "https://e/c.mp4"}, True),
        ({"first_clip": "https://e/c.mp4", "last_frame": URL}, True),
        ({"first_clip": "https://e/c.mp4", "first_frame": URL}, False),
        ({"first_clip": "https://e/c.mp4", "audio": "https://e/a.mp3"}, False),
        ({"last_frame": URL}, False),
    ],
)
def test_wan27_media_combinations(media, ok):
    problems = validate_request(GenerationRequest(model="wan2.7-i2v", **media), Region.SINGAPORE)
    assert (problems == []) is ok, problems
    if not ok:
        assert problems[0].field == "media" and "video clip to continue" in problems[0].allowed


def test_ensure_valid_raises_with_every_problem_in_words():
    with pytest.raises(LocalValidationError) as caught:
        ensure_valid(GenerationRequest(model="wan2.2-i2v-plus", resolution="720P", seed=-5), Region.BEIJING)
    err = caught.value
    assert [p.field for p in err.problems] == ["resolution", "seed", "first_frame"]
    assert "480P or 1080P" in err.explanation and not err.may_have_reached_service
    ensure_valid(GenerationRequest(model="wan2.2-i2v-plus", first_frame=URL), Region.BEIJING)  # no raise


# -- local files -------------------------------------------------------------------------------------
def test_local_image_checks(tmp_path):
    good = make_image(tmp_path / "good.jpg")
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=str(good))) == []
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame="file://" + str(good))) == []
    missing = validate_request(
        GenerationRequest(model="wan2.6-i2v", first_frame=str(tmp_path / "no.png")), Region.BEIJING
    )
    assert missing[0].field == "first_frame" and "does not exist" in missing[0].allowed

    small = make_image(tmp_path / "small.png", size=(200, 300))
    [problem] = validate_request(GenerationRequest(model="wan2.6-i2v", first_frame=str(small)), Region.BEIJING)
    assert problem.value == "small.png" and "200×300" in problem.allowed and "at least 240" in problem.allowed

    alpha = make_image(tmp_path / "alpha.png", mode="RGBA")
    [problem] = validate_request(GenerationRequest(model="wan2.6-i2v", first_frame=str(alpha)), Region.BEIJING)
    assert "transparent" in problem.allowed

    gif = make_image(tmp_path / "anim.gif", mode="L")
    [problem] = validate_request(GenerationRequest(model="wan2.6-i2v", first_frame=str(gif)), Region.BEIJING)
    assert "GIF" in problem.allowed and "PNG" in problem.allowed

    not_image = tmp_path / "notes.png"
    not_image.write_text("hello")
    [problem] = validate_request(GenerationRequest(model="wan2.6-i2v", first_frame=str(not_image)), Region.BEIJING)
    assert "not an image" in problem.allowed

    tall = make_image(tmp_path / "tall.png", size=(240, 2000))
    assert fields(GenerationRequest(model="wan2.7-i2v", first_frame=str(tall))) == ["first_frame"]
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=str(tall))) == []  # no aspect limit there

    kf = make_image(tmp_path / "kf.png", size=(2400, 1200))
    assert fields(GenerationRequest(model="wanx2.1-kf2v-plus", first_frame=str(kf))) == ["first_frame"]

    rotated = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: advice in the composer, not a refusal
    Image.new("RGB", (640, 480)).save(rotated, exif=exif)
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=str(rotated))) == []


def test_local_image_byte_limit_follows_the_model(tmp_path):
    big = tmp_path / "big.bmp"
    make_image(big, size=(2000, 1800))  # about 10.3 MB uncompressed BMP
    assert big.stat().st_size > 10 * 1024 * 1024
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=str(big))) == []
    [problem] = validate_request(GenerationRequest(model="wan2.2-i2v-plus", first_frame=str(big)), Region.BEIJING)
    assert "at most 10 MB" in problem.allowed


def test_local_audio_and_video_checks(tmp_path):
    ok = make_wav(tmp_path / "voice.wav", 3.5)
    assert fields(GenerationRequest(model="wan2.6-i2v", first_frame=URL, audio=str(ok))) == []
    short = make_wav(tmp_path / "short.wav", 2.5)
    [problem] = validate_request(
        GenerationRequest(model="wan2.6-i2v", first_frame=URL, audio=str(short)), Region.BEIJING
    )
    assert "2.5 s" in str(problem.value) and "3 to 30 seconds" in problem.allowed
    assert fields(GenerationRequest(model="wan2.7-i2v", first_frame=URL, audio=str(short))) == []  # 2-30 s there
    ogg = tmp_path / "voice.ogg"
    ogg.write_bytes(b"OggS")
    [problem] = validate_request(GenerationRequest(model="wan2.6-i2v", first_frame=URL, audio=str(ogg)), Region.BEIJING)
    assert "WAV or MP3" in problem.allowed
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"\x00" * 100)
    [problem] = validate_request(GenerationRequest(model="wan2.7-i2v", first_clip=str(broken)), Region.BEIJING)
    assert problem.field == "first_clip" and "could not be read" in problem.allowed
    data_audio = "data:audio/wav;base64,AAAA"
    [problem] = validate_request(
        GenerationRequest(model="wan2.6-i2v", first_frame=URL, audio=data_audio), Region.BEIJING
    )
    assert "not base64" in problem.allowed


# -- bodies ------------------------------------------------------------------------------------------
def test_img_url_body_matches_the_sdk_capture():
    # sdk-wire-capture.json, "async_call https img_url": the SDK's own body (minus its legacy
    # input.extend_prompt / input.function, which the service ignores).
    captured = {
        "model": "wan2.6-i2v-flash",
        "parameters": {"duration": 5, "seed": 1, "prompt_extend": True, "watermark": False, "resolution": "720P"},
        "input": {"prompt": "x", "img_url": "https://example.com/a.png"},
    }
    request = GenerationRequest(
        model="wan2.6-i2v-flash", first_frame=URL, prompt="x", seed=1, resolution="720P", duration=5
    )
    assert body(request) == captured
    prepared = build_body(request, Region.BEIJING, {})
    assert prepared.path == "/services/aigc/video-generation/video-synthesis"
    assert prepared.model_name == "wan2.6-i2v-flash" and not prepared.oss_resolve


def test_img_url_body_with_audio_shot_type_and_negative_prompt_matches_contract():
    # contract section 9.1 (captured SDK body), legacy fields dropped
    expected = {
        "model": "wan2.6-i2v",
        "parameters": {
            "duration": 5,
            "seed": 42,
            "prompt_extend": True,
            "watermark": False,
            "resolution": "720P",
            "shot_type": "multi",
        },
        "input": {
            "prompt": "a cat",
            "negative_prompt": "blurry",
            "img_url": URL,
            "audio_url": "https://example.com/a.mp3",
        },
    }
    request = GenerationRequest(
        model="wan2.6-i2v",
        first_frame=URL,
        prompt="a cat",
        negative_prompt="blurry",
        audio="https://example.com/a.mp3",
        seed=42,
        resolution="720P",
        duration=5,
        shot_type=ShotType.MULTI,
    )
    assert body(request) == expected


def test_defaults_are_sent_explicitly_and_flash_audio_switch_only_when_set():
    sent = body(GenerationRequest(model="wan2.6-i2v-flash", first_frame=URL))
    assert sent["parameters"] == {"resolution": "1080P", "duration": 5, "prompt_extend": True, "watermark": False}
    assert "prompt" not in sent["input"]
    silent = body(
        GenerationRequest(
            model="wan2.6-i2v-flash", first_frame=URL, audio_enabled=False, prompt_extend=False, watermark=True
        )
    )
    assert silent["parameters"] == {
        "resolution": "1080P",
        "duration": 5,
        "prompt_extend": False,
        "watermark": True,
        "audio": False,
    }
    assert body(GenerationRequest(model="wan2.2-i2v-flash", first_frame=URL))["parameters"]["resolution"] == "720P"


def test_regional_request_name_and_template():
    sent = body(GenerationRequest(model="wanx2.1-i2v-turbo", first_frame=URL, template="squish"), Region.SINGAPORE)
    assert sent["model"] == "wan2.1-i2v-turbo"
    assert sent["input"] == {"img_url": URL, "template": "squish"}


def test_wan27_media_body_matches_contract():
    expected = {
        "model": "wan2.7-i2v",
        "input": {
            "prompt": "x",
            "media": [
                {"type": "first_frame", "url": "https://e/a.png"},
                {"type": "last_frame", "url": "https://e/b.png"},
                {"type": "driving_audio", "url": "https://e/a.mp3"},
            ],
        },
        "parameters": {"resolution": "720P", "duration": 5, "prompt_extend": True, "watermark": False},
    }
    request = GenerationRequest(
        model="wan2.7-i2v",
        first_frame="https://e/a.png",
        last_frame="https://e/b.png",
        audio="https://e/a.mp3",
        prompt="x",
        resolution="720P",
    )
    assert body(request) == expected
    continuation = body(GenerationRequest(model="wan2.7-i2v", first_clip="oss://d/c.mp4", duration=12))
    assert continuation["input"]["media"] == [{"type": "first_clip", "url": "oss://d/c.mp4"}]
    assert continuation["parameters"]["duration"] == 12


def test_keyframes_body_uses_the_image2video_path():
    request = GenerationRequest(model="wan2.2-kf2v-flash", first_frame="/local/a.png", last_frame=URL, prompt="go")
    prepared = build_body(request, Region.BEIJING, {"first_frame": "oss://dir/a.png"})
    assert prepared.path == "/services/aigc/image2video/video-synthesis"
    assert prepared.oss_resolve
    assert json.loads(prepared.body_json) == {
        "model": "wan2.2-kf2v-flash",
        "input": {"prompt": "go", "first_frame_url": "oss://dir/a.png", "last_frame_url": URL},
        "parameters": {"resolution": "720P", "duration": 5, "prompt_extend": True, "watermark": False},
    }


def test_build_body_refuses_an_unresolved_local_file():
    with pytest.raises(ValueError, match="not uploaded"):
        build_body(GenerationRequest(model="wan2.6-i2v", first_frame="/tmp/x.png"), Region.BEIJING, {})


def test_body_keeps_non_ascii_prompt_as_text():
    prepared = build_body(GenerationRequest(model="wan2.6-i2v", first_frame=URL, prompt="一只猫"), Region.BEIJING, {})
    assert "一只猫" in prepared.body_json


# -- inputs ------------------------------------------------------------------------------------------
def test_data_url_for_small_images_and_none_for_big_ones(tmp_path):
    png = make_image(tmp_path / "renamed.jpg", fmt="PNG")
    url = data_url_for_image(png)
    assert url is not None and url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.split(",", 1)[1]) == png.read_bytes()
    webp = data_url_for_image(make_image(tmp_path / "a.webp"))
    assert webp is not None and webp.startswith("data:image/webp;base64,")
    big = tmp_path / "big.bmp"
    make_image(big, size=(1600, 1600))  # 7.3 MiB
    assert big.stat().st_size >= DATA_URL_MAX_ORIGINAL_BYTES
    assert data_url_for_image(big) is None


def test_resolve_media_uploads_audio_video_and_big_images_only(tmp_path):
    small = make_image(tmp_path / "small.png")
    big = tmp_path / "big.bmp"
    make_image(big, size=(1600, 1600))
    voice = make_wav(tmp_path / "v.wav", 3)
    uploaded: list[Path] = []

    def upload(path: Path) -> str:
        uploaded.append(path)
        return f"oss://dir/{path.name}"

    request = GenerationRequest(model="wan2.7-i2v", first_frame=str(small), last_frame=str(big), audio=str(voice))
    urls = resolve_media(request, upload)
    assert urls["first_frame"].startswith("data:image/png")
    assert urls == urls | {"last_frame": "oss://dir/big.bmp", "audio": "oss://dir/v.wav"}
    assert uploaded == [big, voice]
    remote = GenerationRequest(model="wan2.6-i2v", first_frame="oss://x/y.png", audio="https://e/a.mp3")
    assert resolve_media(remote, upload) == {"first_frame": "oss://x/y.png", "audio": "https://e/a.mp3"}
    assert local_path("file:///tmp/a%20b.png") == Path("/tmp/a b.png")
    assert local_path("data:image/png;base64,AA") is None


# -- endpoints ---------------------------------------------------------------------------------------
def test_service_endpoint_per_region():
    assert ServiceEndpoint.for_region(Region.SINGAPORE).base_url == "https://dashscope-intl.aliyuncs.com/api/v1"
    with pytest.raises(ValueError, match="workspace id"):
        ServiceEndpoint.for_region(Region.FRANKFURT)
    frankfurt = ServiceEndpoint.for_region(Region.FRANKFURT, workspace="ws-1")
    assert frankfurt.base_url == "https://ws-1.eu-central-1.maas.aliyuncs.com/api/v1"
    assert frankfurt.workspace == "ws-1" and frankfurt.host == "ws-1.eu-central-1.maas.aliyuncs.com"
    with pytest.raises(ValueError, match="base URL"):
        ServiceEndpoint.for_region(Region.CUSTOM)
    with pytest.raises(ValueError, match="http"):
        ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url="ftp://x")
    custom = ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url="http://127.0.0.1:9/api/v1/")
    assert custom.base_url == "http://127.0.0.1:9/api/v1"
