"""The Library tab with pytest-qt: model conformance, search, filters, actions, health, and offline playback."""

from __future__ import annotations

import socket
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPoint, QTimer
from PySide6.QtMultimedia import QMediaPlayer

from tests.test_history import encode_mp4, finished, make_job
from wan_desktop.core import history
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.engine import Engine, EngineConfig
from wan_desktop.core.history import GalleryItem
from wan_desktop.core.jobs import JobState
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobReader, JobStore
from wan_desktop.qt.engine_thread import reply_from
from wan_desktop.qt.gallery_model import GalleryModel, ItemRole
from wan_desktop.qt.gallery_view import overlay_text
from wan_desktop.qt.library_edits import LibraryWriter
from wan_desktop.qt.library_panel import LibraryPanel


class EngineStandIn:
    """The engine thread's part without its thread: the real core engine over the real journal carries out the
    Library tab's requests (it is the only writer of job rows), and the reply comes on a later turn of the
    event loop, as the real thread's does."""

    def __init__(self, db: Path, library: Library) -> None:
        self.store = JobStore(db)
        self.engine = Engine(self.store, library, None, EngineConfig(region=Region.BEIJING))
        self.panel: LibraryPanel | None = None
        self.requests: list[tuple] = []

    def writer(self) -> LibraryWriter:
        return LibraryWriter(self.set_favourite, self.forget, self.import_jobs)

    def _reply(self, request: str, job_id: str | None, outcome) -> None:
        reply = reply_from(request, job_id, outcome)
        QTimer.singleShot(0, lambda: self.panel.engine_replied(reply))

    def set_favourite(self, job_id: str, favourite: bool) -> None:
        self.requests.append(("favourite", job_id, favourite))
        self._reply("favourite", job_id, self.engine.set_favourite(job_id, favourite))

    def forget(self, job_id: str) -> None:
        self.requests.append(("forget", job_id))
        self._reply("forget", job_id, self.engine.forget(job_id))

    def import_jobs(self, jobs) -> None:
        self.requests.append(("import", tuple(job.id for job in jobs)))
        self._reply("import", None, self.engine.import_jobs(jobs))

    def close(self) -> None:
        self.store.close()


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    # 320x240: its last frame is big enough for the service's 240-pixel minimum, so a continuation is valid
    return encode_mp4(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=1.0, size=(320, 240))


@pytest.fixture
def rig(tmp_path, clip):
    """A journal with three finished clips (a lineage of two), one running job and one failed job."""
    db = tmp_path / "jobs.sqlite3"
    library = Library(tmp_path / "library")
    with JobStore(db) as store:
        fox = finished(library, make_job(1, prompt="a red fox in snow", model="wan2.7-i2v"), clip)
        store.add(fox)
        store.add(finished(library, make_job(2, prompt="the fox runs away", parent=fox.id), clip))
        store.add(finished(library, make_job(3, prompt="an owl at night", resolution="1080P"), clip))
        store.add(make_job(4, prompt="a fox cub", state=JobState.RUNNING))
        store.add(make_job(5, prompt="a broken dream", state=JobState.FAILED))
    return db, library


@pytest.fixture
def engine(rig):
    stand_in = EngineStandIn(*rig)
    yield stand_in
    stand_in.close()


@pytest.fixture
def panel(qtbot, rig, engine, monkeypatch, tmp_path):
    (tmp_path / "xdg").mkdir()
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the trash lives in tmp
    db, library = rig
    made = LibraryPanel(lambda: JobReader(db), library.root, writer=engine.writer())
    engine.panel = made
    qtbot.addWidget(made)
    made.resize(1200, 700)
    made.show()
    with qtbot.waitSignal(made.model.loaded, timeout=5000):
        made.refresh()
    yield made
    made.shutdown()


def shown(panel) -> list[str]:
    return [item.job_id for item in panel.model.items()]


def select(qtbot, panel, job_id):
    with qtbot.waitSignal(panel.details_shown, timeout=5000):
        panel.select_job(job_id)


def reload(qtbot, panel, change):
    with qtbot.waitSignal(panel.model.loaded, timeout=5000):
        change()
        # Typing starts the search box's pause timer; refresh now and stop it, or its later query would
        # reload the grid again in the middle of the test (on a busy machine, after the test moved on).
        panel.filters.search_timer.stop()
        panel.refresh()


def test_model_passes_qtmodeltester(qtmodeltester, rig):
    db, library = rig

    model = GalleryModel()
    with JobStore(db) as store:
        model.set_items(history.gallery_items(store, library))
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == 5 and model.data(model.index(0, 0), ItemRole).job_id == "job00005"
    model.shutdown()


def test_everything_shows_with_state_and_missing_marks(panel):
    assert shown(panel) == ["job00005", "job00004", "job00003", "job00002", "job00001"]
    tip = panel.model.data(panel.model.index(1, 0), 3)  # ToolTipRole
    assert tip.startswith("Generating") and "fox cub" in tip


def test_search_and_filters(qtbot, panel):
    reload(qtbot, panel, lambda: panel.search.setText("fox"))
    assert shown(panel) == ["job00004", "job00002", "job00001"]
    reload(qtbot, panel, lambda: panel.state_filter.setCurrentIndex(1))  # Done
    assert shown(panel) == ["job00002", "job00001"]
    reload(qtbot, panel, lambda: panel.search.clear())
    assert shown(panel) == ["job00003", "job00002", "job00001"]
    panel.resolution_filter.setCurrentIndex(panel.resolution_filter.findData("1080P"))
    qtbot.waitUntil(lambda: shown(panel) == ["job00003"], timeout=5000)
    panel.resolution_filter.setCurrentIndex(0)
    panel.model_filter.setCurrentIndex(panel.model_filter.findData("wan2.7-i2v"))
    qtbot.waitUntil(lambda: shown(panel) == ["job00001"], timeout=5000)
    assert panel.count_label.text() == "1 video"


def test_favourite_then_filter(qtbot, panel):
    select(qtbot, panel, "job00003")
    with qtbot.waitSignal(panel.action_done, check_params_cb=lambda name: name == "favourite", timeout=5000):
        panel.buttons["favourite"].click()
    assert panel.model.item("job00003").favourite and panel.buttons["favourite"].text() == "Unfavourite"
    reload(qtbot, panel, lambda: panel.favourites.setChecked(True))
    assert shown(panel) == ["job00003"]


def test_favourite_is_asked_of_the_engine_and_shown_once_it_replies(qtbot, panel, engine):
    select(qtbot, panel, "job00003")
    with qtbot.waitSignal(panel.action_done, check_params_cb=lambda name: name == "favourite", timeout=5000):
        panel.buttons["favourite"].click()
        assert not panel.model.item("job00003").favourite  # nothing changes before the engine says so
    assert engine.requests == [("favourite", "job00003", True)]


def test_a_running_job_cannot_be_a_favourite_or_go_to_the_trash(qtbot, panel, engine):
    # issue 10, defect 1: favourite was enabled on a running job; the rulebook says done jobs only
    select(qtbot, panel, "job00004")
    assert not panel.buttons["favourite"].isEnabled()
    assert not panel.menu_actions["delete"].isEnabled()
    with qtbot.waitSignal(panel.action_done, check_params_cb=lambda name: name == "favourite failed"):
        panel.toggle_favourite()  # forced: refused with the rulebook's sentence, nothing asked of the engine
    assert panel.last_error.startswith("Only a finished video can be a favourite") and engine.requests == []
    select(qtbot, panel, "job00005")  # failed: may go to the trash, is no favourite
    assert panel.menu_actions["delete"].isEnabled() and not panel.buttons["favourite"].isEnabled()


def test_the_count_follows_the_tiles_shown(qtbot, panel, rig, clip):
    # issue 10, defect 5: the count said "0 video(s)" while a tile was shown
    assert panel.count_label.text() == "5 videos"
    _db, library = rig
    panel.job_updated(finished(library, make_job(9, prompt="a new heron"), clip))
    assert panel.count_label.text() == "6 videos"
    reload(qtbot, panel, lambda: panel.search.setText("owl"))
    assert panel.count_label.text() == "1 video"


def test_an_empty_library_counts_the_first_video_the_engine_reports(qtbot, tmp_path, clip):
    db, library = tmp_path / "empty.sqlite3", Library(tmp_path / "library")
    JobStore(db).close()
    made = LibraryPanel(lambda: JobReader(db), library.root)
    qtbot.addWidget(made)
    with qtbot.waitSignal(made.model.loaded, timeout=5000):
        made.refresh()
    assert made.count_label.text() == "0 videos"
    made.job_updated(finished(library, make_job(1, prompt="the first one"), clip))
    assert made.count_label.text() == "1 video"
    made.shutdown()


def test_tiles_word_states_as_the_core_does():
    # issue 10, defect 2: the gallery said "Needs you" where the queue said "Needs your decision"
    item = GalleryItem("j", JobState.SUBMIT_UNCERTAIN, "wan2.6-i2v", "720P", "a fox", 0.0, 5, None, None, False, None)
    assert overlay_text(item) == "Needs your decision"
    for state in JobState:
        expected = None if state is JobState.DONE else state.label
        assert overlay_text(replace(item, state=state)) == expected
    assert overlay_text(replace(item, state=JobState.DONE, missing=True)) == "Video missing"


def test_remix_loads_the_request(qtbot, panel):
    select(qtbot, panel, "job00003")
    with qtbot.waitSignal(panel.remix_requested, timeout=5000) as signal:
        panel.buttons["remix"].click()
    assert signal.args[0].prompt == "an owl at night" and signal.args[0].resolution == "1080P"


def test_continue_from_last_frame(qtbot, panel, rig):
    _db, library = rig
    select(qtbot, panel, "job00001")
    with qtbot.waitSignal(panel.continue_requested, timeout=10000) as signal:
        panel.buttons["continue"].click()
    request, parent = signal.args
    assert parent == "job00001" and request.prompt == "a red fox in snow" and request.seed is None
    frame = Path(request.first_frame)
    assert frame.parent == library.inputs_dir and frame.is_file() and frame.stat().st_size > 0
    with qtbot.waitSignal(panel.continue_requested, timeout=5000) as signal:
        panel.buttons["continue_clip"].click()
    request, parent = signal.args
    assert request.model == "wan2.7-i2v" and Path(request.first_clip).name.endswith(".mp4") and parent == "job00001"


def test_details_and_lineage(qtbot, panel):
    select(qtbot, panel, "job00002")
    text = panel.details.shown_text()
    assert "the fox runs away" in text and "job00002" in text
    assert panel.details.relatives.count() == 1 and "Made from" in panel.details.relatives.item(0).text()
    assert panel.details.sequence_button.isEnabled()
    with qtbot.waitSignal(panel.action_done, check_params_cb=lambda name: name == "sequence", timeout=5000):
        panel.details.sequence_button.click()
    assert len(panel.player.playlist) == 2


def test_delete_moves_to_the_trash_after_asking(qtbot, panel, rig, tmp_path, monkeypatch):
    _db, _library = rig
    select(qtbot, panel, "job00003")
    loaded = (QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferedMedia)
    # as a person sees it: the selected video is in the player (cancelling a half-open load logs a warning)
    qtbot.waitUntil(lambda: panel.player.player.mediaStatus() in loaded, timeout=30000)
    video = Path(panel.model.item("job00003").video)
    monkeypatch.setattr(panel, "confirm_delete", lambda job: False)
    panel.menu_actions["delete"].trigger()
    assert video.exists() and "job00003" in shown(panel)  # said no: nothing happens
    monkeypatch.setattr(panel, "confirm_delete", lambda job: True)
    with qtbot.waitSignal(panel.job_deleted, timeout=5000):
        panel.menu_actions["delete"].trigger()
    assert not video.exists() and "job00003" not in shown(panel)
    trashed = list((tmp_path / "xdg" / "Trash" / "files").iterdir())
    assert {path.suffix for path in trashed} == {".mp4", ".json", ".jpg"}
    with JobStore(_db) as store:
        assert store.get("job00003") is None


def test_delete_without_a_trash_deletes_nothing(qtbot, panel, monkeypatch):
    select(qtbot, panel, "job00003")
    video = Path(panel.model.item("job00003").video)
    monkeypatch.setattr(panel, "confirm_delete", lambda job: True)
    monkeypatch.setattr("wan_desktop.qt.library_health.QFile.moveToTrash", lambda path: False)
    with qtbot.waitSignal(panel.action_done, check_params_cb=lambda name: name == "delete failed", timeout=5000):
        panel.menu_actions["delete"].trigger()
    assert video.exists() and "job00003" in shown(panel) and "no trash" in panel.last_error


def test_missing_file_is_marked_and_relink_finds_it(qtbot, panel, rig, tmp_path):
    _db, library = rig
    moved = tmp_path / "moved"
    library.root.rename(moved)
    reload(qtbot, panel, lambda: None)
    assert all(panel.model.item(job).missing for job in ("job00001", "job00002", "job00003"))
    assert len(shown(panel)) == 5  # marked, not hidden
    with qtbot.waitSignal(panel.library_root_changed, timeout=5000) as signal:
        panel.relink(moved)
    assert signal.args[0] == moved
    qtbot.waitUntil(lambda: not panel.model.item("job00001").missing, timeout=5000)


def test_relink_to_a_wrong_folder_changes_nothing(qtbot, panel, tmp_path):
    root = panel.library.root
    with qtbot.waitSignal(panel.action_done, timeout=5000):
        panel.relink(tmp_path / "not-it")
    assert panel.library.root == root


def test_import_a_folder(qtbot, panel, engine, rig, clip, monkeypatch):
    other = Library(rig[1].root / "copied from the old laptop")  # inside the library: imports stay confined
    heron = make_job(40, prompt="imported heron")
    heron = replace(heron, request=replace(heron.request, first_frame="https://example.com/heron.png"))
    finished(other, heron, clip)
    monkeypatch.setattr("wan_desktop.qt.library_health.QMessageBox.information", lambda *args: None)
    with qtbot.waitSignal(panel.model.loaded, timeout=5000):
        panel.import_from(other.root)
    assert "job00040" in shown(panel) and panel.health.last_import.added == ("job00040",)
    assert engine.requests == [("import", ("job00040",))]  # asked of the engine, not written here
    assert not panel.model.item("job00040").missing


def test_a_running_job_turns_into_its_video_in_place(qtbot, panel, rig, clip):
    _db, library = rig
    with JobStore(_db) as store:
        running = store.get("job00004")
    done = finished(library, replace(running, state=JobState.RUNNING), clip)
    panel.job_updated(done)
    item = panel.model.item("job00004")
    assert item.state is JobState.DONE and item.video and shown(panel)[1] == "job00004"


def test_browses_and_plays_with_no_network(qtbot, panel, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("the library tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    reload(qtbot, panel, lambda: panel.search.setText("owl"))
    view = panel.view
    index = panel.model.index(0, 0)
    qtbot.waitUntil(lambda: view.images.cached_count() >= 1, timeout=5000)  # thumbnail arrived off-thread
    view.hover_index(index)
    # The preview decodes at nice 10 on purpose (it must never take the core from the person's work), so two
    # busy cores can slow it down: wait long; a quiet machine passes in a fraction of a second.
    qtbot.waitUntil(lambda: view.preview_pixmap(panel.model.item_at(index)) is not None, timeout=30000)
    select(qtbot, panel, "job00003")
    panel.play_current()
    player = panel.player.player

    def loaded_or_failed():
        return player.duration() > 0 or bool(panel.player.error_text)

    qtbot.waitUntil(loaded_or_failed, timeout=10000)
    if panel.player.error_text:
        assert "cannot be played here" in panel.player.error_text
        pytest.skip(f"this Qt multimedia backend cannot play offscreen: {panel.player.error_text}")
    assert player.duration() > 0
    assert player.mediaStatus() in (
        QMediaPlayer.MediaStatus.LoadedMedia,
        QMediaPlayer.MediaStatus.BufferedMedia,
        QMediaPlayer.MediaStatus.BufferingMedia,
        QMediaPlayer.MediaStatus.EndOfMedia,
    )
    panel.player.step(1)
    assert player.playbackState() != QMediaPlayer.PlaybackState.PlayingState
    panel.view.hover_index(QModelIndex())
    assert panel.view.indexAt(QPoint(5, 5)).isValid()


def test_export_from_the_panel_and_frame_as_last_frame(qtbot, panel, tmp_path):
    select(qtbot, panel, "job00003")
    with qtbot.waitSignal(panel.action_done, check_params_cb=lambda name: name == "export", timeout=5000):
        panel.export_to(tmp_path / "out")
    assert sorted(path.suffix for path in (tmp_path / "out").iterdir()) == [".json", ".mp4"]
    with qtbot.waitSignal(panel.last_frame_chosen, timeout=10000) as signal:
        panel.buttons["last_frame"].click()
    assert Path(signal.args[0]).is_file()


def test_player_controls(qtbot, panel, clip):
    player = panel.player
    player.loop.setChecked(True)
    player.play_files([clip], autoplay=False)
    assert player.player.loops() == QMediaPlayer.Loops.Infinite
    player.mute.setChecked(True)
    assert player.audio.isMuted()
    player.play_files([clip, clip], autoplay=False)
    assert player.player.loops() == 1 and "Clip 1 of 2" in player.status.text()  # a sequence loops as a whole
    player.step(-1)
    assert player.player.position() == 0


def test_the_main_window_has_a_library_tab_that_remixes_and_continues(qtbot, tmp_path, clip, simulator):
    from keyring.backends.fail import Keyring as NoKeyring

    from tests.conftest import TEST_KEY
    from wan_desktop.core.dashscope.catalog import Region
    from wan_desktop.core.secrets import KeyVault
    from wan_desktop.core.settings import Settings, SettingsStore
    from wan_desktop.qt.main_window import MainWindow, WindowContext

    home, library = tmp_path / "home", Library(tmp_path / "library")
    with JobStore(home / "jobs.sqlite3") as store:
        heron = make_job(1, prompt="a heron lands", model="wan2.2-i2v-flash", resolution="480P")
        store.add(finished(library, heron, clip))
    settings = Settings(
        library_dir=library.root,
        region=Region.CUSTOM,
        custom_base_url=simulator.base_url,
        notifications=False,
        keep_running_in_tray=False,
    )
    vault = KeyVault(environ={"DASHSCOPE_API_KEY": TEST_KEY}, keyring_backend=NoKeyring())
    window = MainWindow(WindowContext(home, SettingsStore(home), vault), settings)
    qtbot.addWidget(window)
    window.show()
    try:
        panel = window.ensure_library_panel()
        qtbot.waitUntil(lambda: panel.model.row_of("job00001") is not None, timeout=15000)
        window.tabs.setCurrentIndex(1)
        select(qtbot, panel, "job00001")
        panel.buttons["remix"].click()
        assert window.composer.prompt_edit.toPlainText() == "a heron lands" and window.tabs.currentIndex() == 0
        with qtbot.waitSignal(panel.continue_requested, timeout=10000) as continued:
            panel.buttons["continue"].click()
        frame = continued.args[0].first_frame
        # The engine starts after the first paint and then shows the finished job: wait for it, then check
        # that continuing loaded a new prompt without queueing or sending anything (nothing was charged).
        qtbot.waitUntil(lambda: window.queue_model.job("job00001") is not None, timeout=15000)
        assert window.tabs.currentIndex() == 0
        assert [job.id for job in window.jobs()] == ["job00001"] and simulator.tasks() == []
        composer = window.composer
        qtbot.waitUntil(
            lambda: composer.first_zone.references() == [frame] and not composer.first_zone.busy,
            timeout=10000,
        )
        composer.prompt_edit.setPlainText("the heron takes off again")
        composer.generate()
        qtbot.waitUntil(lambda: any(job.parent_job_id == "job00001" for job in window.jobs()), timeout=15000)
    finally:
        window.quit()
