"""What the main window is built from, apart from its widgets: the context it is given (temp folders in tests,
no global app object), the function that opens its engine session on the engine thread, its icon, and the
first-paint hook that starts the engine only once the person sees the window."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWidget

from wan_desktop.core.i18n import _
from wan_desktop.core.session import Session
from wan_desktop.core.settings import Settings, SettingsStore
from wan_desktop.demo import DEMO_TIME_SCALE, demo_home
from wan_desktop.resources import ICON_SIZES, icon_path

if TYPE_CHECKING:
    from wan_desktop.core.secrets import KeyVault


def app_icon() -> QIcon:
    icon = QIcon()
    for size in ICON_SIZES:
        icon.addFile(str(icon_path(size)))
    return icon


def demo_banner() -> str:
    """The notice above a demo window, in the person's language."""
    return _(
        "Demo mode: a built-in simulator stands in for the service. "
        "Nothing is sent to Alibaba Cloud and nothing is charged."
    )


class _FirstPaintWatcher(QObject):
    """Calls ``then`` once, on the turn after the first paint of any widget in ``window``."""

    def __init__(self, window: QWidget, then) -> None:
        super().__init__(window)
        self._window = window
        self._then = then
        if (app := QApplication.instance()) is not None:  # always: a widget exists, so the application does
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) and watched.window() is self._window:
            if (app := QApplication.instance()) is not None:  # always, while events are delivered
                app.removeEventFilter(self)
            QTimer.singleShot(0, self._then)
        return False


@dataclass(frozen=True)
class WindowContext:
    """What the window needs, passed in so tests can give temp folders (no global app object)."""

    home: Path
    settings_store: SettingsStore
    vault: KeyVault
    demo: bool = False
    demo_time_scale: float = DEMO_TIME_SCALE


def session_opener(context: WindowContext, settings: Settings):
    """A function, run on the engine thread, that opens the session (and the demo simulator)."""

    def open_for(listener) -> Session:
        from wan_desktop.core.session import open_session, target_for
        from wan_desktop.demo import DemoService

        if not context.demo:
            library = settings.library_dir
            if library is None:
                raise ValueError(_("Choose a library folder for the videos in Settings."))
            target = target_for(settings, context.vault)
            return open_session(
                context.home, library, target, listener=listener, max_concurrent=settings.max_concurrent_jobs
            )
        home = demo_home(context.home)
        service = DemoService(home / "simulator", context.demo_time_scale)
        try:
            session = open_session(
                home,
                settings.library_dir or home / "library",
                service.target,
                listener=listener,
                max_concurrent=settings.max_concurrent_jobs,
            )
        except BaseException:
            service.close()
            raise
        session.also_close(service.close)
        return session

    return open_for


def watch_first_paint(window: QWidget, then) -> QObject:
    """Call ``then`` once, on the turn after the first paint of ``window`` (the watcher is a child of it)."""
    return _FirstPaintWatcher(window, then)
