"""The main window: composer on the left, the job queue on the right, the engine on its own thread."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QSystemTrayIcon,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core.events import EngineMode, UncertainDecision
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import Job, JobState, utc_now
from wan_desktop.core.settings import Settings
from wan_desktop.demo import demo_home

from . import storyboard_tab, theme
from .background import BackgroundCalls
from .batch_dialog import open_batch_dialog
from .composer import Composer
from .engine_thread import EngineThread
from .queue_model import JobQueueModel
from .queue_panel import QueuePanel
from .spend_panel import spend_tab
from .video_drops import VideoDrops
from .window_context import WindowContext, app_icon, demo_banner, session_opener, watch_first_paint


def notification(job: Job) -> tuple[str, str]:
    """The tray's title and message for a job that finished: its error in words, or the start of its prompt."""
    title = _("Video ready") if job.state is JobState.DONE else _("Video failed")
    return title, job.error_message or (job.request.prompt[:80] or _("Your video"))


class MainWindow(QMainWindow):
    engine_ready = Signal()
    engine_failed = Signal(str)  # the engine could not start, in words
    job_finished = Signal(object)  # a Job that reached done or failed

    def __init__(self, context: WindowContext, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.settings = settings
        self.engine: EngineThread | None = None
        self._quitting = False
        self._shut_down_done = False
        self._engine_started_once = False
        self._typical: dict[tuple[str, str], float] = {}
        self._notified: set[str] = set()
        self.problem_box: QMessageBox | None = None
        self._continuation: tuple[str, str | None] | None = None  # (parent job id, its frame or clip)
        self.setWindowTitle(_("Wan Desktop — Demo") if context.demo else "Wan Desktop")
        self.setWindowIcon(app_icon())
        self._calls = BackgroundCalls(self)
        self.queue_model = JobQueueModel(self._eta, library_root=self.library_root, parent=self)
        data_home = demo_home(context.home) if context.demo else context.home  # where the engine's database is
        self.composer = Composer(self._region, context.home / "scratch", home=data_home)
        self.queue_panel = QueuePanel(self.queue_model)
        self._build()
        self._build_menus()
        self._build_tray()
        self.composer.generate_requested.connect(self._generate)
        self.video_drops = VideoDrops(self)  # a video of ours dropped: its settings (composer), imported (library)
        self._connect_queue_panel()
        # After the first paint: the engine thread's imports and the demo simulator must not delay it. A window
        # that is never painted (hidden at start) still gets its engine a moment later.
        self._first_paint = watch_first_paint(self, self._start_engine_once)
        QTimer.singleShot(1500, self._start_engine_once)

    # -- construction -----------------------------------------------------------------------------
    def _build(self) -> None:
        central = QWidget()
        layout = QVBoxLayout(central)
        self.banner = QLabel(demo_banner())
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(_("Demo mode notice"))
        # fixed colours: readable on light and dark schemes alike
        self.banner.setStyleSheet("padding: 6px; background: #fff4ce; color: #3d2e00; border-radius: 4px;")
        self.banner.setVisible(self.context.demo)
        layout.addWidget(self.banner)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.composer)
        splitter.addWidget(self.queue_panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(self._with_library_tab(splitter), 1)  # Library tab (issue 5)
        self.setCentralWidget(central)
        self.mode_label = QLabel()
        self.mode_label.setAccessibleName(_("Queue state"))
        self.statusBar().addPermanentWidget(self.mode_label)
        if self.context.demo:
            demo_label = QLabel(_("DEMO"))
            demo_label.setAccessibleName(_("Demo mode"))
            demo_label.setStyleSheet(f"font-weight: bold; color: {theme.css_colour('warning')};")
            self.statusBar().addPermanentWidget(demo_label)
        self.resize(1280, 800)

    # -- Library tab (issue 5) -------------------------------------------------------------------------------
    def _with_library_tab(self, create: QWidget) -> QWidget:
        """Tabs "Create" (composer and queue) and "Library" (every video, offline). The library is built the
        first time its tab is shown: its modules (PyAV, QtMultimedia, SQLite) would otherwise delay the
        first paint by ~0.2 s."""
        self.library_panel = None
        self._library_host = QWidget()
        self._library_layout = host_layout = QVBoxLayout(self._library_host)
        host_layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        self.tabs.addTab(create, _("&Create"))
        self.tabs.addTab(self._library_host, _("&Library"))
        self.tabs.currentChanged.connect(lambda index: index == 1 and self.ensure_library_panel())
        self.spend_panel = spend_tab(self)  # Spend tab (issue 14)
        storyboard_tab.install(self)  # issue 12
        return self.tabs

    def ensure_library_panel(self):
        """The Library panel, built and wired on first use."""
        if self.library_panel is not None:
            return self.library_panel
        from wan_desktop.core.store import open_reader

        from .library_edits import writer_for
        from .library_panel import LibraryPanel

        db_path = (demo_home(self.context.home) if self.context.demo else self.context.home) / "jobs.sqlite3"
        # The history's changes are the engine's to make (the only writer of job rows), whichever runs now.
        writer = writer_for(lambda: self.engine, lambda text: self.statusBar().showMessage(text, 10000))
        self.library_panel = panel = LibraryPanel(lambda: open_reader(db_path), self.library_root(), writer=writer)
        self._library_layout.addWidget(panel)
        panel.remix_requested.connect(self._remix_in_composer)
        panel.continue_requested.connect(self._continue_in_composer)
        panel.last_frame_chosen.connect(self._last_frame_in_composer)
        panel.job_deleted.connect(self.queue_model.remove)
        panel.library_root_changed.connect(lambda root: self.apply_settings(replace(self.settings, library_dir=root)))
        panel.notice.connect(lambda text: self.statusBar().showMessage(text, 10000))
        panel.storyboard_requested.connect(lambda job_id: storyboard_tab.make_from_lineage(self, job_id))
        panel.refresh()
        return panel

    def _remix_in_composer(self, request) -> None:
        self.composer.load_request(request)
        self.tabs.setCurrentIndex(0)

    def _last_frame_in_composer(self, path: str) -> None:
        self.composer.last_zone.set_references([path])
        self.tabs.setCurrentIndex(0)

    def _library_replied(self, reply) -> None:
        if self.library_panel is not None:
            self.library_panel.engine_replied(reply)

    def _continue_in_composer(self, request, parent_id: str) -> None:
        """The next clip goes to Create for its prompt and options (it costs money, so one click must not
        queue it); what Generate sends from that frame or clip is linked to its parent."""
        self.composer.load_request(request)
        self._continuation = (parent_id, request.first_frame or request.first_clip)
        self.tabs.setCurrentIndex(0)
        next_clip = _("The next clip is ready in Create: describe what happens next, then Generate.")
        self.statusBar().showMessage(next_clip, 15000)

    def _parent_for(self, requests: list) -> str | None:
        if self._continuation is None:
            return None
        parent_id, reference = self._continuation
        continues = any(reference in (request.first_frame, request.first_clip) for request in requests)
        return parent_id if continues else None

    def _library_job_updated(self, job: Job) -> None:
        if self.library_panel is not None:
            self.library_panel.job_updated(job)

    def _library_engine_ready(self) -> None:
        if self.library_panel is not None:
            self.library_panel.set_library_root(self.library_root())

    # -- end of Library tab ---------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(_("&File"))
        settings_action = QAction(_("&Settings…"), self)
        settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        settings_action.triggered.connect(self.open_settings)
        file_menu.addAction(settings_action)
        library_action = QAction(_("Open the &library folder"), self)
        library_action.triggered.connect(lambda: self._open_path(self.library_root()))
        file_menu.addAction(library_action)
        batch_action = QAction(_("&Batch from a folder or spreadsheet…"), self)
        batch_action.triggered.connect(lambda: open_batch_dialog(self))
        file_menu.addAction(batch_action)
        file_menu.addSeparator()
        quit_action = QAction(_("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.quit)
        file_menu.addAction(quit_action)
        help_menu = self.menuBar().addMenu(_("&Help"))
        about = QAction(_("&About Wan Desktop"), self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _build_tray(self) -> None:
        self.tray: QSystemTrayIcon | None = None
        if not QSystemTrayIcon.isSystemTrayAvailable():
            return
        self.tray = QSystemTrayIcon(self.windowIcon(), self)
        self.tray.setToolTip(self.windowTitle())
        self.tray.activated.connect(lambda _reason: self._show_again())
        self.tray.messageClicked.connect(self._show_again)
        self.tray.show()

    def _connect_queue_panel(self) -> None:
        panel = self.queue_panel
        panel.cancel_requested.connect(lambda job_id: self.engine and self.engine.cancel(job_id))
        panel.retry_requested.connect(lambda job_id: self.engine and self.engine.retry(job_id))
        panel.remove_requested.connect(lambda job_id: self.engine and self.engine.remove(job_id))
        panel.uncertain_decision.connect(
            lambda job_id, decision: self.engine and self.engine.decide(job_id, UncertainDecision(decision))
        )
        panel.pause_toggled.connect(lambda paused: self.engine and self.engine.set_paused(paused))
        panel.open_video_requested.connect(self._open_video)
        panel.show_folder_requested.connect(self._show_folder)

    # -- the engine -------------------------------------------------------------------------------
    def _start_engine_once(self) -> None:
        if self.engine is None and not self._engine_started_once:
            self._engine_started_once = True
            self.start_engine()

    def start_engine(self) -> None:
        if self._shut_down_done:
            return
        engine = EngineThread(session_opener(self.context, self.settings), self)
        engine.ready.connect(self._engine_ready)
        engine.start_failed.connect(self._engine_failed)
        engine.job_updated.connect(self._job_updated)
        engine.job_removed.connect(self.queue_model.remove)
        engine.download_progress.connect(self._download_progress)
        engine.notice.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.spend_panel.watch(engine)  # Spend tab (issue 14): cap notices, budgets for the batch check
        engine.reply.connect(lambda text: self.statusBar().showMessage(text, 8000))
        engine.mode_changed.connect(self._mode_changed)
        engine.typical_durations.connect(self._typical.update)
        # Library tab (issue 5): refreshed when the engine (re)starts, tiles follow every job change
        engine.ready.connect(lambda _jobs: self._library_engine_ready())
        engine.job_updated.connect(self._library_job_updated)
        engine.replied.connect(self._library_replied)
        self.engine = engine
        engine.start()

    def stop_engine(self) -> None:
        if self.engine is None:
            return
        engine, self.engine = self.engine, None
        engine.stop()
        engine.wait()  # the loop answers within one turn; downloads stop at a resumable point
        engine.deleteLater()

    def _engine_ready(self, jobs: list[Job]) -> None:
        self.queue_model.reset_jobs(jobs)
        self._notified.update(job.id for job in jobs if job.state.is_final)
        self.mode_label.setText(_("Demo queue running") if self.context.demo else _("Queue running"))
        self.engine_ready.emit()

    def _engine_failed(self, message: str) -> None:
        self.mode_label.setText(_("Queue stopped"))
        self.engine_failed.emit(message)
        self.show_problem(_("The job queue could not start"), message)

    def show_problem(self, title: str, text: str) -> QMessageBox:
        """A window-modal message that does not block the event loop (the engine keeps reporting)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()
        self.problem_box = box
        return box

    def _job_updated(self, job: Job) -> None:
        self.queue_model.upsert(job)
        if job.state in (JobState.DONE, JobState.FAILED) and job.id not in self._notified:
            self._notified.add(job.id)
            self.job_finished.emit(job)
            self._notify(job)

    def _download_progress(self, job_id: str, done: int, total) -> None:
        job = self.queue_model.job(job_id)
        if job is not None and job.state is JobState.DOWNLOADING:
            self.queue_model.upsert(replace(job, bytes_downloaded=done, bytes_total=total))

    def _mode_changed(self, mode: str, reason: str) -> None:
        paused = mode != EngineMode.RUNNING.value
        self.queue_panel.set_paused(paused)
        self.mode_label.setText(_mode_words(mode))
        if mode == EngineMode.BLOCKED.value:
            self.show_problem(
                _("The queue stopped"),
                _("{reason}\n\nThe jobs stay queued; resume the queue once this is fixed.").format(reason=reason),
            )

    def _generate(self, requests: list) -> None:
        if self.engine is not None and self.spend_panel.confirm_batch(requests, self._region()):
            self.engine.submit(requests, parent_job_id=self._parent_for(requests))
            self._continuation = None

    def _eta(self, job: Job) -> float | None:
        resolution = job.request.resolution or ""
        typical = self._typical.get((job.request.model, resolution))
        if typical is None or not job.state.on_service or job.submit_started_at is None:
            return None
        return max(0.0, typical - (utc_now() - job.submit_started_at).total_seconds())

    def _region(self):
        return self.settings.region

    # -- files --------------------------------------------------------------------------------------
    def library_root(self) -> Path:
        if self.context.demo:
            return self.settings.library_dir or demo_home(self.context.home) / "library"
        return self.settings.library_dir or self.context.home / "library"

    def _open_video(self, job_id: str) -> None:
        job = self.queue_model.job(job_id)
        if job is not None and job.video_path:
            self._open_path(self.library_root() / job.video_path)

    def _show_folder(self, job_id: str) -> None:
        job = self.queue_model.job(job_id)
        folder = self.library_root()
        if job is not None and job.video_path:
            folder = (folder / job.video_path).parent
        self._open_path(folder)

    def _open_path(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.statusBar().showMessage(_("Could not open {path}").format(path=path), 8000)

    # -- settings -----------------------------------------------------------------------------------
    def open_settings(self):
        from .settings_dialog import SettingsDialog  # loaded when first opened, not at start-up

        dialog = SettingsDialog(self.settings, self.context.vault, parent=self)
        dialog.settings_saved.connect(self.apply_settings)
        dialog.open()
        return dialog

    def apply_settings(self, settings: Settings) -> None:
        self.settings = settings
        self._calls.run(
            lambda: self.context.settings_store.save(settings),
            lambda _none: None,
            lambda error: self.statusBar().showMessage(
                _("Settings could not be saved: {error}").format(error=error), 15000
            ),
        )
        self.composer.refresh_region()
        if not self.context.demo:  # demo mode keeps its simulator whatever the region says
            self.stop_engine()
            self.start_engine()

    # -- notifications, tray and closing ------------------------------------------------------------
    def _notify(self, job: Job) -> None:
        if self.tray is None or not self.settings.notifications:
            return
        self._last_notified = job.id
        self.tray.showMessage(*notification(job))

    def _show_again(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        job_id = getattr(self, "_last_notified", None)
        if job_id:
            self.queue_panel.select(job_id)

    def jobs(self) -> list[Job]:
        model = self.queue_model
        return [job for row in range(model.rowCount()) if (job := model.job_at(model.index(row, 0))) is not None]

    def active_jobs(self) -> list[Job]:
        def waiting_on_person(job: Job) -> bool:
            return job.state is JobState.SUBMIT_UNCERTAIN and bool(job.error_code)

        return [job for job in self.jobs() if not job.state.is_final and not waiting_on_person(job)]

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting or not self.active_jobs():
            self._shut_down()
            event.accept()
            return
        if self.tray is not None and self._keep_in_tray():
            event.ignore()
            self.hide()
            self.tray.showMessage(_("Still working"), _("Wan Desktop keeps fetching your videos in the tray."))
            return
        self._shut_down()
        event.accept()

    def _keep_in_tray(self) -> bool:
        choice = self.settings.keep_running_in_tray
        if choice is not None:
            return choice
        box, keep = self.keep_in_tray_question()
        box.exec()
        return box.clickedButton() is keep

    def keep_in_tray_question(self) -> tuple[QMessageBox, QAbstractButton]:
        """The question a close with jobs still running asks (once, unless Settings answers it)."""
        unfinished = len(self.active_jobs())
        question = ngettext(
            "{n} job not finished. Keep working in the system tray so the videos are fetched, "
            "or quit (they resume at next start)?",
            "{n} jobs not finished. Keep working in the system tray so the videos are fetched, "
            "or quit (they resume at next start)?",
            unfinished,
        ).format(n=format_number(unfinished))
        box = QMessageBox(QMessageBox.Icon.Question, _("Jobs are still running"), question, parent=self)
        keep = box.addButton(_("Keep working in the tray"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(_("Quit"), QMessageBox.ButtonRole.DestructiveRole)
        return box, keep

    def quit(self) -> None:
        self._quitting = True
        self.close()
        QApplication.quit()

    def _shut_down(self) -> None:
        self._shut_down_done = True
        self.stop_engine()
        self._calls.shutdown()
        self.composer.shutdown()
        self.video_drops.shutdown()
        self.queue_panel.shutdown()
        if self.library_panel is not None:  # Library tab (issue 5)
            self.library_panel.shutdown()
        self.spend_panel.shutdown()
        storyboard_tab.shutdown(self)
        if self.tray is not None:
            self.tray.hide()

    def _about(self) -> None:
        from wan_desktop import __version__

        QMessageBox.about(
            self,
            _("About Wan Desktop"),
            _(
                "Wan Desktop {version}\nA client for Alibaba Cloud "
                "Model Studio's Wan image-to-video models.\nGPL-3.0-or-later."
            ).format(version=__version__),
        )


def _mode_words(mode: str) -> str:
    """The status bar's words for the engine's mode."""
    if mode == EngineMode.RUNNING.value:
        return _("Queue running")
    if mode == EngineMode.PAUSED.value:
        return _("Queue paused")
    return _("Queue stopped")
