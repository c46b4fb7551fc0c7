"""Everything about one job: every parameter, the rewritten prompt, task and request ids, timings, usage, cost,
and its lineage (parent, children, "play the sequence")."""

from __future__ import annotations

import html
import json
from dataclasses import fields
from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core import composing
from wan_desktop.core.cost import format_money
from wan_desktop.core.dashscope.catalog import Currency, region_words
from wan_desktop.core.dashscope.media_rules import role_word
from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef, ShotType
from wan_desktop.core.history import Lineage
from wan_desktop.core.i18n import _, format_datetime, format_number, format_seconds, ngettext
from wan_desktop.core.jobs import Job


def parameter_words(name: str) -> str:
    """A request field's name as the details list shows it (the field's own name for one it does not know)."""
    words = {
        "model": _("Model"),
        "first_frame": _("First frame"),
        "prompt": _("Prompt"),
        "negative_prompt": _("Negative prompt"),
        "last_frame": _("Last frame"),
        "audio": _("Audio"),
        "first_clip": _("Clip continued"),
        "resolution": _("Resolution"),
        "duration": _("Duration (s)"),
        "seed": _("Seed"),
        "prompt_extend": _("Prompt rewriting"),
        "watermark": _("Watermark"),
        "audio_enabled": _("Sound"),
        "shot_type": _("Shots"),
        "template": _("Effect template"),
        "references": _("References"),
        "ratio": _("Aspect ratio"),
        "enable_thinking": _("Enable thinking"),
    }
    return words.get(name, name)


def _when(value: datetime | None) -> str:
    return format_datetime(value.astimezone()) if value else "—"


def _value(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(getattr(value, "value", value))


def _parameter(name: str, value: object) -> str:
    """A request field's value in words: its references one per line, an option as the composer names it."""
    if name == "references" and isinstance(value, tuple):
        return "\n".join(_reference(ref) for ref in value if isinstance(ref, MediaRef)) or "—"
    if name == "ratio" and isinstance(value, str):
        return composing.ratio_words(value)
    if name == "shot_type" and isinstance(value, ShotType):
        return composing.shot_words(value)
    return _value(value)


def _reference(ref: MediaRef) -> str:
    words = _("{role}: {file}").format(role=role_word(ref.role), file=ref.reference)
    if ref.voice:
        words += " " + _("(voice: {file})").format(file=ref.voice)
    return words


def job_rows(job: Job) -> list[tuple[str, str]]:
    """(label, text) for every fact shown, in order; plain text (the caller escapes it)."""
    request = job.request
    rows = [(parameter_words(f.name), _parameter(f.name, getattr(request, f.name))) for f in fields(GenerationRequest)]
    rows += [
        (_("Rewritten prompt"), _value(job.actual_prompt)),
        (_("State"), job.state.label),
        (_("Job id"), job.id),
        (_("Task id"), _value(job.task_id)),
        (_("Request ids"), ", ".join(job.request_ids) or "—"),
        (_("Region"), region_words(job.region)),
        (_("Created"), _when(job.created_at)),
        (_("Sent"), _when(job.submit_started_at)),
        (_("Accepted by the service"), _when(job.submitted_at)),
        (_("Started"), _when(job.scheduled_at)),
        (_("Finished"), _when(job.finished_at)),
        (_("Generation time"), _span(job)),
        (_("Usage"), json.dumps(dict(job.usage), ensure_ascii=False) if job.usage else "—"),
        (_("Cost"), _cost(job)),
        (_("Video"), _value(job.video_path)),
    ]
    if job.error_message:
        problem = job.error_message
        if job.error_detail:
            problem = _("{problem} ({detail})").format(problem=problem, detail=job.error_detail)
        rows.append((_("Problem"), problem))
    return rows


def _cell(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")  # a prompt's lines and a list's items stay on their own lines


def _span(job: Job) -> str:
    if job.submitted_at and job.finished_at:
        return format_seconds(round((job.finished_at - job.submitted_at).total_seconds()))
    return "—"


def _cost(job: Job) -> str:
    if job.cost is None:
        return "—"
    try:
        return format_money(job.cost, Currency(job.currency or ""))
    except ValueError:  # no currency recorded (or one the app does not know): the amount alone
        return format_number(job.cost, 2)


class DetailsPane(QWidget):
    """``show_job(job, lineage)``; ``open_job(job_id)`` when a relative is chosen, ``play_sequence()``."""

    open_job = Signal(str)
    play_sequence = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setAccessibleName(_("Details of the chosen video"))
        self.text.setOpenLinks(False)
        self.lineage_label = QLabel(_("Lineage"))
        self.relatives = QListWidget()
        self.relatives.setAccessibleName(_("Parent and children"))
        self.relatives.setMaximumHeight(90)
        self.relatives.itemActivated.connect(lambda item: self.open_job.emit(item.data(256)))
        self.sequence_button = QPushButton(_("Play the sequence"))
        self.sequence_button.setAccessibleName(_("Play the sequence"))
        self.sequence_button.clicked.connect(self.play_sequence)
        row = QHBoxLayout()
        row.addWidget(self.lineage_label, 1)
        row.addWidget(self.sequence_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 1)
        layout.addLayout(row)
        layout.addWidget(self.relatives)
        self.job: Job | None = None
        self.lineage: Lineage | None = None
        self.clear()

    def clear(self) -> None:
        self.job = None
        self.lineage = None
        self.text.setPlainText(_("Choose a video to see how it was made."))
        self.relatives.clear()
        self.sequence_button.setEnabled(False)

    def show_job(self, job: Job, lineage: Lineage | None = None) -> None:
        self.job, self.lineage = job, lineage
        cells = "".join(
            f"<tr><td><b>{html.escape(label)}</b></td><td>{_cell(text)}</td></tr>" for label, text in job_rows(job)
        )
        self.text.setHtml(f"<table cellspacing='4'>{cells}</table>")
        self.relatives.clear()
        if lineage is not None:
            if lineage.parent is not None:
                self._relative(_("Made from: {clip} ({state})"), lineage.parent)
            for child in lineage.children:
                self._relative(_("Continued by: {clip} ({state})"), child)
        related = self.relatives.count()
        words = ngettext("Lineage: {n} related clip", "Lineage: {n} related clips", related)
        self.lineage_label.setText(words.format(n=format_number(related)))
        self.sequence_button.setEnabled(lineage is not None and len(lineage.sequence) > 1)

    def _relative(self, words: str, job: Job) -> None:
        item = QListWidgetItem(words.format(clip=job.request.prompt[:60] or job.id, state=job.state.label))
        item.setData(256, job.id)  # Qt.UserRole
        self.relatives.addItem(item)

    def shown_text(self) -> str:
        return self.text.toPlainText()
