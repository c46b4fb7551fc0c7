"""The Library tab: search, filters and sort over every job, the gallery, the player, the details, the actions
(remix, continue, favourite, export, trash...) and library health (missing files, relink, import).

It reads the journal through its own connection (SQLite in WAL mode serves several readers beside the
engine's writer) and never touches the disk on the GUI thread: every query, frame extraction, copy and trash
move runs through ``BackgroundCalls``. Nothing here contacts the network.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time as dtime, timedelta
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QDate, QFile, QModelIndex, QPoint, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core import history, media
from wan_desktop.core.dashscope.catalog import find_model
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.history import GalleryItem, GalleryQuery, Lineage, SortOrder
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore

from .background import BackgroundCalls
from .details_pane import DetailsPane
from .gallery_model import GalleryModel
from .gallery_view import GalleryView
from .player import Player

CLIP_MODEL = "wan2.7-i2v"  # the model that continues a clip itself (first_clip)
SEARCH_DELAY_MS = 200
IN_PROGRESS = frozenset(state for state in JobState if not state.is_final)

_STATE_CHOICES: list[tuple[str, frozenset[JobState]]] = [
    ("Every state", frozenset()),
    ("Done", frozenset({JobState.DONE})),
    ("In progress", IN_PROGRESS),
    ("Failed", frozenset({JobState.FAILED})),
    ("Canceled or expired", frozenset({JobState.CANCELED, JobState.EXPIRED})),
]

FavouriteSaver = Callable[[str, bool], Job]  # runs on a pool thread: save and return the job


class NoTrashError(OSError):
    """This system has no trash to move files to; nothing was deleted."""


def move_to_trash(paths: list[Path]) -> None:
    """Move every path to the system trash, or raise NoTrashError before deleting anything (pool thread)."""
    for number, path in enumerate(paths):
        if not QFile.moveToTrash(str(path)):
            done = f" ({number} of {len(paths)} files were already moved there)" if number else ""
            raise NoTrashError(
                f"'{path.name}' could not be moved to the trash: this system may have no trash, or the file is "
                f"not writable. Nothing else was deleted{done}; delete it yourself if you want it gone."
            )


class LibraryPanel(QWidget):
    remix_requested = Signal(object)  # GenerationRequest: load into the composer
    continue_requested = Signal(object, str)  # GenerationRequest, parent job id: load it for the next clip
    last_frame_chosen = Signal(str)  # an image path for the composer's last frame
    library_root_changed = Signal(object)  # Path: save as the library folder setting (relink)
    job_deleted = Signal(str)
    notice = Signal(str)  # a sentence for the status bar
    details_shown = Signal(str)  # job id, once the details pane shows it (tests wait on this)
    action_done = Signal(str)  # the name of a finished action (tests wait on this)

    def __init__(self, open_store: Callable[[], JobStore], library_root: Path, *,
                 set_favourite: FavouriteSaver | None = None, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self._open_store = open_store
        self.library = Library(library_root)
        self.store: JobStore | None = None
        self._set_favourite = set_favourite
        self._calls = BackgroundCalls(self, max_threads=2)
        self.model = GalleryModel(self)
        self.view = GalleryView()
        self.view.setModel(self.model)
        self.details = DetailsPane()
        self.player = Player()
        self.current: Job | None = None
        self.lineage: Lineage | None = None
        self._closed = False
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self._build()
        self._connect()
        self._update_actions()

    # -- construction -------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search prompts, negative prompts and rewritten prompts")
        self.search.setAccessibleName("Search the library")
        self.search.setClearButtonEnabled(True)
        self.model_filter = self._combo("Model filter", [("Every model", None)])
        self.state_filter = self._combo("State filter", [(text, states) for text, states in _STATE_CHOICES])
        self.resolution_filter = self._combo("Resolution filter", [("Every resolution", None)])
        self.favourites = QCheckBox("Favourites")
        self.dates = QCheckBox("Dates")
        self.since = QDateEdit(QDate.currentDate().addMonths(-1))
        self.until = QDateEdit(QDate.currentDate())
        for edit, name in ((self.since, "From date"), (self.until, "To date")):
            edit.setCalendarPopup(True)
            edit.setAccessibleName(name)
            edit.setEnabled(False)
        self.sort = self._combo("Sort order", [(order.label, order) for order in SortOrder])
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Number of videos shown")
        filters = QHBoxLayout()
        filters.addWidget(self.search, 3)
        for widget in (self.model_filter, self.state_filter, self.resolution_filter, self.favourites, self.dates,
                       self.since, self.until, self.sort, self.count_label):  # fmt: skip
            filters.addWidget(widget)
        self.buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        for key, text in (("remix", "Remix"), ("continue", "Continue from last frame"),
                          ("continue_clip", "Continue the clip (wan2.7)"), ("last_frame", "Use frame as last frame"),
                          ("favourite", "Favourite"), ("more", "More…")):  # fmt: skip
            button = QPushButton(text)
            button.setAccessibleName(text)
            actions.addWidget(button)
            self.buttons[key] = button
        self.more_menu = QMenu(self)
        self.menu_actions = {
            "play": self.more_menu.addAction("Play", self.play_current),
            "reveal": self.more_menu.addAction("Reveal in the file manager", self.reveal),
            "open": self.more_menu.addAction("Open in the system player", self.open_externally),
            "copy": self.more_menu.addAction("Copy prompt", self.copy_prompt),
            "export": self.more_menu.addAction("Export a copy with its notes…", self.export_dialog),
            "delete": self.more_menu.addAction("Move to the trash…", self.delete_current),
        }
        self.more_menu.addSeparator()
        self.more_menu.addAction("Relink a moved library…", self.relink_dialog)
        self.more_menu.addAction("Import a folder of Wan Desktop videos…", self.import_dialog)
        self.buttons["more"].setMenu(self.more_menu)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.player)
        right.addWidget(self.details)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(right, 1)
        side_layout.addLayout(actions)
        body = QSplitter(Qt.Orientation.Horizontal)
        body.addWidget(self.view)
        body.addWidget(side)
        body.setStretchFactor(0, 3)
        body.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(body, 1)

    @staticmethod
    def _combo(name: str, items: list[tuple[str, object]]) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for text, data in items:
            combo.addItem(text, data)
        return combo

    def _connect(self) -> None:
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        for combo in (self.model_filter, self.state_filter, self.resolution_filter, self.sort):
            combo.currentIndexChanged.connect(lambda _index: self.refresh())
        for box in (self.favourites, self.dates):
            box.toggled.connect(lambda _on: self.refresh())
        self.dates.toggled.connect(self.since.setEnabled)
        self.dates.toggled.connect(self.until.setEnabled)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(lambda _date: self.dates.isChecked() and self.refresh())
        self.model.loaded.connect(self._loaded)
        self.model.load_failed.connect(self.notice)
        self.view.selectionModel().currentChanged.connect(lambda index, _old: self._selected(index))
        self.view.activated.connect(lambda _index: self.play_current())
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.details.open_job.connect(self.select_job)
        self.details.play_sequence.connect(self.play_sequence)
        self.player.problem.connect(self.notice)
        self.buttons["remix"].clicked.connect(self.remix)
        self.buttons["continue"].clicked.connect(self.continue_from_last_frame)
        self.buttons["continue_clip"].clicked.connect(self.continue_clip)
        self.buttons["last_frame"].clicked.connect(self.use_frame_as_last_frame)
        self.buttons["favourite"].clicked.connect(self.toggle_favourite)

    # -- the query ------------------------------------------------------------------------------------------
    def current_query(self) -> GalleryQuery:
        model, resolution = self.model_filter.currentData(), self.resolution_filter.currentData()
        since = until = None
        if self.dates.isChecked():
            since = datetime.combine(self.since.date().toPython(), dtime.min).astimezone()
            until = datetime.combine(self.until.date().toPython(), dtime.min).astimezone() + timedelta(days=1)
        return GalleryQuery(
            text=self.search.text().strip(),
            models=frozenset({model}) if model else frozenset(),
            states=self.state_filter.currentData() or frozenset(),
            resolutions=frozenset({resolution}) if resolution else frozenset(),
            since=since, until=until,
            favourites_only=self.favourites.isChecked(),
            sort=self.sort.currentData() or SortOrder.NEWEST,
        )  # fmt: skip

    def refresh(self) -> None:
        """Run the current search and filters again (off the GUI thread)."""
        if self._closed:
            return
        if self.store is None:
            self._calls.run(self._open_store, self._store_opened, self._store_failed)
            return
        self.model.load(self.store, self.library, self.current_query())

    def _store_opened(self, store: JobStore) -> None:
        self.store = store
        self.refresh()

    def _store_failed(self, error: Exception) -> None:
        self.notice.emit(getattr(error, "explanation", None) or f"The history could not be opened: {error}")

    def _loaded(self, count: int) -> None:
        self.count_label.setText(f"{count} video(s)" if count != 1 else "1 video")
        self.view.empty_text = (
            "No videos yet. Videos you make in Create appear here, and stay here offline."
            if self.model.query.is_default
            else "Nothing matches this search and these filters."
        )
        store = self.store
        if store is not None:
            self._calls.run(lambda: history.filter_choices(store), self._fill_choices, lambda _error: None)
        if self.current is not None and self.model.row_of(self.current.id) is not None:
            self.view.setCurrentIndex(self.model.index(self.model.row_of(self.current.id), 0))

    def _fill_choices(self, choices: tuple[list[str], list[str]]) -> None:
        models, resolutions = choices
        for combo, values in ((self.model_filter, models), (self.resolution_filter, resolutions)):
            present = {combo.itemData(number) for number in range(combo.count())}
            combo.blockSignals(True)
            for value in values:
                if value not in present:
                    combo.addItem(value, value)
            combo.blockSignals(False)

    # -- fed by the engine ----------------------------------------------------------------------------------
    def reset_jobs(self, _jobs: list[Job] | None = None) -> None:
        self.refresh()

    def job_updated(self, job: Job) -> None:
        """A job changed in the engine: its tile changes in place (a running job turns into its video)."""
        self.model.upsert_job(job, self.library)
        if not self.model.query.is_default:
            self._search_timer.start()  # a filtered view asks SQLite whether the job belongs now
        if self.current is not None and self.current.id == job.id:
            self.current = job
            self.details.show_job(job, self.lineage)
            self._update_actions()

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

    def current_item(self) -> GalleryItem | None:
        return self.model.item_at(self.view.currentIndex())

    def _selected(self, index: QModelIndex) -> None:
        item = self.model.item_at(index)
        if item is None:
            self.current = None
            self.details.clear()
            self._update_actions()
            return
        self._load_details(item.job_id)

    def _load_details(self, job_id: str) -> None:
        store = self.store
        if store is None:
            return

        def read() -> tuple[Job | None, Lineage]:
            return store.get(job_id), history.lineage(store, job_id)

        self._calls.run(read, self._details_loaded, lambda error: self.notice.emit(str(error)))

    def _details_loaded(self, result: tuple[Job | None, Lineage]) -> None:
        job, lineage = result
        if job is None:
            self.notice.emit("That job is no longer in the history.")
            return
        self.current, self.lineage = job, lineage
        self.details.show_job(job, lineage)
        self._update_actions()
        item = self.model.item(job.id)
        if item is not None and item.has_video:
            self.player.play_files([Path(item.video)], autoplay=False)
        self.details_shown.emit(job.id)

    def _update_actions(self) -> None:
        item = self.model.item(self.current.id) if self.current is not None else None
        job = self.current
        has_video = item is not None and item.has_video
        self.buttons["remix"].setEnabled(job is not None)
        self.buttons["continue"].setEnabled(has_video)
        self.buttons["continue_clip"].setEnabled(has_video)
        self.buttons["last_frame"].setEnabled(has_video)
        self.buttons["favourite"].setEnabled(job is not None)
        self.buttons["favourite"].setText("Unfavourite" if job is not None and job.favourite else "Favourite")
        for key in ("play", "reveal", "open", "export"):
            self.menu_actions[key].setEnabled(has_video)
        self.menu_actions["copy"].setEnabled(job is not None)
        self.menu_actions["delete"].setEnabled(job is not None and job.state.is_final)

    def _context_menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        if index.isValid():
            self.view.setCurrentIndex(index)
        menu = QMenu(self)
        for key in ("remix", "continue", "continue_clip", "last_frame", "favourite"):
            button = self.buttons[key]
            menu.addAction(button.text(), button.click).setEnabled(button.isEnabled())
        menu.addSeparator()
        for action in self.more_menu.actions():
            menu.addAction(action)
        menu.popup(self.view.viewport().mapToGlobal(point))

    # -- actions ------------------------------------------------------------------------------------------------
    def remix(self) -> None:
        if self.current is not None:
            self.remix_requested.emit(self.current.request)
            self.notice.emit("Loaded the settings and inputs into Create.")

    def continue_from_last_frame(self) -> None:
        """The last frame becomes the first frame of a new job made from the same settings."""
        job = self.current
        if job is None:
            return
        video = self.library.video_path(job)
        dest = self.library.inputs_dir / f"last-frame-{job.id}.png"

        def done(frame: Path) -> None:
            request = replace(job.request, first_frame=str(frame), last_frame=None, first_clip=None, seed=None)
            self.continue_requested.emit(request, job.id)
            self.notice.emit("The last frame is ready in Create as the next clip's first frame.")
            self.action_done.emit("continue")

        self._calls.run(lambda: media.extract_frame(video, dest), done, self._failed("continue"))

    def continue_clip(self) -> None:
        """wan2.7 continues the clip itself (first_clip), not only its last picture."""
        job = self.current
        if job is None:
            return
        spec = find_model(CLIP_MODEL)
        request = GenerationRequest(model=CLIP_MODEL, prompt=job.request.prompt,
                                    negative_prompt=job.request.negative_prompt,
                                    first_clip=str(self.library.video_path(job)),
                                    resolution=job.request.resolution if spec and job.request.resolution
                                    in spec.resolutions else None)  # fmt: skip
        self.continue_requested.emit(request, job.id)
        self.notice.emit("The clip is ready in Create for a wan2.7 continuation.")
        self.action_done.emit("continue_clip")

    def use_frame_as_last_frame(self) -> None:
        job = self.current
        if job is None:
            return
        video = self.library.video_path(job)
        position = self.player.player.position() / 1000 if self.player.player.duration() > 0 else None
        stamp = f"{int(position * 1000)}ms" if position is not None else "end"
        dest = self.library.inputs_dir / f"frame-{job.id}-{stamp}.png"

        def done(frame: Path) -> None:
            self.last_frame_chosen.emit(str(frame))
            self.notice.emit("The frame is now the last frame in Create.")
            self.action_done.emit("last_frame")

        self._calls.run(lambda: media.extract_frame(video, dest, at_seconds=position), done,
                        self._failed("last_frame"))  # fmt: skip

    def toggle_favourite(self) -> None:
        job, store = self.current, self.store
        if job is None or store is None:
            return
        wanted = not job.favourite
        saver = self._set_favourite or (lambda job_id, value: history.set_favourite(store, job_id, value))

        def done(saved: Job) -> None:
            if self.current is not None and self.current.id == saved.id:
                self.current = saved
                self.details.show_job(saved, self.lineage)
            item = self.model.item(saved.id)
            if item is not None:
                self.model.replace_item(replace(item, favourite=saved.favourite))
            self._update_actions()
            self.action_done.emit("favourite")

        self._calls.run(lambda: saver(job.id, wanted), done, self._failed("favourite"))

    def play_current(self) -> None:
        item = self.model.item(self.current.id) if self.current is not None else None
        if item is not None and item.has_video:
            self.player.play_files([Path(item.video)])

    def play_sequence(self) -> None:
        lineage = self.lineage
        if lineage is None:
            return
        library = self.library
        self._calls.run(lambda: history.sequence_videos(lineage, library), self._play_list,
                        self._failed("sequence"))  # fmt: skip

    def _play_list(self, paths: list[Path]) -> None:
        if not paths:
            self.notice.emit("None of the clips in this sequence are on disk.")
            return
        self.player.play_files(paths)
        self.action_done.emit("sequence")

    def reveal(self) -> None:
        if self.current is not None:
            self._open_url(self.library.video_path(self.current).parent)

    def open_externally(self) -> None:
        if self.current is not None:
            self._open_url(self.library.video_path(self.current))

    def _open_url(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.notice.emit(f"No program could open {path}.")

    def copy_prompt(self) -> None:
        if self.current is not None:
            QGuiApplication.clipboard().setText(self.current.actual_prompt or self.current.request.prompt)
            self.notice.emit("Prompt copied.")

    def export_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export a copy to which folder?")
        if folder:
            self.export_to(Path(folder))

    def export_to(self, folder: Path) -> None:
        job, library = self.current, self.library
        if job is None:
            return

        def done(paths: list[Path]) -> None:
            self.notice.emit(f"Exported {paths[0].name} with its notes to {folder}.")
            self.action_done.emit("export")

        self._calls.run(lambda: history.export_copy(job, library, folder), done, self._failed("export"))

    def confirm_delete(self, job: Job) -> bool:
        answer = QMessageBox.question(
            self, "Move to the trash?",
            f"Move this video, its notes and thumbnail to the system trash and remove it from the history?\n\n"
            f"{job.request.prompt[:200]}",
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def delete_current(self) -> None:
        job, store, library = self.current, self.store, self.library
        if job is None or store is None:
            return
        if not job.state.is_final:
            self.notice.emit("A job still in progress cannot be deleted; cancel it first.")
            return
        if not self.confirm_delete(job):
            return

        def trash() -> None:
            move_to_trash(history.job_files(job, library))
            history.forget_job(store, job.id)

        def done(_none) -> None:
            self.model.remove_job(job.id)
            self.current = None
            self.player.stop()
            self.details.clear()
            self._update_actions()
            self.job_deleted.emit(job.id)
            self.notice.emit("Moved to the trash.")
            self.action_done.emit("delete")

        self._calls.run(trash, done, self._failed("delete"))

    # -- library health -------------------------------------------------------------------------------------------
    def relink_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Where is the library folder now?")
        if folder:
            self.relink(Path(folder))

    def relink(self, folder: Path) -> None:
        """Point at the folder the library moved to: only the library setting changes; files are re-checked."""
        store = self.store
        if store is None:
            return

        def done(report: history.RelinkReport) -> None:
            if report.found == 0 and report.missing:
                self.notice.emit(report.message + " The library was not changed.")
                self.action_done.emit("relink")
                return
            self.library = Library(report.root)
            self.library_root_changed.emit(report.root)
            self.notice.emit(report.message)
            self.refresh()
            self.action_done.emit("relink")

        self._calls.run(lambda: history.relink_check(store, folder), done, self._failed("relink"))

    def import_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import which folder of Wan Desktop videos?")
        if folder:
            self.import_from(Path(folder))

    def import_from(self, folder: Path) -> None:
        store, library = self.store, self.library
        if store is None:
            return
        self.last_import: history.ImportReport | None = None

        def done(report: history.ImportReport) -> None:
            self.last_import = report
            self.notice.emit(report.message)
            if report.problems:
                QMessageBox.information(self, "Import finished with problems", report.message)
            self.refresh()
            self.action_done.emit("import")

        self._calls.run(lambda: history.import_folder(store, library, folder), done, self._failed("import"))

    # -- errors and teardown --------------------------------------------------------------------------------------
    def _failed(self, action: str) -> Callable[[Exception], None]:
        def report(error: Exception) -> None:
            text = getattr(error, "explanation", None) or str(error) or type(error).__name__
            self.last_error = text
            self.notice.emit(text)
            self.action_done.emit(f"{action} failed")

        return report

    def wait(self) -> None:
        """Block until background work ends (tests and benchmarks only)."""
        self._calls.wait()
        self.model.wait()

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._search_timer.stop()
        self.player.shutdown()
        self.view.shutdown()
        self.model.shutdown()
        store, self.store = self.store, None
        if store is not None:
            self._calls.run(store.close, lambda _none: None)  # closing touches the disk: not on the GUI thread
            self._calls.wait()
        self._calls.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
