"""What the Library tab does with one finished video: remix and continue it in Create, take a frame, export a
copy, reveal or open it, copy its prompt. Frame extraction and copies run off the GUI thread; nothing here
writes job rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtMultimedia import QMediaPlayer

from wan_desktop.core import history, media
from wan_desktop.core.dashscope.catalog import find_model
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library

from .background import BackgroundCalls
from .library_health import ErrorHandler

CLIP_MODEL = "wan2.7-i2v"  # the model that continues a clip itself (first_clip)


def clip_request(job: Job, library: Library) -> GenerationRequest:
    """wan2.7 continues the clip itself (first_clip), not only its last picture."""
    spec = find_model(CLIP_MODEL)
    resolution = job.request.resolution
    return GenerationRequest(
        model=CLIP_MODEL,
        prompt=job.request.prompt,
        negative_prompt=job.request.negative_prompt,
        first_clip=str(library.video_path(job)),
        resolution=resolution if spec and resolution in spec.resolutions else None,
    )


def seconds_shown(player: QMediaPlayer) -> float | None:
    """Where the player stands in the video, or None when nothing is loaded (the last frame is meant)."""
    return player.position() / 1000 if player.duration() > 0 else None


class JobActions(QObject):
    remix_requested = Signal(object)  # GenerationRequest: load into the composer
    continue_requested = Signal(object, str)  # GenerationRequest, parent job id: load it for the next clip
    last_frame_chosen = Signal(str)  # an image path for the composer's last frame
    playlist_ready = Signal(list)  # list[Path]: the clips of a sequence found on disk, in order
    notice = Signal(str)
    action_done = Signal(str)

    def __init__(
        self,
        calls: BackgroundCalls,
        library: Callable[[], Library],
        position: Callable[[], float | None],
        on_error: ErrorHandler,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._calls = calls
        self._library = library
        self._position = position  # seconds into the video the player shows, or None
        self._on_error = on_error

    def remix(self, job: Job) -> None:
        self.remix_requested.emit(job.request)
        self.notice.emit(_("Loaded the settings and inputs into Create."))

    def continue_from_last_frame(self, job: Job) -> None:
        """The last frame becomes the first frame of a new job made from the same settings."""
        library = self._library()
        video, dest = library.video_path(job), library.inputs_dir / f"last-frame-{job.id}.png"

        def done(frame: Path) -> None:
            request = replace(job.request, first_frame=str(frame), last_frame=None, first_clip=None, seed=None)
            self.continue_requested.emit(request, job.id)
            self.notice.emit(_("The last frame is ready in Create as the next clip's first frame."))
            self.action_done.emit("continue")

        self._calls.run(lambda: media.extract_frame(video, dest), done, self._on_error("continue"))

    def continue_clip(self, job: Job) -> None:
        self.continue_requested.emit(clip_request(job, self._library()), job.id)
        self.notice.emit(_("The clip is ready in Create for a wan2.7 continuation."))
        self.action_done.emit("continue_clip")

    def use_frame_as_last_frame(self, job: Job) -> None:
        library, position = self._library(), self._position()
        stamp = f"{int(position * 1000)}ms" if position is not None else "end"
        video, dest = library.video_path(job), library.inputs_dir / f"frame-{job.id}-{stamp}.png"

        def done(frame: Path) -> None:
            self.last_frame_chosen.emit(str(frame))
            self.notice.emit(_("The frame is now the last frame in Create."))
            self.action_done.emit("last_frame")

        def extract() -> Path:
            return media.extract_frame(video, dest, at_seconds=position)

        self._calls.run(extract, done, self._on_error("last_frame"))

    def play_sequence(self, lineage: history.Lineage) -> None:
        library = self._library()

        def videos() -> list[Path]:
            return history.sequence_videos(lineage, library)

        self._calls.run(videos, self.playlist_ready.emit, self._on_error("sequence"))

    def export_to(self, job: Job, folder: Path) -> None:
        library = self._library()

        def done(paths: list[Path]) -> None:
            self.notice.emit(_("Exported {name} with its notes to {folder}.").format(name=paths[0].name, folder=folder))
            self.action_done.emit("export")

        self._calls.run(lambda: history.export_copy(job, library, folder), done, self._on_error("export"))

    def reveal(self, job: Job) -> None:
        self._open_url(self._library().video_path(job).parent)

    def open_externally(self, job: Job) -> None:
        self._open_url(self._library().video_path(job))

    def _open_url(self, path: Path) -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
            self.notice.emit(_("No program could open {path}.").format(path=path))

    def copy_prompt(self, job: Job) -> None:
        QGuiApplication.clipboard().setText(job.actual_prompt or job.request.prompt)
        self.notice.emit(_("Prompt copied."))
