"""The Storyboard tab in Chinese, with a board of two shots and the second chosen: the strip, the buttons, the
takes and the shot editor have no English left (tests/zh_walk.py), and the lengths and notices are in Chinese."""

from __future__ import annotations

import pytest

from tests import zh_walk
from tests.storyboard_helpers import NOW, patterned_image
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore
from wan_desktop.core.storyboard import edits
from wan_desktop.core.storyboard.model import Join
from wan_desktop.core.storyboard.repository import StoryboardRepository
from wan_desktop.qt.composer import Composer
from wan_desktop.qt.storyboard_panel import StoryboardPanel
from wan_desktop.qt.storyboard_strip import shot_text


@pytest.fixture
def panel(qtbot, qt_chinese, tmp_path):
    library, db = Library(tmp_path / "library"), tmp_path / "jobs.sqlite3"
    JobStore(db).close()
    picture = library.copy_input("0" * 32, patterned_image(tmp_path / "first.png"), "first_frame")
    board = edits.new_board("雪地狐狸", NOW)
    for request, join in (
        (
            GenerationRequest("wan2.2-i2v-flash", first_frame=str(picture), prompt="一只狐狸", resolution="480P"),
            Join.CUT,
        ),
        (GenerationRequest("wan2.2-i2v-flash", prompt="狐狸跑开了", resolution="480P", duration=5), Join.LAST_FRAME),
    ):
        board = edits.add_shot(board, edits.new_shot(request, join), Region.CUSTOM, NOW)
    with StoryboardRepository(db) as repository:
        repository.save(board)
    editor = Composer(lambda: Region.CUSTOM, tmp_path / "scratch")
    editor.generate_button.hide()  # as the tab has it (storyboard_tab.ensure_panel)
    made = StoryboardPanel(lambda: db, lambda: library, lambda: Region.CUSTOM, lambda: None, editor)
    qtbot.addWidget(made)
    made.resize(1400, 900)
    made.show()
    with qtbot.waitSignal(made.refreshed, timeout=30000):
        made.refresh()
    made.strip.setCurrentRow(1)
    yield made
    made.shutdown()
    editor.shutdown()


def test_the_storyboard_tab_shows_no_english(panel):
    assert panel.strip.count() == 2
    assert zh_walk.untranslated(panel) == []


def test_the_strip_words_lengths_and_the_notices_in_chinese(qtbot, panel):
    from dataclasses import replace

    shot = replace(panel.current_view().shots[1], seconds=7.5)
    assert shot_text(shot).splitlines()[0] == "2 ⇥  7.5秒"
    long = replace(shot, prompt="一只红狐狸在雪地里奔跑，镜头缓缓推近，阳光穿过树林洒在它的身上，远处是连绵的群山")
    metrics = panel.strip.fontMetrics()
    cut = shot_text(long, metrics).splitlines()[2]  # the prompt, cut to the tile's width rather than clipped
    assert cut.endswith("…") and metrics.horizontalAdvance(cut) <= panel.strip.gridSize().width()
    with qtbot.waitSignal(panel.notice, timeout=30000) as told:
        panel.play_seam()  # neither shot has a video yet
    assert told.args == ["要播放衔接处，此镜头和上一个镜头都需要有视频。"]
    with qtbot.waitSignal(panel.notice, timeout=30000) as told:
        panel.create_board("第二部")  # no engine: asked of it, refused in words
    assert told.args == ["任务队列尚未运行；请在其启动后重试。"]
    assert panel.buttons["render"].text() == "全部生成…" and panel.strip.accessibleName() == "故事板的镜头"
