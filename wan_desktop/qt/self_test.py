"""`wan-desktop --self-test`: the real main window, one demo job end to end as a person would do it.

An image is dropped on the composer, a prompt typed, Generate clicked; the check waits for the job to be
done with its thumbnail shown, verifies the video file in a temporary library, and also checks what a frozen
bundle most often loses: the keyring backend, Qt's multimedia backend and the app's resources.
Prints ``OK`` and returns 0, or prints what failed and returns 1.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QEventLoop, QMimeData, QObject, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from wan_desktop.core import media
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.secrets import KeyVault
from wan_desktop.core.settings import Settings, SettingsStore

from .app import make_application
from .background import BackgroundCalls
from .main_window import MainWindow, WindowContext

TIMEOUT_MS = 180_000
PROMPT = "a paper kite climbing over a windy beach"


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str


def environment_problems() -> list[str]:
    """What a frozen bundle may have left out."""
    problems = []
    keyring_problem = _keyring_problem()
    if keyring_problem:
        problems.append(keyring_problem)
    try:
        from PySide6.QtMultimedia import QMediaFormat

        formats = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
        if QMediaFormat.FileFormat.MPEG4 not in formats:
            problems.append(_("Qt's multimedia backend cannot decode MP4 (the FFmpeg plugin is missing)"))
    except ImportError as error:
        problems.append(_("QtMultimedia is missing: {error}").format(error=error))
    from wan_desktop.resources import icon_path

    if not icon_path(256).is_file():
        problems.append(_("the app icon is missing: {path}").format(path=icon_path(256)))
    from .languages import language_problems

    return problems + language_problems()


def drop_files(widget, paths: list[Path]) -> str | None:
    """Deliver the events a real drag from the file manager does; the name of a refused event, or None."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    centre = QPointF(widget.width() / 2, widget.height() / 2)
    # Qt lets a drop through only after the widget accepted the drag's enter and move
    rest = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    for event in (
        _drag_event(QDragEnterEvent, centre, rest),
        _drag_event(QDragMoveEvent, centre, rest),
        QDropEvent(centre, *rest),
    ):
        if not QApplication.sendEvent(widget, event) or not event.isAccepted():
            return event.type().name
    return None


def run_events_until(condition, timeout_s: float, interval_ms: int = 20) -> bool:
    """Run the event loop until ``condition()`` holds or ``timeout_s`` passes; whether it holds.
    For scripts that drive the window (benchmarks, the README screenshot), not for the app itself."""
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    checker = QTimer(interval=interval_ms)
    checker.timeout.connect(lambda: (condition() or time.monotonic() > deadline) and loop.quit())
    checker.start()
    loop.exec()
    checker.stop()
    return bool(condition())


def _drag_event(kind, position: QPointF, rest: tuple):
    # PySide6 6.12 takes a QPointF here and deprecates QPoint; earlier releases take only QPoint.
    try:
        return kind(position, *rest)
    except TypeError:
        return kind(position.toPoint(), *rest)


def _keyring_problem() -> str | None:
    """A keyring backend the bundle lacks (a missing module), as opposed to a machine with no keyring
    service running, which the app handles by offering the environment variable or a session key."""

    platform_backend = {"win32": "Windows", "darwin": "macOS"}.get(sys.platform, "SecretService")
    try:
        module = __import__(f"keyring.backends.{platform_backend}", fromlist=["Keyring"])
        module.Keyring.priority  # noqa: B018  (evaluating it checks the backend's own dependencies)
    except ImportError as error:
        return _("the {backend} keyring backend is missing: {error}").format(backend=platform_backend, error=error)
    except RuntimeError as error:
        if "required" in str(error).lower():  # e.g. "SecretStorage required": a module left out
            return _("the {backend} keyring backend cannot load: {error}").format(backend=platform_backend, error=error)
    return None


class SelfTest(QObject):
    """Drives the window step by step; each step waits on a signal, never on a sleep."""

    def __init__(self, window: MainWindow, image: Path) -> None:
        super().__init__(window)
        self.window = window
        self.image = image
        self.verdict: Verdict | None = None
        self.job: Job | None = None
        self._calls = BackgroundCalls(self)
        self._timeout = QTimer(self, singleShot=True, interval=TIMEOUT_MS)
        self._timeout.timeout.connect(self._timed_out)

    def _timed_out(self) -> None:
        self._finish(False, _("timed out after {seconds} s").format(seconds=format_number(TIMEOUT_MS // 1000)))

    def start(self) -> None:
        self._timeout.start()
        problems = environment_problems()
        if problems:
            self._finish(False, "; ".join(problems))
            return
        self.window.engine_ready.connect(self._drop_image)
        self.window.engine_failed.connect(lambda text: self._finish(False, _("engine: {problem}").format(problem=text)))

    def _drop_image(self) -> None:
        composer = self.window.composer
        composer.select_model("wan2.2-i2v-flash")
        resolution = composer.resolution_combo.findData("480P")
        composer.resolution_combo.setCurrentIndex(max(resolution, 0))
        zone = composer.first_zone
        zone.changed.connect(self._image_checked)
        refused = drop_files(zone, [self.image])
        if refused:
            self._finish(False, _("the composer refused the dropped image ({event})").format(event=refused))
            return
        self._image_checked()

    def _image_checked(self) -> None:
        entries = self.window.composer.first_zone.entries()
        if not entries or not entries[0].usable or self.window.composer.first_zone.busy:
            return
        self.window.composer.first_zone.changed.disconnect(self._image_checked)
        QTest.keyClicks(self.window.composer.prompt_edit, PROMPT)
        self.window.job_finished.connect(self._job_finished)
        QTest.mouseClick(self.window.composer.generate_button, Qt.MouseButton.LeftButton)

    def _job_finished(self, job: Job) -> None:
        if job.state is not JobState.DONE:
            ended = _("the job ended {state}: {problem}")
            self._finish(False, ended.format(state=job.state.value, problem=job.error_message))
            return
        self.job = job
        if job.video_path is None or job.thumbnail_path is None:
            self._finish(False, _("the finished job names no video or no thumbnail"))
            return
        root = self.window.library_root()
        video, thumbnail = root / job.video_path, root / job.thumbnail_path
        self._calls.run(
            lambda: (media.verify_video(video), QImage(str(thumbnail))),
            lambda result: self._checked(job, thumbnail, result),
            lambda error: self._finish(False, _("the video does not verify: {error}").format(error=error)),
        )

    def _checked(self, job: Job, thumbnail_path: Path, result) -> None:
        info, thumbnail = result
        if thumbnail.isNull():
            self._finish(False, _("the thumbnail does not load"))
            return
        model = self.window.queue_model
        shown = model.job(job.id)
        if shown is None or shown.state is not JobState.DONE:
            self._finish(False, _("the queue does not show the finished job"))
            return
        picture = model.picture_path(shown)
        if picture is None or picture != str(thumbnail_path):
            self._finish(False, _("the queue row does not show the video's thumbnail"))
            return
        model.thumbnails.ready.connect(lambda path: path == picture and self._thumbnail_shown(job, info))
        model.data(model.index_of(job.id), Qt.ItemDataRole.DecorationRole)  # as the view's paint asks
        if model.thumbnails.cached(picture) is not None:  # the view had painted it already
            self._thumbnail_shown(job, info)

    def _thumbnail_shown(self, job: Job, info) -> None:
        if job.request.prompt != PROMPT:
            wrong = _("the job's prompt is {prompt}, not what was typed")
            self._finish(False, wrong.format(prompt=repr(job.request.prompt)))
            return
        frames = ngettext(
            "{width}x{height}, {seconds} s, {n} frame", "{width}x{height}, {seconds} s, {n} frames", info.frame_count
        )
        seconds = format_number(info.duration, 1)
        count = format_number(info.frame_count)
        self._open_spend(frames.format(width=info.width, height=info.height, seconds=seconds, n=count))

    def _open_spend(self, video_words: str) -> None:
        # the Spend tab draws its chart with QtCharts, which a bundle leaves out unless the spec names it
        panel = self.window.spend_panel
        panel.loaded.connect(lambda: self._spend_shown(video_words))
        self.window.tabs.setCurrentWidget(panel)

    def _spend_shown(self, video_words: str) -> None:
        panel = self.window.spend_panel
        if panel.chart_unavailable or panel.chart_view is None:
            missing = panel.chart_unavailable or _("no chart")
            self._finish(False, _("the Spend tab has no chart: {problem}").format(problem=missing))
            return
        self._finish(True, video_words)

    def _finish(self, ok: bool, message: str) -> None:
        if self.verdict is not None:
            return
        self.verdict = Verdict(ok, message)
        self._timeout.stop()
        self._calls.shutdown()
        self.window.quit()


def run_self_test(home: Path | None = None) -> int:
    app = make_application()
    scratch = Path(tempfile.mkdtemp(prefix="wan-desktop-selftest-"))
    home = Path(home) if home else scratch / "home"
    image = scratch / "self-test.png"
    _make_picture(image)
    settings = Settings(
        library_dir=scratch / "library", region=Region.CUSTOM, notifications=False, keep_running_in_tray=False
    )
    window = MainWindow(WindowContext(home, SettingsStore(home), KeyVault(), demo=True), settings)
    window.show()
    test = SelfTest(window, image)
    QTimer.singleShot(0, test.start)
    app.exec()
    verdict = test.verdict or Verdict(False, _("the window closed before the check finished"))
    shutil.rmtree(scratch, ignore_errors=True)
    if verdict.ok:
        print(f"OK ({verdict.message})")
        return 0
    print(f"FAILED: {verdict.message}", file=sys.stderr)
    print("FAILED")
    return 1


def _make_picture(path: Path) -> None:
    picture = Image.new("RGB", (640, 480), (30, 110, 180))
    for x in range(0, 640, 40):
        picture.paste((240, 200, 60), (x, 200, x + 20, 280))
    picture.save(path)
