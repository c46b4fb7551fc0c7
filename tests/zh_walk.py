"""Finds English a person would see in a window shown in Chinese: every visible widget's text, title,
placeholder, tooltip, list item, table cell and header, menu and action.

What may stay in Latin letters is tests/zh_text.py's allowlist: model names and API codes, units, file formats
and the product's name.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTabWidget,
    QTextEdit,
    QTreeView,
    QWidget,
)

from tests.zh_text import ALLOWED, english_left

__all__ = ["ALLOWED", "english_left", "untranslated", "visible_texts"]


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for every text a person can see in ``root`` and the widgets shown inside it."""
    found: list[tuple[str, str]] = []
    widgets = [root, *root.findChildren(QWidget)]
    for widget in widgets:
        if not widget.isVisibleTo(root) and widget is not root:
            continue
        name = f"{type(widget).__name__}({widget.objectName() or '?'})"
        found += [(name, text) for text in _texts_of(widget)]
        if widget.isWindow():
            found.append((name + ".windowTitle", widget.windowTitle()))
        if widget.toolTip():
            found.append((name + ".toolTip", widget.toolTip()))
        for action in widget.actions():
            found += [(name + ".action", action.text()), (name + ".action.toolTip", action.toolTip())]
            menu = action.menu()
            if isinstance(menu, QMenu):
                found += [(name + ".menu", a.text()) for a in menu.actions()]
    return [(where, text) for where, text in found if text and text.strip()]


def _texts_of(widget: QWidget) -> list[str]:
    if isinstance(widget, QLabel):
        return [widget.text()]
    if isinstance(widget, QAbstractButton):
        return [widget.text()]
    if isinstance(widget, QGroupBox):
        return [widget.title()]
    if isinstance(widget, QLineEdit):
        return [widget.placeholderText()]  # the text itself is the person's
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return [widget.placeholderText()]
    if isinstance(widget, QComboBox):
        return [widget.itemText(i) for i in range(widget.count())]
    if isinstance(widget, QTabWidget):
        return [widget.tabText(i) for i in range(widget.count())]
    if isinstance(widget, QTabBar):
        return [widget.tabText(i) for i in range(widget.count())]
    if isinstance(widget, QAbstractSpinBox):
        texts = [widget.specialValueText()]
        for attribute in ("prefix", "suffix"):
            if hasattr(widget, attribute):
                texts.append(getattr(widget, attribute)())
        return texts
    if isinstance(widget, QAbstractItemView):
        return _model_texts(widget)
    return []


def _model_texts(view: QAbstractItemView, limit: int = 200) -> list[str]:
    model = view.model()
    if model is None:
        return []
    texts: list[str] = []
    root = QModelIndex()
    # a list model keeps columnCount private in PySide6, and has one column
    columns = model.columnCount(root) if isinstance(view, QTableView | QTreeView) else 1
    if isinstance(view, QTableView | QTreeView):
        for section in range(columns):
            value = model.headerData(section, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
            if isinstance(value, str):
                texts.append(value)
    for row in range(min(model.rowCount(root), limit)):
        for column in range(columns):
            index = model.index(row, column, root)
            for role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
                value = model.data(index, role)
                if isinstance(value, str):
                    texts.append(value)
    return texts


def untranslated(root: QWidget, extra_allowed: tuple[str, ...] = ()) -> list[str]:
    """Each visible text of ``root`` that still has English in it, with where it was found."""
    problems = []
    for where, text in visible_texts(root):
        left = english_left(text, extra_allowed)
        if left:
            problems.append(f"{where}: {text!r} (English: {left})")
    return problems
