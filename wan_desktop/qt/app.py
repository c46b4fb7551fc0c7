"""Starting the GUI: the application object, first run (key or demo), the main window, `--self-test`."""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.paths import default_home, default_library
from wan_desktop.core.secrets import KeyVault
from wan_desktop.core.settings import Settings, SettingsStore

from .main_window import MainWindow, WindowContext

log = logging.getLogger(__name__)


def make_application(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if existing is not None:
        return existing
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName("Wan Desktop")
    app.setOrganizationName("Wan Desktop")
    app.setApplicationDisplayName("Wan Desktop")
    app.setDesktopFileName("wan-desktop")
    return app


def run_gui(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    if args.self_test:
        from .self_test import run_self_test

        return run_self_test(args.home)
    app = make_application()
    home = (args.home or default_home()).expanduser()
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
            return 0
        demo, settings = choice
    window = MainWindow(WindowContext(home, store, vault, demo=demo), settings)
    window.show()
    exit_at_first_paint_if_asked(window)  # bench/bundle.py (packaging)
    return app.exec()


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
    box = QMessageBox(
        QMessageBox.Icon.Information,
        "Welcome to Wan Desktop",
        "Wan Desktop needs a DashScope API key from Alibaba Cloud Model Studio to make videos.\n\n"
        "Enter your key (it is kept in the system keyring), or try demo mode: a built-in "
        "simulator that makes sample videos, with nothing sent and nothing charged.",
    )
    enter = box.addButton("Enter API key…", QMessageBox.ButtonRole.AcceptRole)
    demo = box.addButton("Try demo mode", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
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


def _use_catalog_of(home: Path) -> None:
    # A small file read once before the window exists (like settings.json); a bad one is named, not fatal.
    from wan_desktop.core.dashscope.catalog import use_home

    refusal = use_home(home)
    if refusal:
        print(f"wan-desktop: {refusal} The shipped catalog is used.", file=sys.stderr)


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
                QApplication.instance().removeEventFilter(self)
                QTimer.singleShot(0, painted)  # after this paint pass has finished
            return False

    QApplication.instance().installEventFilter(FirstPaint(window))


# --- end of the start-up benchmark hook ---------------------------------------------------------------------
