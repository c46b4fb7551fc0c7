"""What the composer knows about one input image, and the widget that shows it: a preview, its size,
pixels and format, whether it fits the chosen model, the plain reason when it does not, and a Fix button."""

from __future__ import annotations

import html
from dataclasses import dataclass, replace
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap, QTextDocumentFragment
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from wan_desktop.core.dashscope.types import is_remote
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.images import ImageIssue, ImageReport

from . import theme

# The service accepts these; the composer explains them and offers the fix, but does not refuse to send
# (the same rule as the core's request check: a stored EXIF rotation is advice).
ADVICE_ISSUES = frozenset({ImageIssue.EXIF_ROTATED})


@dataclass(frozen=True)
class FrameEntry:
    """One image given to a drop zone. ``reference`` is a local path or an http(s) URL kept as a URL."""

    reference: str
    report: ImageReport | None = None  # None while checking, and for URLs (the service fetches them)
    busy: bool = False  # being checked or fixed off the GUI thread
    changes: tuple[str, ...] = ()  # what a fix did, in words
    error: str = ""  # why the last fix failed
    original: str = ""  # the file the person gave, when ``reference`` is a fixed copy

    @property
    def remote(self) -> bool:
        return is_remote(self.reference)

    @property
    def usable(self) -> bool:
        """May go into a request as it is."""
        return not self.busy and (self.remote or (self.report is not None and set(self.report.issues) <= ADVICE_ISSUES))

    @property
    def fixable(self) -> bool:
        return not self.busy and self.report is not None and not self.report.ok and self.report.fixable

    @property
    def name(self) -> str:
        if self.remote:
            return self.reference.rsplit("/", 1)[-1][:60] or self.reference
        return Path(self.reference).name

    def checking(self) -> FrameEntry:
        return replace(self, busy=True, error="")


def size_text(byte_size: int) -> str:
    if byte_size >= 1024 * 1024:
        return f"{format_number(byte_size / (1024 * 1024), 1)} MB"
    if byte_size >= 1024:
        return f"{format_number(byte_size / 1024)} KB"
    return _("{n} bytes").format(n=format_number(byte_size))


def facts_text(entry: FrameEntry, model_label: str) -> str:
    """ "cat.jpg · 1.2 MB · 1920 × 1080 px · JPEG · fits Wan 2.6"."""
    if entry.remote:
        return _("Linked image: {link}\nThe service downloads it; it cannot be checked here.").format(
            link=entry.reference
        )
    if entry.report is None:
        return _("{name} · checking…").format(name=entry.name)
    report = entry.report
    parts = [entry.name, size_text(report.byte_size)]
    if report.width and report.height:
        parts.append(f"{report.width} × {report.height} px")
    if report.format:
        parts.append(report.format)
    if report.ok:
        parts.append(_("fits {model}").format(model=model_label))
    elif ImageIssue.NOT_AN_IMAGE not in report.issues:
        parts.append(_("does not fit {model}").format(model=model_label))
    return " · ".join(parts)


class ImagePreview(QWidget):
    """Shows one FrameEntry; ``fix_clicked`` asks the owner to fix the image(s)."""

    fix_clicked = Signal()
    clear_clicked = Signal()

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.picture = QLabel()
        self.picture.setFixedSize(200, 150)  # the thumbnails' size; its only text is a short word, wrapped
        self.picture.setWordWrap(True)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setAccessibleName(_("{what} preview").format(what=what))
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setAccessibleName(_("{what} problems").format(what=what))
        self.changes = QLabel()
        self.changes.setWordWrap(True)
        self.changes.setAccessibleName(_("{what} fixes made").format(what=what))
        self.fix_button = QPushButton(_("Fi&x"))
        theme.name(
            self.fix_button,
            _("Fix the {what}").format(what=what.lower()),
            _("Write a corrected copy the model accepts; your original file is not changed"),
        )
        self.fix_button.clicked.connect(self.fix_clicked)
        self.clear_button = QPushButton(_("Clear"))
        theme.name(self.clear_button, _("Clear the {what}").format(what=what.lower()))
        self.clear_button.clicked.connect(self.clear_clicked)

        text = QVBoxLayout()
        text.addWidget(self.facts)
        text.addWidget(self.problems)
        text.addWidget(self.changes)
        buttons = QHBoxLayout()
        buttons.addWidget(self.fix_button)
        buttons.addWidget(self.clear_button)
        buttons.addStretch(1)
        text.addLayout(buttons)
        text.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.picture)
        layout.addLayout(text, 1)

    def show_entry(
        self, entry: FrameEntry | None, pixmap: QPixmap | None, model_label: str, fixable_count: int
    ) -> None:
        self.setVisible(entry is not None)
        if entry is None:
            return
        if pixmap is not None and not pixmap.isNull():
            self.picture.setPixmap(
                pixmap.scaled(
                    self.picture.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            )
        else:
            self.picture.setText(_("Linked image") if entry.remote else "…")
        self.facts.setText(facts_text(entry, model_label))
        messages = list(entry.report.messages) if entry.report is not None else []
        if entry.error:
            messages.append(entry.error)
        if entry.report is not None and not entry.report.ok and not entry.report.fixable:
            messages.append(_("This cannot be fixed automatically; please choose another picture or edit it."))
        self.problems.setVisible(bool(messages))
        kind = "warning" if entry.usable and not entry.error else "error"
        self.problems.setText(
            f"<span style='color:{theme.css_colour(kind)}'>" + "<br>".join(html.escape(m) for m in messages) + "</span>"
        )
        self.changes.setVisible(bool(entry.changes))
        fixed = _("Fixed (your original is unchanged): {changes}.").format(changes=_("; ").join(entry.changes))
        self.changes.setText(f"<span style='color:{theme.css_colour('ok')}'>{html.escape(fixed)}</span>")
        self.fix_button.setVisible(fixable_count > 0)
        if fixable_count <= 1:
            self.fix_button.setText(_("Fi&x"))
        else:
            self.fix_button.setText(_("Fi&x all ({n})").format(n=format_number(fixable_count)))
        self.fix_button.setEnabled(not entry.busy)

    def problem_text(self) -> str:
        """The problems as plain text (for tests and screen readers)."""
        return QTextDocumentFragment.fromHtml(self.problems.text()).toPlainText()
