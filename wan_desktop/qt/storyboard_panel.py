"""The Storyboard tab: pick or make a board, see its strip of shots, edit a shot with the composer, render
the whole film (after one confirmation of its cost and length), take again, pick takes, play the film or a
seam, export it.

Reads run on a background pool (``BackgroundCalls``); every change (the boards' table, new jobs) is a command
run on the engine thread (``EngineThread.run_on_engine``), which answers with ``answered``. Nothing here does
I/O on the GUI thread, and nothing here writes job rows: the renderer asks the engine for jobs."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.jobs import FINAL_STATES, Job
from wan_desktop.core.library import Library
from wan_desktop.core.storyboard import edits
from wan_desktop.core.storyboard.model import Join, board_of_project
from wan_desktop.core.storyboard.view import BoardView, load_views

from .background import BackgroundCalls
from .library_edits import not_running
from .player import Player
from .storyboard_strip import ShotStrip

EngineWork = Callable[..., str | None]  # (engine, renderer, repository) -> a sentence


class StoryboardPanel(QWidget):
    answered = Signal(str)  # what an engine-thread command did, in words (emitted from the engine thread)
    refreshed = Signal()  # the view shows the latest read (tests wait on this)
    notice = Signal(str)

    def __init__(
        self,
        db_path: Callable[[], Path],
        library: Callable[[], Library],
        region: Callable[[], Region],
        engine: Callable[[], object | None],
        editor: QWidget,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._db_path, self._library, self._region, self._engine = db_path, library, region, engine
        self.editor = editor  # a Composer: the shot editor
        self._calls = BackgroundCalls(self, max_threads=2)
        self.views: tuple[BoardView, ...] = ()
        self.player = Player()
        self.strip = ShotStrip()
        self._build()
        self.answered.connect(self._answered)
        self.strip.moved.connect(self.move_shot)
        self.strip.chosen.connect(self._shot_chosen)

    # -- construction ---------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.board_combo = QComboBox()
        self.board_combo.setAccessibleName(_("Storyboard"))
        self.board_combo.currentIndexChanged.connect(lambda _index: self._show_board())
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Storyboard:")))
        top.addWidget(self.board_combo, 1)
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (
            ("new", _("New…"), self.new_board_dialog),
            ("render", _("Render all…"), self.render_all),
            ("film", _("Play the film"), self.play_film),
            ("seam", _("Play the seam"), self.play_seam),
            ("export", _("Export…"), self.export_dialog),
        ):
            self.buttons[key] = button = QPushButton(text)
            button.clicked.connect(slot)
            top.addWidget(button)
        shot_row = QHBoxLayout()
        self.join_combo = QComboBox()
        self.join_combo.setAccessibleName(_("How the shot joins the one before"))
        for join in Join:
            self.join_combo.addItem(join.label, join.value)
        self.notes = QLineEdit()
        self.notes.setPlaceholderText(_("Notes"))
        self.take_combo = QComboBox()
        self.take_combo.setAccessibleName(_("Takes of the shot"))
        shot_row.addWidget(self.join_combo)
        shot_row.addWidget(self.notes, 1)
        for key, text, slot in (
            ("add", _("Add as a new shot"), self.add_shot),
            ("save", _("Save the shot"), self.save_shot),
            ("duplicate", _("Duplicate"), self.duplicate_shot),
            ("remove", _("Remove"), self.remove_shot),
            ("take", _("Another take"), self.new_take),
        ):
            self.buttons[key] = button = QPushButton(text)
            button.clicked.connect(slot)
            shot_row.addWidget(button)
        shot_row.addWidget(self.take_combo)
        self.buttons["pick"] = pick = QPushButton(_("Use this take"))
        pick.clicked.connect(self.pick_take)
        shot_row.addWidget(pick)
        lower = QSplitter()
        lower.addWidget(self.editor)
        lower.addWidget(self.player)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.strip)
        layout.addLayout(shot_row)
        layout.addWidget(lower, 1)

    # -- reading (background) ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        db, library, region = self._db_path(), self._library(), self._region()

        def read():
            from wan_desktop.core.store import open_reader

            with open_reader(db) as reader:
                jobs = reader.jobs()
            views = load_views(db, jobs, library, region)
            pictures = {
                shot.shot_id: QImage(str(shot.thumbnail)) for view in views for shot in view.shots if shot.thumbnail
            }
            return views, pictures

        def failed(error: Exception) -> None:
            self.notice.emit(_("The storyboards could not be read: {error}").format(error=error))

        self._calls.run(read, self._read, failed)

    def _read(self, result) -> None:
        views, images = result
        chosen = self.current_board_id()
        self.views = views
        self._pictures = {shot_id: QPixmap.fromImage(image) for shot_id, image in images.items()}
        self.board_combo.blockSignals(True)
        self.board_combo.clear()
        for view in views:
            self.board_combo.addItem(view.board.name, view.board.id)
        ids = [view.board.id for view in views]
        self.board_combo.setCurrentIndex(ids.index(chosen) if chosen in ids else (0 if ids else -1))
        self.board_combo.blockSignals(False)
        self._show_board()
        self.refreshed.emit()

    def current_view(self) -> BoardView | None:
        board_id = self.current_board_id()
        return next((view for view in self.views if view.board.id == board_id), None)

    def current_board_id(self) -> str | None:
        return self.board_combo.currentData()

    def _show_board(self) -> None:
        view = self.current_view()
        self.strip.show_shots(view.shots if view else (), getattr(self, "_pictures", {}))
        self.summary.setText(view.estimate.sentence() if view else _("Make a storyboard with New…."))
        for key in ("render", "film", "export", "add"):
            self.buttons[key].setEnabled(view is not None)
        self._shot_chosen(self.strip.current_shot())

    def _shot_chosen(self, shot_id: str | None) -> None:
        view = self.current_view()
        shot = view.board.shot(shot_id) if view and shot_id else None
        for key in ("save", "duplicate", "remove", "take", "pick", "seam"):
            self.buttons[key].setEnabled(shot is not None)
        self.take_combo.clear()
        if shot is None:
            return
        for number, take in enumerate(shot.takes, 1):
            in_use = take.job_id == shot.picked_job_id
            words = _("Take {number} (in use)") if in_use else _("Take {number}")
            self.take_combo.addItem(words.format(number=format_number(number)), take.job_id)
        self.join_combo.setCurrentIndex(self.join_combo.findData(shot.join.value))
        self.notes.setText(shot.notes)
        self.editor.load_request(shot.request)  # pyright: ignore[reportAttributeAccessIssue]

    # -- engine-thread commands -------------------------------------------------------------------------------
    def _on_engine(self, work: EngineWork) -> None:
        engine_thread = self._engine()
        if engine_thread is None:
            self.notice.emit(not_running())
            return
        scratch = self._db_path().parent / "scratch" / "storyboard"

        def command(engine) -> None:
            from wan_desktop.core.storyboard.render import StoryboardRenderer
            from wan_desktop.core.storyboard.repository import StoryboardRepository

            try:
                with StoryboardRepository(engine.store.db_path) as repository:
                    message = work(engine, StoryboardRenderer(engine, repository, scratch), repository)
            except (edits.EditRefused, ValueError, KeyError, OSError) as error:
                message = str(error)
            except Exception as error:  # a StoreError and the like: the loop goes on, the person hears it
                message = getattr(error, "explanation", None) or _("That did not work: {error}").format(error=error)
            self.answered.emit(message or "")

        engine_thread.run_on_engine(command)  # pyright: ignore[reportAttributeAccessIssue]

    def _answered(self, message: str) -> None:
        if message:
            self.notice.emit(message)
        self.refresh()

    def engine_ready(self) -> None:
        """Carry on every render that was under way when the app stopped."""
        self._on_engine(lambda _engine, renderer, _repo: _resumed(renderer.resume()))

    def job_updated(self, job: Job) -> None:
        board_id = board_of_project(job.project)
        if board_id is not None and job.state in FINAL_STATES:
            self._on_engine(lambda _engine, renderer, _repo: _problems(renderer.step(board_id)))

    # -- the person's actions ----------------------------------------------------------------------------------
    def new_board_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, _("New storyboard"), _("Name of the film:"))
        if ok and name.strip():
            self.create_board(name)

    def create_board(self, name: str) -> None:
        def work(_engine, _renderer, repository) -> str:
            if repository.by_name(name.strip()):
                return _("There is already a storyboard called {name}.").format(name=repr(name.strip()))
            repository.save(edits.new_board(name, _now()))
            return _("Made the storyboard {name}.").format(name=repr(name.strip()))

        self._on_engine(work)

    def _shot_request(self):
        requests = self.editor.build_requests()  # pyright: ignore[reportAttributeAccessIssue]
        request = requests[0]
        join = Join(self.join_combo.currentData())
        return replace(request, first_frame=None, first_clip=None) if join.needs_previous else request, join

    def add_shot(self) -> None:
        board_id, region = self.current_board_id(), self._region()
        request, join, notes = *self._shot_request(), self.notes.text()
        if board_id is None:
            return

        def work(engine, renderer, repository) -> str:
            board = repository.get(board_id)
            shot = edits.new_shot(request, join, notes)
            edits.add_shot(board, shot, region, _now())
            if request.first_frame:
                kept = engine.library.copy_input(board.id, Path(request.first_frame), "first_frame")
                shot = replace(shot, request=replace(request, first_frame=str(kept)))
            renderer.save(edits.add_shot(board, shot, region, _now()))
            return _("Added shot {number}: {join}.").format(number=format_number(len(board.shots) + 1), join=join.label)

        self._on_engine(work)

    def save_shot(self) -> None:
        board_id, shot_id, region = self.current_board_id(), self.strip.current_shot(), self._region()
        request, join, notes = *self._shot_request(), self.notes.text()
        self._edit(
            lambda b: edits.update_shot(b, shot_id or "", region, _now(), request=request, join=join, notes=notes),
            board_id,
        )

    def duplicate_shot(self) -> None:
        shot_id, region = self.strip.current_shot(), self._region()
        self._edit(lambda b: edits.duplicate_shot(b, shot_id or "", region, _now()), self.current_board_id())

    def remove_shot(self) -> None:
        shot_id, region = self.strip.current_shot(), self._region()
        self._edit(lambda b: edits.remove_shot(b, shot_id or "", region, _now()), self.current_board_id())

    def move_shot(self, shot_id: str, to: int) -> None:
        region = self._region()
        self._edit(lambda b: edits.move_shot(b, shot_id, to, region, _now()), self.current_board_id())

    def _edit(self, change: Callable, board_id: str | None) -> None:
        if board_id is None:
            return

        def work(_engine, renderer, repository) -> str:
            renderer.save(change(repository.get(board_id)))
            return _("Saved the storyboard.")

        self._on_engine(work)

    def render_all(self) -> None:
        view = self.current_view()
        if view is None:
            return
        answer = QMessageBox.question(
            self, _("Render the film"), _("{estimate}\n\nRender it now?").format(estimate=view.estimate.sentence())
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.confirmed_render(view.board.id)

    def confirmed_render(self, board_id: str) -> None:
        self._on_engine(lambda _e, renderer, _r: _problems(renderer.render_all(board_id)) or _("Rendering the film."))

    def new_take(self) -> None:
        board_id, shot_id = self.current_board_id(), self.strip.current_shot()
        if board_id and shot_id:
            seed = secrets.randbelow(2**31 - 1)
            self._on_engine(lambda _e, renderer, _r: _problems(renderer.new_take(board_id, shot_id, seed=seed)))

    def pick_take(self) -> None:
        board_id, shot_id, job_id = self.current_board_id(), self.strip.current_shot(), self.take_combo.currentData()
        if board_id and shot_id and job_id:
            self._on_engine(lambda _e, renderer, _r: renderer.pick(board_id, shot_id, job_id) and _("Take picked."))

    def from_lineage(self, job_id: str) -> None:
        """ "Make a storyboard from this lineage" in the Library tab."""
        from wan_desktop.core.storyboard.lineage import board_from_lineage

        db = self._db_path()

        def work(_engine, renderer, repository) -> str:
            from wan_desktop.core import history
            from wan_desktop.core.store import open_reader

            with open_reader(db) as reader:
                lineage = history.lineage(reader, job_id)
            name = _("From {job}").format(job=job_id[:8])
            board = board_from_lineage(lineage, name, _now())
            if repository.by_name(name):
                return _("There is already a storyboard called {name}.").format(name=repr(name))
            renderer.save(board)
            n = len(board.shots)
            return _("Made the storyboard {name} of {n} shots; it is in the Storyboard tab.").format(
                name=repr(name), n=format_number(n)
            )

        self._on_engine(work)

    # -- playback and export (background) ----------------------------------------------------------------------
    def play_film(self) -> None:
        view = self.current_view()
        if view is not None and view.videos():
            self.player.play_files(view.videos())

    def play_seam(self) -> None:
        view, shot_id = self.current_view(), self.strip.current_shot()
        if view is None or shot_id is None:
            return
        number = [s.shot_id for s in view.shots].index(shot_id)
        if number == 0 or view.shots[number].video is None or view.shots[number - 1].video is None:
            self.notice.emit(_("A seam needs this shot and the one before it to have videos."))
            return
        before, after = view.shots[number - 1].video, view.shots[number].video
        dest = self._db_path().parent / "scratch" / "storyboard" / "seam.mp4"

        def make() -> Path:
            from wan_desktop.core.storyboard.seams import seam_clip

            return seam_clip(before, after, dest)  # pyright: ignore[reportArgumentType]

        self._calls.run(make, lambda path: self.player.play_files([path]), lambda e: self.notice.emit(str(e)))

    def export_dialog(self) -> None:
        view = self.current_view()
        if view is None:
            return
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Export the film"), f"{view.board.name}.mp4", _("MP4 (*.mp4)")
        )
        if name:
            self.export_to(Path(name), Path(name).with_suffix(".otio"))

    def export_to(self, dest: Path, otio: Path | None) -> None:
        view, db, library = self.current_view(), self._db_path(), self._library()
        if view is None:
            return

        def export() -> str:
            from wan_desktop.core.store import open_reader
            from wan_desktop.core.storyboard.film import export_film
            from wan_desktop.core.storyboard.planner import board_jobs

            with open_reader(db) as reader:
                jobs = board_jobs(view.board, reader.jobs())
            return export_film(view.board, jobs, library, dest, otio=otio).message

        self._calls.run(export, self.notice.emit, lambda error: self.notice.emit(str(error)))

    def shutdown(self) -> None:
        self._calls.shutdown()
        self.player.stop()


def _now() -> datetime:
    return datetime.now(UTC)


def _problems(report) -> str:
    return " ".join(report.problems)


def _resumed(reports) -> str:
    return " ".join(problem for report in reports for problem in report.problems)
