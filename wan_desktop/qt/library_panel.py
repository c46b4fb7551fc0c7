"""The Library tab: search, filters and sort over every job, the gallery, the player, the details, the actions
(remix, continue, favourite, export, trash...) and library health (missing files, relink, import).

It reads the journal through its own connection (SQLite in WAL mode serves several readers beside the
engine's writer) and never touches the disk on the GUI thread: every query, frame extraction, copy and trash
move runs through ``BackgroundCalls``. It writes no job rows: favourites, deletes and imports are asked of the
engine (``library_edits``), and its ``EngineReply`` comes back to ``engine_replied``. Nothing here
contacts the network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QSplitter, QVBoxLayout, QWidget

from wan_desktop.core.history import Lineage
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobReader

from .background import BackgroundCalls
from .details_pane import DetailsPane
from .engine_thread import EngineReply
from .gallery_model import GalleryModel
from .gallery_view import GalleryView
from .library_actions import ActionBar
from .library_edits import HistoryEdits, LibraryWriter
from .library_filters import LibraryFilters
from .library_health import LibraryHealth
from .library_job_actions import JobActions, seconds_shown
from .library_reading import HistoryReading
from .player import Player


class LibraryPanel(QWidget):
    remix_requested = Signal(object)  # GenerationRequest: load into the composer
    continue_requested = Signal(object, str)  # GenerationRequest, parent job id: load it for the next clip
    last_frame_chosen = Signal(str)  # an image path for the composer's last frame
    library_root_changed = Signal(object)  # Path: save as the library folder setting (relink)
    job_deleted = Signal(str)
    notice = Signal(str)  # a sentence for the status bar
    details_shown = Signal(str)  # job id, once the details pane shows it (tests wait on this)
    action_done = Signal(str)  # the name of a finished action (tests wait on this)
    storyboard_requested = Signal(str)  # job id: make a storyboard of its lineage (issue 12)

    def __init__(
        self,
        open_reader: Callable[[], JobReader],
        library_root: Path,
        *,
        writer: LibraryWriter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.library = Library(library_root)
        self._calls = BackgroundCalls(self, max_threads=2)
        self.reading = HistoryReading(self._calls, open_reader, self)
        self.model = GalleryModel(self)
        self.view = GalleryView()
        self.view.setModel(self.model)
        self.details = DetailsPane()
        self.player = Player()
        self.current: Job | None = None
        self.lineage: Lineage | None = None
        self.last_error = ""
        self._closed = False
        position = partial(seconds_shown, self.player.player)
        self.jobs = JobActions(self._calls, lambda: self.library, position, self._failed, self)
        self.edits = HistoryEdits(self._calls, writer, self._failed, self._confirm, lambda: self.library, self)
        self.health = LibraryHealth(self._calls, self.edits.import_jobs, self._failed, self)
        self.filters = LibraryFilters()
        self.actions_bar = ActionBar(self._handlers())
        self.buttons, self.menu_actions = self.actions_bar.buttons, self.actions_bar.menu_actions
        self.search, self.count_label = self.filters.search, self.filters.count_label
        self.model_filter, self.state_filter = self.filters.model_filter, self.filters.state_filter
        self.resolution_filter, self.favourites = self.filters.resolution_filter, self.filters.favourites
        self._build()
        self._connect()
        self._update_actions()

    # -- construction -------------------------------------------------------------------------------------
    def _handlers(self) -> dict[str, Callable[[], None]]:
        def on_current(act: Callable[[Job], None]) -> Callable[[], None]:
            return partial(self._with_current, act)

        jobs = self.jobs
        return {
            "remix": on_current(jobs.remix),
            "continue": on_current(jobs.continue_from_last_frame),
            "continue_clip": on_current(jobs.continue_clip),
            "last_frame": on_current(jobs.use_frame_as_last_frame),
            "favourite": self.toggle_favourite,
            "keep": on_current(partial(self.edits.toggle_kept, mark=True)),
            "reject": on_current(partial(self.edits.toggle_kept, mark=False)),
            "play": self.play_current,
            "reveal": on_current(jobs.reveal),
            "open": on_current(jobs.open_externally),
            "copy": on_current(jobs.copy_prompt),
            "export": self.export_dialog,
            "delete": self.delete_current,
            "relink": lambda: self.health.relink_dialog(self.reading.reader),
            "import": lambda: self.health.import_dialog(self.library),
            "storyboard": on_current(lambda job: self.storyboard_requested.emit(job.id)),
        }

    def _with_current(self, act: Callable[[Job], None]) -> None:
        if self.current is not None:
            act(self.current)

    def _build(self) -> None:
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.player)
        right.addWidget(self.details)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(right, 1)
        side_layout.addWidget(self.actions_bar)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.view)
        body.addWidget(side)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filters)
        layout.addWidget(body, 1)

    def _connect(self) -> None:
        self.filters.changed.connect(self.refresh)
        self.model.loaded.connect(self._loaded)
        self.model.load_failed.connect(self.notice)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            signal.connect(lambda *_: self.filters.show_count(self.model.rowCount()))
        self.view.selectionModel().currentChanged.connect(lambda index, _old: self._selected(index))
        self.view.activated.connect(lambda _index: self.play_current())
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.details.open_job.connect(self.select_job)
        self.details.play_sequence.connect(self.play_sequence)
        self.player.problem.connect(self.notice)
        self.reading.notice.connect(self.notice)
        self.reading.choices.connect(self.filters.add_choices)
        for part in (self.jobs, self.health):
            part.notice.connect(self.notice)
            part.action_done.connect(self.action_done)
        self.jobs.remix_requested.connect(self.remix_requested)
        self.jobs.continue_requested.connect(self.continue_requested)
        self.jobs.last_frame_chosen.connect(self.last_frame_chosen)
        self.health.moved.connect(self.library_root_changed)  # saved as the setting, then shown
        self.health.moved.connect(self.set_library_root)
        self.health.changed.connect(self.refresh)
        self.edits.favourite_saved.connect(self._favourite_saved)
        self.edits.deleted.connect(self._deleted)
        self.edits.imported.connect(self.health.replied)
        self.jobs.playlist_ready.connect(self._play_list)

    # -- the query ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Run the current search and filters again (off the GUI thread)."""
        if not self._closed:
            self.reading.load(self.model, self.library, self.filters.query())

    def _loaded(self, count: int) -> None:
        self.filters.show_count(count)
        self.view.empty_text = (
            _("No videos yet. Videos you make in Create appear here, and stay here offline.")
            if self.model.query.is_default
            else _("Nothing matches this search and these filters.")
        )
        self.reading.read_choices()
        row = self.model.row_of(self.current.id) if self.current is not None else None
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row, 0))

    # -- fed by the engine ----------------------------------------------------------------------------------
    def job_updated(self, job: Job) -> None:
        """A job changed in the engine: its tile changes in place (a running job turns into its video)."""
        self.model.upsert_job(job, self.library)
        if not self.model.query.is_default:
            self.filters.search_timer.start()  # a filtered view asks SQLite whether the job belongs now
        if self.current is not None and self.current.id == job.id:
            self.current = job
            self.details.show_job(job, self.lineage)
            self._update_actions()

    def engine_replied(self, reply: EngineReply) -> None:
        """The engine's answer to a favourite, a delete or an import asked from here."""
        if not self._closed:
            self.edits.replied(reply)

    def set_library_root(self, root: Path) -> None:
        self.library = Library(root)
        self.refresh()

    # -- selection --------------------------------------------------------------------------------------------
    def select_job(self, job_id: str) -> None:
        row = self.model.row_of(job_id)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row, 0))
        else:
            self._load_details(job_id)

    def _selected(self, index: QModelIndex) -> None:
        item = self.model.item_at(index)
        if item is None:
            self.current = None
            self.details.clear()
            self._update_actions()
            return
        self._load_details(item.job_id)

    def _load_details(self, job_id: str) -> None:
        self.reading.details(job_id, self._details_loaded)

    def _details_loaded(self, result: tuple[Job | None, Lineage]) -> None:
        job, lineage = result
        if job is None:
            self.notice.emit(_("That job is no longer in the history."))
            return
        self.current, self.lineage = job, lineage
        self.details.show_job(job, lineage)
        self._update_actions()
        item = self.model.item(job.id)
        if item is not None and item.has_video and item.video is not None:
            self.player.play_files([Path(item.video)], autoplay=False)
        self.details_shown.emit(job.id)

    def _update_actions(self) -> None:
        item = self.model.item(self.current.id) if self.current is not None else None
        self.actions_bar.update_for(self.current, item is not None and item.has_video)

    def _context_menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        if index.isValid():
            self.view.setCurrentIndex(index)
        self.actions_bar.context_menu(self, self.view.viewport().mapToGlobal(point))

    # -- changes to the history (the engine makes them) ---------------------------------------------------------
    def toggle_favourite(self) -> None:
        if self.current is not None:
            self.edits.toggle_favourite(self.current)

    def _favourite_saved(self, job: Job) -> None:
        if self.current is not None and self.current.id == job.id:
            self.current = job
            self.details.show_job(job, self.lineage)
        item = self.model.item(job.id)
        if item is not None:
            self.model.replace_item(replace(item, favourite=job.favourite))
        self._update_actions()
        self.action_done.emit("favourite")

    def confirm_delete(self, job: Job) -> bool:
        question = _("Move this video, its notes and thumbnail to the system trash and remove it from the history?")
        answer = QMessageBox.question(self, _("Move to the trash?"), f"{question}\n\n{job.request.prompt[:200]}")
        return answer == QMessageBox.StandardButton.Yes

    def _confirm(self, job: Job) -> bool:
        return self.confirm_delete(job)  # looked up when asked: tests answer for the person

    def delete_current(self) -> None:
        if self.current is not None:
            self.edits.delete(self.current)

    def _deleted(self, job_id: str) -> None:
        self.model.remove_job(job_id)
        if self.current is not None and self.current.id == job_id:
            self.current = None
            self.player.stop()
            self.details.clear()
        self._update_actions()
        self.job_deleted.emit(job_id)
        self.notice.emit(_("Moved to the trash."))
        self.action_done.emit("delete")

    # -- actions on the files -------------------------------------------------------------------------------------
    def play_current(self) -> None:
        item = self.model.item(self.current.id) if self.current is not None else None
        if item is not None and item.has_video and item.video is not None:
            self.player.play_files([Path(item.video)])

    def play_sequence(self) -> None:
        if self.lineage is not None:
            self.jobs.play_sequence(self.lineage)

    def _play_list(self, paths: list[Path]) -> None:
        if not paths:
            self.notice.emit(_("None of the clips in this sequence are on disk."))
            return
        self.player.play_files(paths)
        self.action_done.emit("sequence")

    def export_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Export a copy to which folder?"))
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path) -> None:
        if self.current is not None:
            self.jobs.export_to(self.current, folder)

    def relink(self, folder: Path) -> None:
        self.health.relink(self.reading.reader, folder)

    def import_from(self, folder: Path) -> None:
        self.health.import_from(self.library, folder)

    # -- errors and teardown --------------------------------------------------------------------------------------
    def _failed(self, action: str) -> Callable[[Exception], None]:
        def report(error: Exception) -> None:
            self.last_error = getattr(error, "explanation", None) or str(error) or type(error).__name__
            self.notice.emit(self.last_error)
            self.action_done.emit(f"{action} failed")

        return report

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.filters.shutdown()
        self.player.shutdown()
        self.view.shutdown()
        self.model.shutdown()
        self.reading.close()
        self._calls.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
