"""Starting the GUI: the application object, first run (key or demo), the main window, `--self-test`."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QApplication, QMessageBox, QWidget

from wan_desktop.cli import EXIT_BUSY, EXIT_ERROR, EXIT_OK
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.home_lock import HomeBusy, HomeLock
from wan_desktop.core.i18n import _
from wan_desktop.core.paths import default_home, default_library
from wan_desktop.core.secrets import KeyVault
from wan_desktop.core.settings import Settings, SettingsStore
from wan_desktop.demo import demo_home
from wan_desktop.start_pause import resume_collection

from .languages import install_qt_language
from .main_window import MainWindow, WindowContext
from .single_instance import Claim, HomeClaim, bring_forward, ring_or_listen, take_engine_home, tell_refusal
from .window_context import watch_first_paint

log = logging.getLogger(__name__)


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Wan Desktop")
    app.setOrganizationName("Wan Desktop")
    app.setApplicationDisplayName("Wan Desktop")
    app.setDesktopFileName("wan-desktop")
    install_qt_language(app)  # the words were chosen by the CLI's start (cli.install_language)
    return app


def run_gui(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    if args.self_test:
        resume_collection()
        return _self_test(args.home)
    app = make_application()
    home = (args.home or default_home()).expanduser()
    # One window per home: a second start only brings the first forward, before any dialog of its own.
    claim = ring_or_listen(home)
    if claim.outcome is Claim.RAISED:
        return EXIT_OK
    try:
        return _run_window(app, args, home, claim)
    finally:
        claim.release()


def _run_window(app: QApplication, args: argparse.Namespace, home: Path, claim: HomeClaim) -> int:
    _use_catalog_of(home)
    store = SettingsStore(home)
    settings = store.load()
    if args.library:
        settings = settings.with_changes(library_dir=args.library.expanduser().resolve())
    vault = KeyVault()
    demo = bool(args.demo)
    if not demo:
        choice = first_run(settings, store, vault)
        if choice is None:
            return EXIT_OK
        demo, settings = choice
    # The engine's home (demo jobs live in HOME/demo) is locked before the window exists, for its whole life.
    refusal = take_engine_home(claim, demo_home(home) if demo else home)
    if refusal is not None:
        resume_collection()
        tell_refusal(refusal)  # e.g. a CLI `run` has the home: no engine here, so nothing is sent twice
        return EXIT_BUSY if refusal.busy else EXIT_ERROR
    window = MainWindow(WindowContext(home, store, vault, demo=demo), settings)
    if claim.guard is not None:
        claim.guard.raise_requested.connect(lambda: bring_forward(window))
    window.show()
    _resume_collection_when_started(window)
    exit_at_first_paint_if_asked(window)  # bench/bundle.py (packaging)
    try:
        return app.exec()
    finally:
        window.stop_engine()  # the lock must outlive the engine


def _resume_collection_when_started(window: QWidget) -> None:
    """The start is over at the window's first paint, or after 1.5 s of a window that is not painted."""
    watch_first_paint(window, resume_collection)
    QTimer.singleShot(1500, resume_collection)


def _self_test(home: Path | None) -> int:
    """The self-test runs a demo engine: on a given home it holds HOME/demo like a window (its own scratch
    home otherwise)."""
    from .self_test import run_self_test

    if home is None:
        return run_self_test(None)
    try:
        lock = HomeLock.acquire(demo_home(home.expanduser()), "Wan Desktop self-test")
    except HomeBusy as busy:
        print(f"wan-desktop: {busy}", file=sys.stderr)
        return EXIT_BUSY
    with lock:
        return run_self_test(home)


def first_run(settings: Settings, store: SettingsStore, vault: KeyVault) -> tuple[bool, Settings] | None:
    """Without a key for the chosen region: enter one, or try demo mode. None: the person closed it."""
    if settings.library_dir is None:
        settings = settings.with_changes(library_dir=default_library())
    try:
        has_key = vault.get(settings.region.value) is not None
    except ValueError:  # an unusable key (InvalidKeyError): the engine's start says why, in words
        has_key = True
    if has_key or settings.region is Region.CUSTOM:
        return False, settings
    box, enter, demo = welcome_box()
    resume_collection()  # the person may take their time
    box.exec()
    if box.clickedButton() is demo:
        return True, settings
    if box.clickedButton() is not enter:
        return None
    from .settings_dialog import SettingsDialog

    dialog = SettingsDialog(settings, vault)
    saved: list[Settings] = []
    dialog.settings_saved.connect(saved.append)
    if not dialog.exec() or not saved:
        return None
    store.save(saved[-1])
    return False, saved[-1]


def welcome_box() -> tuple[QMessageBox, QAbstractButton, QAbstractButton]:
    """The first-run question (key or demo) and its Enter-key and Try-demo buttons; the caller shows it."""
    box = QMessageBox(
        QMessageBox.Icon.Information,
        _("Welcome to Wan Desktop"),
        _(
            "Wan Desktop needs a DashScope API key from Alibaba Cloud Model Studio to make videos.\n\n"
            "Enter your key (it is kept in the system keyring), or try demo mode: a built-in "
            "simulator that makes sample videos, with nothing sent and nothing charged."
        ),
    )
    box.setObjectName("first-run")
    enter = box.addButton(_("Enter API key…"), QMessageBox.ButtonRole.AcceptRole)
    demo = box.addButton(_("Try demo mode"), QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    return box, enter, demo


def _use_catalog_of(home: Path) -> None:
    # A small file read once before the window exists (like settings.json); a bad one is named, not fatal.
    from wan_desktop.core.dashscope.catalog import use_home

    refusal = use_home(home)
    if refusal:
        print("wan-desktop: " + _("{refusal} The shipped catalog is used.").format(refusal=refusal), file=sys.stderr)


def temporary_home() -> Path:
    return Path(tempfile.mkdtemp(prefix="wan-desktop-selftest-"))


# --- start-up benchmark hook (bench/bundle.py, packaging) ---------------------------------------------------
FIRST_PAINT_MARKER = "wan-desktop: first paint"


def exit_at_first_paint_if_asked(window: MainWindow) -> None:
    """With WAN_DESKTOP_EXIT_AT_FIRST_PAINT=1: print FIRST_PAINT_MARKER once the window has painted, then quit."""
    import os

    if os.environ.get("WAN_DESKTOP_EXIT_AT_FIRST_PAINT") != "1":
        return
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QWidget

    def painted() -> None:
        print(FIRST_PAINT_MARKER, flush=True)
        window.quit()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) and watched.window() is window:
                app = QApplication.instance()
                if app is not None:  # always, while events are delivered
                    app.removeEventFilter(self)
                QTimer.singleShot(0, painted)  # after this paint pass has finished
            return False

    app = QApplication.instance()
    if app is not None:  # always: the window exists, so the application does
        app.installEventFilter(FirstPaint(window))


# --- end of the start-up benchmark hook ---------------------------------------------------------------------
