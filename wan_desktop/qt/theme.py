"""Look and accessibility shared by every widget.

The app follows the system's light/dark scheme (``QStyleHints.colorScheme``) instead of shipping its own
palette, so it sits well on any desktop; it only picks semantic colours (error, warning, ok) that stay
readable on either background. High-DPI scaling is Qt 6's default and needs nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)


@dataclass(frozen=True)
class Colours:
    error: QColor
    warning: QColor
    ok: QColor
    muted: QColor


_LIGHT = Colours(QColor("#b3261e"), QColor("#8a5a00"), QColor("#1e6b34"), QColor("#5f6368"))
_DARK = Colours(QColor("#ff8a80"), QColor("#ffd180"), QColor("#81c995"), QColor("#a8adb3"))


def is_dark() -> bool:
    """True when the system (or the palette, where the platform reports no scheme) is dark."""
    app = QGuiApplication.instance()
    if app is None:
        return False
    scheme = QGuiApplication.styleHints().colorScheme()
    if scheme is Qt.ColorScheme.Dark:
        return True
    if scheme is Qt.ColorScheme.Light:
        return False
    return QGuiApplication.palette().window().color().lightness() < 128


def colours() -> Colours:
    return _DARK if is_dark() else _LIGHT


def css_colour(kind: str) -> str:
    """ "error", "warning", "ok" or "muted" as a CSS colour for rich-text labels and style sheets."""
    return getattr(colours(), kind).name()


def follow_system_scheme(on_change) -> None:
    """Call ``on_change()`` when the person switches between light and dark, so colours are re-picked."""
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: on_change())


def name(widget: QWidget, accessible: str, description: str = "") -> QWidget:
    """Give a control the name a screen reader says, and a tooltip-like description."""
    widget.setAccessibleName(accessible)
    if description:
        widget.setAccessibleDescription(description)
    return widget


_CONTROL_TYPES = (
    QAbstractButton,
    QComboBox,
    QLineEdit,
    QAbstractSpinBox,
    QAbstractSlider,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
)


def mnemonic_clashes(root: QWidget) -> dict[str, list[str]]:
    """Alt+letter shortcuts used by more than one visible control or label under ``root``."""
    from PySide6.QtWidgets import QLabel

    seen: dict[str, list[str]] = {}
    for widget in root.findChildren(QWidget):
        if not widget.isVisibleTo(root) or not isinstance(widget, (QAbstractButton, QLabel)):
            continue
        if isinstance(widget, QLabel) and widget.buddy() is None:
            continue
        letter = _mnemonic(widget.text())
        if letter:
            seen.setdefault(letter, []).append(widget.text())
    return {letter: texts for letter, texts in seen.items() if len(texts) > 1}


def _mnemonic(text: str) -> str:
    index = 0
    while (index := text.find("&", index)) >= 0 and index + 1 < len(text):
        if text[index + 1] != "&":
            return text[index + 1].lower()
        index += 2
    return ""


def unnamed_controls(root: QWidget) -> list[QWidget]:
    """Interactive controls under ``root`` without an accessible name (a test keeps this list empty).

    Parts of another control (a spin box's line edit, a combo box's popup) are not counted."""
    missing = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, _CONTROL_TYPES):
            continue
        parent = widget.parentWidget()
        if isinstance(widget, QLineEdit) and isinstance(parent, (QAbstractSpinBox, QComboBox)):
            continue
        if isinstance(parent, QLineEdit) or widget.window() is not root.window():
            continue  # a line edit's clear button; a combo box's popup list
        if type(widget).__name__ in ("QScrollBar",) or widget.objectName().startswith("qt_"):
            continue
        if not widget.accessibleName():
            missing.append(widget)
    return missing
