"""Finds English a person would see in a window shown in Chinese: every visible widget's text, title,
placeholder, tooltip, list item, table cell and header, menu and action.

What may stay in Latin letters is an explicit allowlist: model names and API codes, units, file formats and
the product's name (the issue: "Model names and API codes stay as they are").
"""

from __future__ import annotations

import re

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

# whole words or codes that stay as they are in every language
ALLOWED = [
    r"Wan Desktop",
    r"Wan ?\d+(\.\d+)?( ?[A-Za-z+]+)*",  # a model's label: "Wan 3.0", "Wan 2.1 First+Last Frame", "Wan 3.0 Prime"
    r"wan[\w.\-]*",  # a model's API name: wan2.6-i2v-flash, wanx2.1-...
    r"\b(?:DashScope|Model Studio|Alibaba Cloud|Qwen|OpenTimelineIO|Base URL)\b",
    r"\bEnglish\b",  # a language's name in itself, as the language choice shows it
    r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b",  # environment variables: DASHSCOPE_API_KEY
    r"\b\w+ Keyring\b",  # a keyring backend's own name ("SecretService Keyring")
    (
        r"\b(?:API|Key|ID|URL|HTTP|HTTPS|SDK|CLI|MP4|MOV|JSON|CSV|OTIO|PNG|JPEG|JPG|WebP|WEBP|BMP|GIF|EXIF|CMYK|"
        r"RGB|RGBA|FPS|fps|GiB|MiB|KiB|GB|MB|KB|USD|CNY|US|CN|HK|UTC|FTS|SQLite|WAV|MP3|AAC|H\.264|HEVC|PID|sk)\b"
    ),
    r"\b\d+(?:\.\d+)?\s*(?:P|p|K|px|x|×|s|ms|fps|MB|GB|GiB|MiB|KB|kbps|Hz|%)\b",
    r"\b(?:[0-9]+:[0-9]+|adaptive)\b",  # aspect ratios are the API's values
    r"https?://\S+",
    r"(?:[~/.]|[A-Za-z]:\\)[\w./\\\-]+",  # paths a person chose, shown as they are
    r"\b[\w.\-]+\.(?:mp4|png|jpg|jpeg|webp|json|csv|otio|wav|mp3|txt|db)\b",
    r"\bsk-[\w\-]+\b",
    r"\b[0-9a-f]{6,}\b",  # ids
    r"\b(?:Ctrl|Shift|Alt|Del|Esc|Enter|Return|Tab|F\d+)\b",  # shortcut names, as Qt words them
]
_ALLOWED = re.compile("|".join(f"(?:{pattern})" for pattern in ALLOWED))
_TAGS = re.compile(r"<[^>]+>|&[a-z]+;")
_ENGLISH = re.compile(r"[A-Za-z]{2,}")


def english_left(text: str, extra_allowed: tuple[str, ...] = ()) -> str:
    """The English left in ``text`` once tags, allowed words and the extra allowed strings are removed."""
    rest = _TAGS.sub(" ", text)
    for allowed in extra_allowed:
        rest = rest.replace(allowed, " ")
    rest = _ALLOWED.sub(" ", rest)
    return " ".join(_ENGLISH.findall(rest))


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
