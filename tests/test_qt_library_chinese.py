"""The Library tab in Chinese: with a few videos in it, a video selected and a filter on, no English is left
(tests/zh_walk.py); the count, the menus and a refusal are in Chinese, and the date filter writes dates as the
zh_CN locale does."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import QDate

from tests import zh_walk
from tests.test_history import encode_mp4, finished, make_job
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef, ShotType
from wan_desktop.core.jobs import JobState
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobReader, JobStore
from wan_desktop.qt.details_pane import job_rows
from wan_desktop.qt.library_panel import LibraryPanel


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return encode_mp4(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=1.0, size=(320, 240))


@pytest.fixture
def panel(qtbot, qt_chinese, tmp_path, clip):
    """Three finished clips (a lineage of two) and one running job, shown in Chinese, the second clip selected."""
    db, library = tmp_path / "jobs.sqlite3", Library(tmp_path / "library")
    with JobStore(db) as store:
        store.add(finished(library, make_job(1, prompt="雪地里的一只红狐狸", model="wan2.7-i2v"), clip))
        store.add(finished(library, make_job(2, prompt="狐狸跑开了", parent="job00001"), clip))
        store.add(finished(library, make_job(3, prompt="夜里的猫头鹰", resolution="1080P", favourite=True), clip))
        store.add(make_job(4, prompt="一只小狐狸", state=JobState.RUNNING))
    made = LibraryPanel(lambda: JobReader(db), library.root)  # no engine: changes are refused in words
    qtbot.addWidget(made)
    made.resize(1400, 800)
    made.show()
    with qtbot.waitSignal(made.model.loaded, timeout=5000):
        made.refresh()
    with qtbot.waitSignal(made.details_shown, timeout=5000):
        made.select_job("job00002")
    yield made
    made.shutdown()


def test_the_library_tab_shows_no_english(panel):
    panel.filters.dates.setChecked(True)
    assert zh_walk.untranslated(panel) == []
    assert panel.count_label.text() == "4 个视频"
    assert panel.buttons["favourite"].text() == "收藏" and panel.menu_actions["keep"].text() == "标记为保留"
    assert "视频缺失" not in panel.model.data(panel.model.index(0, 0), 3)  # ToolTipRole: the video is there
    # the "More…" menu (the grid's context menu is the buttons and this menu)
    words = [action.text() for action in panel.actions_bar.more_menu.actions() if not action.isSeparator()]
    assert len(words) == 11 and [text for text in words if zh_walk.english_left(text)] == []


def test_the_date_filter_writes_the_zh_cn_short_date(panel):
    panel.filters.since.setDate(QDate(2026, 11, 2))
    assert panel.filters.since.text() == "2026/11/2"
    assert panel.filters.since.displayFormat() == "yyyy/M/d"


def test_a_refusal_reaches_the_person_in_chinese(qtbot, panel):
    with qtbot.waitSignal(panel.action_done, check_params_cb=lambda name: name == "favourite failed"):
        panel.toggle_favourite()
    assert panel.last_error == "任务队列尚未运行；请在其启动后重试。"


def test_an_empty_library_says_so_in_chinese(qtbot, qt_chinese, tmp_path):
    db = tmp_path / "empty.sqlite3"
    JobStore(db).close()
    made = LibraryPanel(lambda: JobReader(db), tmp_path / "library")
    qtbot.addWidget(made)
    with qtbot.waitSignal(made.model.loaded, timeout=5000):
        made.refresh()
    assert made.count_label.text() == "0 个视频" and made.view.empty_text.startswith("还没有视频。")
    made.shutdown()


def test_every_detail_of_a_media_array_request_is_in_chinese(qt_chinese):
    # the details listed a field the table did not know by its code ("references", "enable_thinking"), and a
    # shot type or an adaptive ratio by its API value
    request = GenerationRequest(
        model="wan2.7-r2v",
        prompt="图1 里的狐狸在雪地里奔跑",
        references=(MediaRef("reference_image", "/pictures/fox.png", voice="/sounds/fox.wav"),),
        ratio="adaptive",
        enable_thinking=True,
        shot_type=ShotType.MULTI,
    )
    rows = dict(job_rows(replace(make_job(9), request=request)))
    files = ("/pictures/fox.png", "/sounds/fox.wav", "/nowhere/first.png", "job00009", "beijing")  # as stored
    assert [f"{label}: {text}" for label, text in rows.items() if zh_walk.english_left(label + text, files)] == []
    assert rows["参考素材"] == "参考图：/pictures/fox.png （配音：/sounds/fox.wav）"
    assert rows["宽高比"] == "自适应（跟随输入）" and rows["思考模式"] == "是"
    assert rows["镜头"] == "多镜头（短故事）"
    assert dict(job_rows(replace(make_job(9), region="cn-beijing")))["地域"] == "华北2（北京）"
