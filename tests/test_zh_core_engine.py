"""The engine and the core below it in Simplified Chinese (issue 15): the rulebook's words, the engine's
sentences, the refusals of a rebuild's notes, and the database's, the disk's, the key's and the lock's errors,
as a person reads them. Each test would fail if a string on its path were left unmarked."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.fake_service import tiny_mp4
from tests.test_engine_unit import Bench
from tests.zh_text import english_left
from wan_desktop.core import history, media
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.downloader import fetch_video
from wan_desktop.core.engine import Outcome
from wan_desktop.core.home_lock import HolderInfo, HomeBusy
from wan_desktop.core.i18n import format_short_datetime, format_time
from wan_desktop.core.jobs import Job, JobAction, JobState, job_label, refusal
from wan_desktop.core.library import Library
from wan_desktop.core.secrets import ENV_VAR, InvalidKeyError, KeySource, KeyVault, check_key
from wan_desktop.core.settings import SettingsStore
from wan_desktop.core.store import DiskFullError, JobStore, LockedError, StoreError


def english_words(text: str) -> str:
    """The English left in a core sentence; the keyring entry's variable name is the person's code."""
    return english_left(text, (ENV_VAR,))


def a_job(state: JobState = JobState.DONE, **changes) -> Job:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    request = GenerationRequest(model="wan2.6-i2v-flash", first_frame="https://example.com/a.png", prompt="a fox")
    return replace(
        Job(id="ab12cd34", request=request, state=state, created_at=now, updated_at=now, region="custom"), **changes
    )


# -- the rulebook ----------------------------------------------------------------------------------------------
def test_every_state_label_and_every_refusal_is_in_chinese(chinese):
    refused_actions = set()
    for state in JobState:
        assert state.label and not english_words(state.label), state
        job = a_job(state)
        for action in JobAction:
            sentence = refusal(job, action)
            if sentence is not None:
                refused_actions.add(action)
                assert not english_words(sentence), (state, action, sentence)
                assert sentence.endswith("。")
    assert refused_actions == set(JobAction)  # every refusal sentence was met
    assert JobState.HELD_BY_BUDGET.label == "因预算暂停" and JobState.SUBMIT_UNCERTAIN.label == "需要您决定"
    assert refusal(a_job(JobState.RUNNING), JobAction.CANCEL) == "处于“生成中”状态的任务无法再取消。"
    still_looking = a_job(JobState.SUBMIT_UNCERTAIN)
    assert job_label(still_looking) == "正在向服务确认"
    assert refusal(still_looking, JobAction.DECIDE) == "此任务尚未等待您决定。"
    assert refusal(a_job(), JobAction.REMOVE) == "已完成的视频不会从队列中移除；请改为从历史记录中删除。"


def test_the_rulebook_reads_english_again_once_english_is_back(chinese):
    from wan_desktop.core import i18n

    assert JobState.DONE.label == "已完成"
    i18n.install(i18n.Language.ENGLISH)
    assert JobState.DONE.label == "Done"
    assert refusal(a_job(JobState.RUNNING), JobAction.CANCEL) == "A job that is generating can no longer be canceled."


# -- the engine's sentences ------------------------------------------------------------------------------------
def test_a_download_that_keeps_arriving_damaged_fails_in_chinese(chinese, tmp_path):
    bench = Bench(tmp_path, fetch=fetch_video)
    bench.service.video_bytes = tiny_mp4(seconds=5.0)[:-200]  # its last box is cut short, every time
    (job,) = bench.add()
    bench.run()
    failed = bench.job(job.id)
    assert failed.state is JobState.FAILED
    assert failed.error_message.startswith("下载的视频已损坏 3 次：视频“"), failed.error_message
    assert "字节。将重新下载。" in failed.error_message
    assert not english_words(failed.error_message.split("“")[0] + failed.error_message.split("”")[-1])
    bench.close()


def test_a_finished_task_without_a_link_fails_in_chinese(chinese, tmp_path):
    bench = Bench(tmp_path)
    (job,) = bench.add()
    bench.turns_until(lambda: bench.job(job.id).state is JobState.PENDING)
    bench.service.tasks[bench.job(job.id).task_id].video_url = None
    bench.run()
    failed = bench.job(job.id)
    assert failed.state is JobState.FAILED and failed.error_message.startswith("服务表示此视频已完成")
    assert not english_words(failed.error_message)
    bench.close()


def test_the_engines_answers_to_commands_are_in_chinese(chinese, tmp_path):
    bench = Bench(tmp_path)
    (queued,) = bench.add()
    assert bench.engine.cancel("nope").message == "没有这个任务。"
    retry = bench.engine.retry(queued.id)
    assert retry.kind is Outcome.REFUSED and retry.message == "处于“排队中”状态的任务无法重试。"
    canceled = bench.engine.cancel(queued.id)
    assert canceled.message == "已取消。" and canceled.job.error_message == "已在发送前取消。"
    bench.engine.pause()
    assert bench.engine.mode_reason == "已暂停。"
    outcome = bench.engine.import_jobs([replace(a_job(), id="imported"), replace(a_job(JobState.QUEUED), id="q")])
    assert outcome.message == "已导入 1 个任务；0 个已在历史记录中；1 个被拒绝。"
    assert outcome.refused[0][1].startswith("处于“排队中”状态的任务不会导入")
    bench.close()


def test_an_unknown_model_fails_with_a_chinese_sentence(chinese, tmp_path):
    bench = Bench(tmp_path)
    (job,) = bench.add()
    bench.store.save(replace(bench.job(job.id), request=replace(job.request, model="wan9-future")))
    fresh = bench.fresh_engine()
    fresh.turn()
    failed = fresh.job(job.id)
    assert failed.state is JobState.FAILED
    assert failed.error_message.startswith("此任务要求使用模型 'wan9-future'，此版本的 Wan Desktop 不认识该模型")
    bench.close()


# -- a rebuild's notes -----------------------------------------------------------------------------------------
STEM = "2026-11-26_14-03-22_a-fox_ab12cd34"


def _plant(library: Library, name: str, job: dict, version: int = 1) -> None:
    body = {"format": "wan-desktop-job", "version": version, "job": job}
    (library.root / f"{name}.json").write_text(json.dumps(body), encoding="utf-8")


def test_notes_refused_in_a_rebuild_are_reported_in_chinese(chinese, tmp_path):
    library = Library(tmp_path / "library")
    library.root.mkdir()
    job = json.loads(json.dumps(library.sidecar_data(a_job())))["job"]
    _plant(library, STEM[:-1] + "1", {**job, "id": "queued", "state": "queued"})
    _plant(library, STEM[:-1] + "2", {**job, "id": "bogus", "state": "bogus"})
    _plant(library, STEM[:-1] + "3", {**job, "id": "newer"}, version=99)
    scan = history.sidecars_to_import(library, library.root)
    assert scan.jobs == () and len(scan.problems) == 3
    report = history.ImportReport((), 0, scan.problems).message.splitlines()
    assert report[:2] == ["已导入 0 个视频。", "3 个记录文件无法读取："]
    assert report[2] == (
        f"• {STEM[:-1]}1.json：“{STEM[:-1]}1.json”记录的任务尚未结束（排队中）；"
        "只有已结束的任务才会从记录文件恢复，因此未经您同意不会向服务发送任何内容。"
    )
    assert report[3].endswith("已损坏，无法读取（字段“state”的值 'bogus' 无法识别）。")
    assert report[4].endswith("由更新版本的 Wan Desktop 写入；请更新应用后再读取。")
    outside = history.sidecars_to_import(library, tmp_path / "elsewhere")
    assert outside.problems[0].message.startswith("文件夹 ") and "位于视频库" in outside.problems[0].message


def test_an_unsafe_path_in_a_note_is_refused_in_chinese(chinese, tmp_path):
    library = Library(tmp_path / "library")
    library.root.mkdir()
    job = json.loads(json.dumps(library.sidecar_data(a_job())))["job"]
    job["request"]["first_frame"] = "../../etc/passwd"
    _plant(library, STEM, job)
    (problem,) = library.scan_sidecars().problems
    assert problem.message == (
        f"已拒绝“{STEM}.json”：其中的首帧不安全。路径“../../etc/passwd”用“..”跳出了所在文件夹，因此不予使用。"
    )


# -- the database, the disk, the media, the key, the settings, the lock -----------------------------------------
def test_database_errors_are_in_chinese(chinese, tmp_path):
    assert DiskFullError().explanation.startswith("存放 Wan Desktop 数据的磁盘已满")
    assert LockedError().explanation.startswith("Wan Desktop 的任务数据库正被另一个程序占用")
    assert StoreError().explanation == "Wan Desktop 无法使用其任务数据库。"
    store = JobStore(tmp_path / "jobs.sqlite3")
    store.close()
    with pytest.raises(StoreError) as closed:
        store.get("x")
    assert closed.value.explanation == "任务数据库已关闭。"


def test_media_errors_are_in_chinese(chinese, tmp_path):
    with pytest.raises(media.MediaError) as gone:
        media.verify_video(tmp_path / "gone.mp4")
    assert str(gone.value) == "视频“gone.mp4”不存在。"
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(tiny_mp4(seconds=2.0))
    with pytest.raises(media.MediaError) as short:
        media.verify_video(clip, expected_duration=5.0)
    assert str(short.value) == "视频“clip.mp4”时长为 2.0秒，但预期为 5秒。"


def test_key_problems_are_in_chinese(chinese):
    with pytest.raises(InvalidKeyError) as empty:
        check_key("  ")
    assert str(empty.value) == "API Key 为空。"
    with pytest.raises(InvalidKeyError) as spaced:
        check_key("sk-abc def")
    assert str(spaced.value).startswith("API Key 中不含空格或换行，但这个 Key 的第 7 位是空格")
    with pytest.raises(InvalidKeyError) as from_env:
        KeyVault(environ={ENV_VAR: "sk-\u200bkey"}).get("ap-southeast-1")
    assert str(from_env.value).startswith(f"{ENV_VAR} 环境变量中的 Key 无法使用。API Key 的第 4 位有一个不可见字符")
    assert KeySource.KEYRING.label == "保存在系统钥匙串中"
    assert KeySource.ENVIRONMENT.label == f"来自 {ENV_VAR} 环境变量"


def test_a_damaged_settings_file_is_reported_in_chinese(chinese, tmp_path):
    (tmp_path / "settings.json").write_text('{"notifications": "yes", "window_geometry": 5}', encoding="utf-8")
    store = SettingsStore(tmp_path)
    store.load()
    assert store.problem == (
        "部分设置无法读取，已恢复为默认值：notifications、window_geometry。旧文件保留为 settings.json.bad。"
    )
    (tmp_path / "settings.json").write_text("{not json", encoding="utf-8")
    store.load()
    assert store.problem == "设置文件已损坏，因此使用默认设置。旧文件保留为 settings.json.bad。"


def test_a_busy_home_names_its_holder_in_chinese(chinese, tmp_path):
    started = datetime(2020, 1, 2, 3, 4, tzinfo=UTC).astimezone()
    busy = str(HomeBusy(tmp_path, HolderInfo(42, "wan-desktop run", started.isoformat())))
    holder = f"wan-desktop run、进程 42、自 {format_short_datetime(started)} 起"
    assert busy.startswith(f"另一个 Wan Desktop（{holder}）正在使用此数据文件夹（{tmp_path}）")
    today = datetime.now().astimezone().replace(hour=9, minute=5, second=0, microsecond=0)
    assert HolderInfo(1, "x", today.isoformat()).since() == format_time(today) == "09:05"
    assert str(HomeBusy(tmp_path, None)).startswith("另一个 Wan Desktop 正在使用此数据文件夹")


def test_library_words_are_in_chinese(chinese, tmp_path):
    assert [order.label for order in history.SortOrder] == ["最新优先", "最早优先", "按模型", "按状态"]
    moved = history.RelinkReport(Path(tmp_path), 3, 2).message
    assert moved == f"视频库已设为 {tmp_path}：找到 3 个视频；仍有 2 个缺失。"
    with pytest.raises(FileNotFoundError) as missing:
        Library(tmp_path).copy_input("j", tmp_path / "gone.png", "first_frame")
    assert str(missing.value) == "找不到首帧“gone.png”；它可能已被移动。"
