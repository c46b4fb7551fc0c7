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

from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.history import Lineage
from wan_desktop.core.jobs import Job
from wan_desktop.core.wording import count

_PARAMETER_WORDS = {
    "model": "Model",
    "first_frame": "First frame",
    "prompt": "Prompt",
    "negative_prompt": "Negative prompt",
    "last_frame": "Last frame",
    "audio": "Audio",
    "first_clip": "Clip continued",
    "resolution": "Resolution",
    "duration": "Duration (s)",
    "seed": "Seed",
    "prompt_extend": "Prompt rewriting",
    "watermark": "Watermark",
    "audio_enabled": "Sound",
    "shot_type": "Shots",
    "template": "Effect template",
}


def _when(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def _value(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(getattr(value, "value", value))


def job_rows(job: Job) -> list[tuple[str, str]]:
    """(label, text) for every fact shown, in order; plain text (the caller escapes it)."""
    rows = [
        (_PARAMETER_WORDS.get(f.name, f.name), _value(getattr(job.request, f.name))) for f in fields(GenerationRequest)
    ]
    rows += [
        ("Rewritten prompt", _value(job.actual_prompt)),
        ("State", job.state.label),
        ("Job id", job.id),
        ("Task id", _value(job.task_id)),
        ("Request ids", ", ".join(job.request_ids) or "—"),
        ("Region", job.region),
        ("Created", _when(job.created_at)),
        ("Sent", _when(job.submit_started_at)),
        ("Accepted by the service", _when(job.submitted_at)),
        ("Started", _when(job.scheduled_at)),
        ("Finished", _when(job.finished_at)),
        ("Generation time", _span(job)),
        ("Usage", json.dumps(dict(job.usage), ensure_ascii=False) if job.usage else "—"),
        ("Cost", f"{job.cost:.2f} {job.currency or ''}".strip() if job.cost is not None else "—"),
        ("Video", _value(job.video_path)),
    ]
    if job.error_message:
        rows.append(("Problem", job.error_message + (f" ({job.error_detail})" if job.error_detail else "")))
    return rows


def _span(job: Job) -> str:
    if job.submitted_at and job.finished_at:
        return f"{(job.finished_at - job.submitted_at).total_seconds():.0f} s"
    return "—"


class DetailsPane(QWidget):
    """``show_job(job, lineage)``; ``open_job(job_id)`` when a relative is chosen, ``play_sequence()``."""

    open_job = Signal(str)
    play_sequence = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Details of the chosen video")
        self.text.setOpenLinks(False)
        self.lineage_label = QLabel("Lineage")
        self.relatives = QListWidget()
        self.relatives.setAccessibleName("Parent and children")
        self.relatives.setMaximumHeight(90)
        self.relatives.itemActivated.connect(lambda item: self.open_job.emit(item.data(256)))
        self.sequence_button = QPushButton("Play the sequence")
        self.sequence_button.setAccessibleName("Play the sequence")
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
        self.text.setPlainText("Choose a video to see how it was made.")
        self.relatives.clear()
        self.sequence_button.setEnabled(False)

    def show_job(self, job: Job, lineage: Lineage | None = None) -> None:
        self.job, self.lineage = job, lineage
        cells = "".join(
            f"<tr><td><b>{html.escape(label)}</b></td><td>{html.escape(text)}</td></tr>"
            for label, text in job_rows(job)
        )
        self.text.setHtml(f"<table cellspacing='4'>{cells}</table>")
        self.relatives.clear()
        if lineage is not None:
            if lineage.parent is not None:
                self._relative("Made from", lineage.parent)
            for child in lineage.children:
                self._relative("Continued by", child)
        self.lineage_label.setText(f"Lineage: {count(self.relatives.count(), 'related clip')}")
        self.sequence_button.setEnabled(lineage is not None and len(lineage.sequence) > 1)

    def _relative(self, role: str, job: Job) -> None:
        item = QListWidgetItem(f"{role}: {job.request.prompt[:60] or job.id} ({job.state.label})")
        item.setData(256, job.id)  # Qt.UserRole
        self.relatives.addItem(item)

    def shown_text(self) -> str:
        return self.text.toPlainText()
