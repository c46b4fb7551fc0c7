"""The Storyboard tab over a real engine thread and the simulator: the strip shows the shots, "Render all"
renders the film in order through the engine (the panel itself never writes job rows or reads on the GUI
thread), a drag that would open the film with a joined shot is refused in words, and the film plays."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_KEY
from tests.storyboard_helpers import three_shot_board
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.regions import ServiceEndpoint
from wan_desktop.core.library import Library
from wan_desktop.core.session import Target, open_session
from wan_desktop.core.storyboard.planner import ShotState
from wan_desktop.core.storyboard.repository import StoryboardRepository
from wan_desktop.qt.composer import Composer
from wan_desktop.qt.engine_thread import EngineThread
from wan_desktop.qt.storyboard_panel import StoryboardPanel


@pytest.fixture
def rig(qtbot, tmp_path, simulator):
    home, library = tmp_path / "home", Library(tmp_path / "library")
    endpoint = ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url=simulator.base_url)
    target = Target(Region.CUSTOM, endpoint, TEST_KEY, 0.01)
    thread = EngineThread(lambda listener: open_session(home, library.root, target, listener=listener))
    with qtbot.waitSignal(thread.ready, timeout=30000):
        thread.start()
    db = home / "jobs.sqlite3"
    board = three_shot_board(library, tmp_path)
    with StoryboardRepository(db) as repository:
        repository.save(board)
    editor = Composer(lambda: Region.CUSTOM, tmp_path / "scratch")
    panel = StoryboardPanel(lambda: db, lambda: library, lambda: Region.CUSTOM, lambda: thread, editor)
    thread.job_updated.connect(panel.job_updated)
    qtbot.addWidget(panel)
    yield panel, board
    thread.stop()
    thread.wait()
    panel.shutdown()
    editor.shutdown()


def test_render_all_from_the_panel_and_a_refused_drag(qtbot, rig):
    panel, board = rig
    with qtbot.waitSignal(panel.refreshed, timeout=30000):  # a background read: 5 s is short on a busy machine
        panel.refresh()
    assert panel.strip.count() == 3 and "This renders 3 shots" in panel.summary.text()
    assert "✂" in panel.strip.item(0).text() and "⟿" in panel.strip.item(2).text()
    with qtbot.waitSignal(panel.notice, check_params_cb=lambda text: "Shot 1:" in text, timeout=30000):
        panel.move_shot(board.shots[1].id, 0)  # a last-frame shot cannot open the film
    panel.confirmed_render(board.id)

    def rendered() -> bool:
        view = panel.current_view()
        return view is not None and all(shot.state is ShotState.DONE for shot in view.shots)

    qtbot.waitUntil(rendered, timeout=120000)
    view = panel.current_view()
    assert len(view.videos()) == 3 and [len(shot.takes) for shot in view.shots] == [1, 1, 1]
    panel.play_film()
    assert panel.player.playlist == view.videos()
    panel.strip.setCurrentRow(1)
    panel.play_seam()  # made in the background: the last 2 s of shot 1 and the first 2 s of shot 2
    qtbot.waitUntil(lambda: [p.name for p in panel.player.playlist] == ["seam.mp4"], timeout=60000)


def test_the_main_window_has_a_storyboard_tab_built_when_shown(qtbot, tmp_path):
    from tests.test_qt_main_window import open_window, settings_for

    window = open_window(qtbot, tmp_path / "home", settings_for(tmp_path), demo=True)
    try:
        titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
        assert "&Storyboard" in titles and window.storyboard_panel is None
        window.tabs.setCurrentIndex(titles.index("&Storyboard"))
        panel = window.storyboard_panel
        assert panel is not None and not panel.editor.generate_button.isVisible()
        qtbot.waitUntil(lambda: "running" in window.mode_label.text(), timeout=60000)  # the engine is up
        panel.create_board("From the window")
        qtbot.waitUntil(lambda: panel.board_combo.currentText() == "From the window", timeout=60000)
        window.tabs.setCurrentIndex(1)
        assert "storyboard" in window.ensure_library_panel().menu_actions
    finally:
        window.quit()
