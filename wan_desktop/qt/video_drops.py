"""Dropping a finished video of ours: on the composer it offers "Use these settings" (remix), on the library
it imports the video (copied in when it lies elsewhere) as a finished job.

The tags are read and the file copied on a worker; the GUI thread only accepts the drop and shows the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox, QWidget

from wan_desktop.core import media_tags
from wan_desktop.core.i18n import _
from wan_desktop.core.library import Library

from .background import BackgroundCalls

if TYPE_CHECKING:
    from .main_window import MainWindow

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v")


def dropped_videos(mime) -> list[Path]:
    if mime is None or not mime.hasUrls():
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return paths if paths and all(p.suffix.lower() in VIDEO_SUFFIXES for p in paths) else []


class VideoDropFilter(QObject):
    """Takes drops of videos (only) on ``widget`` and its children; anything else goes on to the widget."""

    def __init__(self, widget: QWidget, on_videos: Callable[[list[Path]], None]) -> None:
        super().__init__(widget)
        self._on_videos = on_videos
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not isinstance(event, QDropEvent):  # QDragEnterEvent and QDragMoveEvent are drop events too
            return False
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove) and dropped_videos(event.mimeData()):
            event.acceptProposedAction()
            return True
        if kind == QEvent.Type.Drop and (videos := dropped_videos(event.mimeData())):
            event.acceptProposedAction()
            self._on_videos(videos)
            return True
        return False


class VideoDrops(QObject):
    """The window's handling of dropped videos (``box`` is the open question, for tests)."""

    notice = Signal(str)
    imported = Signal(list)  # the Jobs handed to the engine

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self._calls = BackgroundCalls(self, max_threads=1)
        self.box: QMessageBox | None = None
        composer = window.composer
        self.filters = [
            VideoDropFilter(w, self.offer_settings) for w in (composer, composer.first_zone, composer.last_zone)
        ]
        self.filters.append(VideoDropFilter(window._library_host, self.import_videos))
        self.notice.connect(lambda text: window.statusBar().showMessage(text, 10000))

    # -- composer: use these settings ----------------------------------------------------------------------
    def offer_settings(self, videos: list[Path]) -> None:
        video = videos[0]
        self._calls.run(lambda: media_tags.read_settings(video), lambda found: self._ask(video, found), self._failed)

    def _ask(self, video: Path, settings: media_tags.VideoSettings | None) -> None:
        if settings is None:
            self.notice.emit(_("'{name}' carries no Wan Desktop settings.").format(name=video.name))
            return
        request = settings.request
        box = QMessageBox(QMessageBox.Icon.Question, _("Use these settings?"), "", parent=self._window)
        box.setText(
            _("'{name}' was made with {model}. Put its settings in the composer?").format(
                name=video.name, model=request.model
            )
        )
        prompt = request.prompt[:300] or _("(none)")
        seed = _("None") if request.seed is None else str(request.seed)  # a seed is a code: no digit grouping
        box.setInformativeText(_("Prompt: {prompt}\nSeed: {seed}").format(prompt=prompt, seed=seed))
        use = box.addButton(_("Use these settings"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        remix = media_tags.remix_request(settings)
        box.buttonClicked.connect(lambda button: self._use(remix) if button is use else None)
        self.box = box
        box.open()

    def _use(self, request) -> None:
        self._window.composer.load_request(request)
        self.notice.emit(_("The video's settings are in the composer; add a picture to make a new one."))

    # -- library: import -----------------------------------------------------------------------------------
    def import_videos(self, videos: list[Path]) -> None:
        library = Library(self._window.library_root())

        def adopt() -> tuple[list, list[str]]:
            jobs, refused = [], []
            for video in videos[:200]:
                job = media_tags.adopt_video(library, video)
                if job is None:
                    refused.append(video.name)
                else:
                    jobs.append(job)
            return jobs, refused

        self._calls.run(adopt, self._adopted, self._failed)

    def _adopted(self, result: tuple[list, list[str]]) -> None:
        jobs, refused = result
        if jobs and self._window.engine is not None:
            self._window.engine.import_jobs(jobs)
            self.imported.emit(jobs)
        if refused:
            names = _(", ").join(refused[:5])
            self.notice.emit(_("Not imported (no Wan Desktop settings inside): {names}.").format(names=names))

    def _failed(self, error: Exception) -> None:
        self.notice.emit(_("The video could not be read: {error}").format(error=error))

    def shutdown(self) -> None:
        self._calls.shutdown()
