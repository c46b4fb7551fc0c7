"""The money, batch and storyboard core in Simplified Chinese: budget holds and notices with money worded for
zh_CN, a bad batch row's problem, a storyboard edit refused, estimates and ledger reasons, and an exported film
whose Chinese prompts reach its MP4 metadata, chapters, .otio cut and note intact (UTF-8)."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import av
import pytest

from tests.engine_helpers import make_image
from tests.zh_text import has_chinese
from wan_desktop.core import cost
from wan_desktop.core.batch import BatchRefused, BatchSettings, preview, requests_to_queue
from wan_desktop.core.batch_files import BatchFileError, read_source
from wan_desktop.core.budget import (
    Budget,
    BudgetError,
    Spent,
    check,
    confirmation_needed,
    is_budget_notice,
    notice_sentence,
    parse_cap,
)
from wan_desktop.core.dashscope.catalog import Currency, Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.ledger import entry_for
from wan_desktop.core.library import Library
from wan_desktop.core.presets import PresetBook, PresetError
from wan_desktop.core.pricing import default_table
from wan_desktop.core.storyboard import edits, sidecar
from wan_desktop.core.storyboard.estimate import film_estimate
from wan_desktop.core.storyboard.film import export_film
from wan_desktop.core.storyboard.model import Join, Shot, Storyboard, Take
from wan_desktop.core.storyboard.planner import ShotState
from wan_desktop.simulator.render import RenderSpec, placeholder_image, render_mp4

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
CNY = Currency.CNY


def english_left(text: str, *allowed: str) -> list[str]:
    """The Latin words in ``text`` besides the ``allowed`` ones (model names, file names, codes)."""
    for word in allowed:
        text = text.replace(word, "")
    return re.findall(r"[A-Za-z]{2,}", text)


# -- budgets ---------------------------------------------------------------------------------------------------
def test_a_budget_hold_and_its_notices_are_in_chinese_with_yuan(chinese):
    verdict = check(Budget(CNY, daily=5.0), Spent(day=4.0, month=4.0), 2.0, CNY)
    assert not verdict.allowed
    assert verdict.sentence == (
        "因预算暂停：您的每日上限为 ¥5.00；今天已花费或即将花费 ¥4.00，而此视频最多需要 ¥2.00。"
        "请提高上限，否则它将在第二天开始时发送。"
    )
    monthly = check(Budget(CNY, monthly=30.0), Spent(day=0.0, month=29.0), 2.0, CNY)
    assert "每月上限为 ¥30.00" in monthly.sentence and not english_left(monthly.sentence)
    unknown = check(Budget(CNY, daily=5.0), Spent(0.0, 0.0), None, CNY)
    assert unknown.sentence.startswith("因预算暂停：") and english_left(unknown.sentence) == ["Wan", "Desktop"]

    used = notice_sentence("daily", 80, 5.0, CNY)
    reached = notice_sentence("monthly", 100, 30.0, CNY)
    assert used == "预算：您已用去每日上限 ¥5.00 的 80%。"
    assert reached == "预算：您已达到每月上限 ¥30.00；后续任务将等待。"
    assert is_budget_notice(used) and is_budget_notice(reached) and not is_budget_notice("已完成")
    assert is_budget_notice("Budget: you have used 80 % of your daily cap of CN¥5.00.")  # made before a switch

    assert (
        confirmation_needed(Budget(CNY, confirm_over=20.0), 25.0)
        == "此批量最多花费 ¥25.00，超过了您设定的 ¥20.00。要发送吗？"
    )
    with pytest.raises(BudgetError) as typed:
        parse_cap("abc", "daily cap")
    assert str(typed.value) == "每日上限必须是金额，例如 20 或 12.50，而不是 'abc'。"


def test_english_budget_words_are_unchanged():
    verdict = check(Budget(CNY, daily=5.0), Spent(day=4.0, month=4.0), 2.0, CNY)
    assert verdict.sentence.startswith(
        "Held by budget: your daily cap is CN¥5.00; CN¥4.00 is spent or on its way today"
    )
    assert notice_sentence("daily", 80, 5.0, CNY) == "Budget: you have used 80 % of your daily cap of CN¥5.00."


# -- estimates and the ledger ----------------------------------------------------------------------------------
def test_an_estimate_and_a_ledger_reason_are_in_chinese(chinese):
    one = cost.estimate(GenerationRequest("wan2.6-i2v-flash", duration=5, resolution="720P"), Region.BEIJING)
    assert one.known and one.text().startswith("¥")
    assert "有声" in one.notes and one.note.startswith("有声") and not english_left(one.note)
    batch = cost.total([one, one])
    assert batch.note == "共 2 个视频，10秒"
    unknown = cost.CostEstimate(None, CNY, None, 5)
    assert unknown.text() == "价格未知" == cost.price_unknown()

    request = GenerationRequest("wan2.6-i2v-flash", duration=5, resolution="720P")
    canceled = Job("c" * 32, request, JobState.CANCELED, NOW, NOW, Region.BEIJING.value)
    entry = entry_for(canceled, default_table(), demo=False, zone=UTC)
    assert entry.reason == "在运行前已取消" and not entry.charged


# -- batches ---------------------------------------------------------------------------------------------------
def test_a_bad_batch_row_says_its_problem_in_chinese(chinese, tmp_path):
    make_image(tmp_path / "a.png")
    path = tmp_path / "jobs.csv"
    path.write_text(
        "image,prompt,duration,watermark\na.png,一只狐狸,five,\na.png,x,,maybe\na.png,x,,,extra\n", encoding="utf-8"
    )
    result = preview(read_source(path), BatchSettings(model="wan2.2-i2v-plus", region=Region.SINGAPORE))
    verdicts = {row.line: row.verdict for row in result.rows}
    assert verdicts[2] == "第 2 行：时长“five”不是整数。"
    assert verdicts[3] == "第 3 行：水印“maybe”不是“是”或“否”（yes 或 no）。"
    assert verdicts[4] == "第 4 行：该行有 5 个单元格，但表头只有 4 列。"
    assert [row.where for row in result.rows] == ["第 2 行", "第 3 行", "第 4 行"]
    assert "按 UTF-8 读取" in result.notes and "各列以逗号分隔" in result.notes
    with pytest.raises(BatchRefused) as refused:
        requests_to_queue(result)
    assert str(refused.value).startswith("3 行中有 3 行存在问题，因此未加入队列")
    (tmp_path / "empty.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(BatchFileError, match="文件为空"):
        read_source(tmp_path / "empty.csv")


def test_a_missing_preset_is_said_in_chinese(chinese, tmp_path):
    with pytest.raises(PresetError) as missing:
        PresetBook(tmp_path).delete("夜景")
    assert str(missing.value) == "没有名为“夜景”的预设。"


# -- storyboards -----------------------------------------------------------------------------------------------
def test_a_storyboard_edit_is_refused_in_chinese(chinese, tmp_path):
    picture = str(make_image(tmp_path / "first.png"))
    board = edits.new_board("狐狸短片", NOW)
    cut = GenerationRequest("wan2.2-i2v-plus", first_frame=picture, prompt="一只狐狸", resolution="480P")
    board = edits.add_shot(board, edits.new_shot(cut, Join.CUT), Region.CUSTOM, NOW)
    plain = GenerationRequest("wan2.2-i2v-plus", prompt="狐狸奔跑")
    with pytest.raises(edits.EditRefused) as refused:
        edits.add_shot(board, edits.new_shot(plain, Join.CLIP), Region.CUSTOM, NOW)
    assert str(refused.value).startswith("镜头 2：")
    assert "不能“续写上一段视频”" in str(refused.value) and "或使用硬切" in str(refused.value)
    with pytest.raises(edits.EditRefused) as first:
        edits.add_shot(edits.new_board("空", NOW), edits.new_shot(plain, Join.LAST_FRAME), Region.CUSTOM, NOW)
    assert str(first.value) == "镜头 1：第一个镜头之前没有镜头，因此不能设为“从上一段的尾帧开始”；请改为硬切。"
    with pytest.raises(edits.EditRefused, match="硬切镜头需要自己的首帧图片"):
        edits.add_shot(board, edits.new_shot(plain, Join.CUT), Region.CUSTOM, NOW)
    assert [join.label for join in Join] == ["续写上一段视频", "从上一段的尾帧开始", "以上一段视频为参考", "硬切"]
    assert ShotState.READY.label == "可以生成" and ShotState.STALE.label == "已过时：前一个镜头已更改"
    sentence = film_estimate(board, {}, Region.BEIJING).sentence()
    assert sentence.startswith("将生成 1 个镜头，预计费用 ¥") and sentence.endswith("影片时长约 5秒。")


PROMPTS = ("一只狐狸在雪中奔跑", "狐狸跃过小溪，回头望向镜头")


def _film(tmp_path) -> tuple[Storyboard, dict[str, Job], Library]:
    library = Library(tmp_path / "library")
    library.root.mkdir(parents=True)
    jobs: dict[str, Job] = {}
    shots = []
    for number, prompt in enumerate(PROMPTS):
        job_id = uuid.uuid4().hex
        request = GenerationRequest("wan2.2-i2v-flash", prompt=prompt, resolution="480P", seed=number)
        job = Job(job_id, request, JobState.DONE, NOW, NOW, "custom", task_id=f"task-{number}")
        path = library.video_path(job)
        render_mp4(RenderSpec(placeholder_image(f"s{number}", 416, 240), 416, 240, 2), path)
        jobs[job_id] = job
        shots.append(Shot(uuid.uuid4().hex, request, Join.CUT, takes=(Take(job_id),), picked_job_id=job_id))
    return Storyboard(uuid.uuid4().hex, "狐狸短片", tuple(shots), NOW, NOW), jobs, library


def test_an_exported_film_keeps_its_chinese_prompts_in_utf8(chinese, tmp_path):
    board, jobs, library = _film(tmp_path)
    film = export_film(board, jobs, library, tmp_path / "狐狸.mp4", otio=tmp_path / "狐狸.otio")
    assert film.message.startswith("已将 2 个镜头（4秒）导出到 狐狸.mp4：画面直接复制，未重新编码。")
    assert "供剪辑软件使用的剪辑文件为 狐狸.otio" in film.message

    with av.open(str(film.video.path)) as container:
        metadata = dict(container.metadata)
        titles = [chapter["metadata"]["title"] for chapter in container.chapters()]
    # chapter titles are for other programs: English words, the person's prompt as it was written
    assert titles == [f"Shot 1: {PROMPTS[0]}", f"Shot 2: {PROMPTS[1]}"]
    assert [row["prompt"] for row in json.loads(metadata["comment"])] == list(PROMPTS)

    raw = (tmp_path / "狐狸.otio").read_bytes()
    assert PROMPTS[0].encode("utf-8") in raw  # written as UTF-8 text, not \\u escapes
    cut = json.loads(raw.decode("utf-8"))
    clips = cut["tracks"]["children"][0]["children"]
    assert cut["name"] == "狐狸短片" and cut["tracks"]["children"][0]["name"] == "Video"
    assert [clip["metadata"]["wan_desktop"]["prompt"] for clip in clips] == list(PROMPTS)
    assert [clip["name"] for clip in clips] == titles
    assert all(has_chinese(path.name) for path in (tmp_path / "狐狸_clips").iterdir())
    otio = pytest.importorskip("opentimelineio")
    timeline = otio.adapters.read_from_file(str(tmp_path / "狐狸.otio"))
    assert [clip.metadata["wan_desktop"]["prompt"] for clip in timeline.find_clips()] == list(PROMPTS)

    note = json.loads(sidecar.sidecar_path(library, board).read_text(encoding="utf-8"))
    assert [row["prompt"] for row in note["shots"]] == list(PROMPTS)


def test_a_film_with_a_shot_without_video_is_refused_in_chinese(chinese, tmp_path):
    board, jobs, library = _film(tmp_path)
    library.video_path(jobs[board.shots[1].picked_job_id or ""]).unlink()
    with pytest.raises(Exception, match=f"镜头 2（{PROMPTS[1]}）还没有可导出的视频。"):
        export_film(board, jobs, library, tmp_path / "film.mp4")
