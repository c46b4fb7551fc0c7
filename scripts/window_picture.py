"""The picture of a window for the README's screenshots, shared by the scripts that make them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def save_window_picture(window: QWidget, target: Path) -> None:
    """What the screen shows of ``window`` (with its frame where the platform has one), else the widget's own
    rendering, saved as ``target``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    screen = QGuiApplication.primaryScreen()
    shot = screen.grabWindow(window.winId()) if screen else window.grab()
    if shot.isNull():
        shot = window.grab()
    shot.save(str(target))
