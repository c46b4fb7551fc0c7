"""The batch dialog: a folder or a CSV/JSONL file, a prompt template and a preset in; a preview table out;
jobs queued only when every row is valid, or when the person chooses to queue only the valid ones.

Reading, checking and the thumbnails run on a worker (the check opens every image); the rows arrive in chunks
so a 1,000-row batch fills the table while the window stays responsive. Queuing is a signal: the window hands
the requests to the engine thread with ``project="batch:<id>"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core import cost
from wan_desktop.core.batch import BatchSettings, new_batch_id, parse_lists, preview_notes, preview_rows
from wan_desktop.core.batch_files import read_source
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.i18n import _, data_text, format_number, ngettext
from wan_desktop.core.presets import Preset, PresetBook

from . import theme
from .background import BackgroundCalls, WorkContext
from .batch_table import THUMB, BatchTableModel, PreviewItem, Thumb, make_thumb

CHUNK = 50  # rows per hand-over to the GUI thread


@dataclass(frozen=True)
class _Ask:
    source: Path
    settings: BatchSettings
    pattern: str
    recursive: bool


@dataclass(frozen=True)
class _Read:
    notes: tuple[str, ...]


class BatchDialog(QDialog):
    queue_requested = Signal(list, str)  # list[GenerationRequest], project ("batch:<id>")
    preview_finished = Signal()

    def __init__(self, home: Path, region: Region, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Batch from a folder or a spreadsheet"))
        self.resize(960, 620)
        self._home, self._region = Path(home), region
        self._calls = BackgroundCalls(self, max_threads=1)
        self._token: int | None = None
        self._presets: list[Preset] = []
        self._batch_id = new_batch_id()
        self.model = BatchTableModel(self)
        self._build()
        self._calls.run(lambda: PresetBook(self._home).all(), self._presets_loaded, lambda _e: None)

    # -- construction ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.source_edit = QLineEdit()
        self.source_edit.setPlaceholderText(_("A folder of images, or a .csv / .jsonl file"))
        self.source_edit.setAccessibleName(_("Batch source"))
        file_button, folder_button = QPushButton(_("File…")), QPushButton(_("Folder…"))
        file_button.clicked.connect(self._pick_file)
        folder_button.clicked.connect(self._pick_folder)
        self.template_edit = QLineEdit()
        self.lists_edit = QLineEdit()
        self._examples()
        self.filter_edit = QLineEdit("*")
        self.recursive = QCheckBox(_("Include sub-folders"))
        self.preset_combo = QComboBox()
        self.preset_combo.setAccessibleName(_("Preset"))
        self.preview_button = QPushButton(_("&Preview"))
        self.preview_button.clicked.connect(self.start_preview)
        form = QFormLayout()
        form.addRow(_("Source"), self._row(self.source_edit, file_button, folder_button))
        form.addRow(_("Prompt template"), self.template_edit)
        form.addRow(_("Lists"), self.lists_edit)
        form.addRow(_("Images matching"), self._row(self.filter_edit, self.recursive))
        form.addRow(_("Preset"), self._row(self.preset_combo, self.preview_button))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setIconSize(QSize(THUMB, THUMB))
        self.table.verticalHeader().setDefaultSectionSize(THUMB + 4)
        for column in (2, 3):  # the prompt and the verdict's sentence share the width
            self.table.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setWordWrap(True)
        self.table.setAccessibleName(_("Batch preview"))
        self.notes_label, self.total_label = QLabel(), QLabel()
        self.notes_label.setWordWrap(True)
        self.total_label.setWordWrap(True)
        self.total_label.setAccessibleName(_("Batch total"))
        self.only_valid = QCheckBox(_("Queue only the valid ones"))
        self.only_valid.toggled.connect(self._update_queue_button)
        self.queue_button = QPushButton(_("&Queue"))
        self.queue_button.setEnabled(False)
        self.queue_button.clicked.connect(self.queue)
        close = QPushButton(_("Close"))
        close.clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.notes_label)
        layout.addWidget(self._row(self.total_label, self.only_valid, self.queue_button, close))

    def _examples(self) -> None:
        # the example's list names are words of the person's language: a template's names may be any identifier
        subject, place = _("subject"), _("place")
        self.template_edit.setPlaceholderText(
            _("e.g. {subject} walking through {place}").format(subject="{" + subject + "}", place="{" + place + "}")
        )
        self.lists_edit.setPlaceholderText(
            _("{subject}=a fox|a cat; {place}=a forest|a city").format(subject=subject, place=place)
        )

    @staticmethod
    def _row(*widgets: QWidget) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        for number, widget in enumerate(widgets):
            row.addWidget(widget, 1 if number == 0 else 0)
        return holder

    def _pick_file(self) -> None:
        name, _chosen = QFileDialog.getOpenFileName(self, _("Batch file"), "", _("Batch files (*.csv *.jsonl *.txt)"))
        if name:
            self.source_edit.setText(name)
            self.start_preview()

    def _pick_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, _("Folder of images"))
        if name:
            self.source_edit.setText(name)
            self.start_preview()

    def _presets_loaded(self, presets: list[Preset]) -> None:
        self._presets = presets
        self.preset_combo.clear()
        self.preset_combo.addItem(_("No preset (the default model)"), None)
        for preset in presets:
            self.preset_combo.addItem(data_text(preset.name) if preset.builtin else preset.name, preset.name)

    # -- the preview -----------------------------------------------------------------------------------
    def start_preview(self) -> None:
        """Read and check the batch on the worker; rows arrive in chunks (``preview_finished`` at the end)."""
        if self._token is not None:
            self._calls.cancel(self._token)
        self.model.clear()
        self.queue_button.setEnabled(False)
        try:
            ask = self._ask()
        except ValueError as error:
            self._show_refusal(str(error))
            return
        self.total_label.setText(_("Reading…"))
        self._token = self._calls.start(lambda context: _work(ask, context), self._done, self._failed, self._chunk)

    def _ask(self) -> _Ask:
        text = self.source_edit.text().strip()
        if not text:
            raise ValueError(_("Choose a folder of images or a CSV/JSONL file first."))
        name = self.preset_combo.currentData()
        preset = next((p for p in self._presets if p.name == name), None)
        lists = parse_lists(part for part in self.lists_edit.text().split(";") if part.strip())
        settings = BatchSettings(
            model=preset.model if preset else "wan2.6-i2v-flash",
            preset=preset,
            template=self.template_edit.text().strip() or None,
            lists=lists,
            region=self._region,
        )
        return _Ask(
            Path(text).expanduser(), settings, self.filter_edit.text().strip() or "*", self.recursive.isChecked()
        )

    def _chunk(self, value: object) -> None:
        if isinstance(value, _Read):
            self.notes_label.setText(" · ".join(value.notes))
        elif isinstance(value, list):
            self.model.append(value)
            rows = self.model.rowCount()
            self.total_label.setText(
                ngettext("Checked {n} row…", "Checked {n} rows…", rows).format(n=format_number(rows))
            )

    def _done(self, _result: object) -> None:
        self._token = None
        self._update_queue_button()
        self.preview_finished.emit()

    def _failed(self, error: Exception) -> None:
        self._token = None
        self._show_refusal(str(error))
        self.preview_finished.emit()

    def _show_refusal(self, sentence: str) -> None:
        self.total_label.setText(f"<span style='color:{theme.css_colour('error')}'>{sentence}</span>")
        self.total_label.setTextFormat(Qt.TextFormat.RichText)

    # -- queue -----------------------------------------------------------------------------------------
    def _update_queue_button(self) -> None:
        rows = self.model.rows()
        valid = [row for row in rows if row.valid]
        videos = sum(len(row.requests) for row in valid)
        estimate = cost.total(row.estimate for row in valid if row.estimate is not None)
        bad = len(rows) - len(valid)
        words = _("{valid} of {total}, {videos}, estimated {cost}").format(
            valid=ngettext("{n} valid row", "{n} valid rows", len(valid)).format(n=format_number(len(valid))),
            total=format_number(len(rows)),
            videos=ngettext("{n} video", "{n} videos", videos).format(n=format_number(videos)),
            cost=estimate.text(),
        )
        if bad:
            problems = ngettext("{n} row", "{n} rows", bad).format(n=format_number(bad))
            words = _("{summary}; {rows} with problems (see Verdict)").format(summary=words, rows=problems)
        self.total_label.setTextFormat(Qt.TextFormat.PlainText)
        self.total_label.setText(words)
        allowed = self._token is None and bool(valid) and (bad == 0 or self.only_valid.isChecked())
        self.queue_button.setEnabled(allowed)

    def queue(self) -> None:
        rows = self.model.rows()
        if not self.queue_button.isEnabled() or not rows:
            return
        requests = [request for row in rows if row.valid for request in row.requests]
        self.queue_requested.emit(requests, f"batch:{self._batch_id}")
        self._batch_id = new_batch_id()  # a second queue of the same preview is another batch
        self.accept()

    # -- teardown --------------------------------------------------------------------------------------
    def done(self, result: int) -> None:
        self._calls.shutdown()
        super().done(result)

    def closeEvent(self, event) -> None:
        self._calls.shutdown()
        super().closeEvent(event)


def open_batch_dialog(window) -> BatchDialog:
    """From the main window's menu: the dialog over the window's home; queued rows go to its engine thread."""
    from wan_desktop.demo import demo_home

    home = demo_home(window.context.home) if window.context.demo else window.context.home
    dialog = BatchDialog(home, window.settings.region, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def queue(requests: list, project: str) -> None:
        if window.engine is not None:
            window.engine.submit(requests, project=project)

    dialog.queue_requested.connect(queue)
    dialog.open()
    return dialog


def _work(ask: _Ask, context: WorkContext) -> int:
    table = read_source(ask.source, pattern=ask.pattern, recursive=ask.recursive)
    context.report(_Read(preview_notes(table, ask.settings)))
    thumbs: dict[str, Thumb | None] = {}
    chunk: list[PreviewItem] = []
    total = 0
    for row in preview_rows(table, ask.settings):
        context.check()
        chunk.append(PreviewItem(row, make_thumb(row.image, thumbs)))
        if len(chunk) >= CHUNK:
            context.report(chunk)
            total, chunk = total + len(chunk), []
    context.report(chunk)
    return total + len(chunk)
