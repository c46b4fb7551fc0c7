"""The queue panel: every job with its picture, prompt, options, state in words, times and progress,
and the actions that make sense for its state. The panel only emits requests; the engine acts on them."""

from __future__ import annotations

import re
from enum import Enum

from PySide6.QtCore import QModelIndex, QPoint, QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core import jobs as rules
from wan_desktop.core.dashscope.catalog import find_model, region_words
from wan_desktop.core.i18n import _, format_percent, pgettext
from wan_desktop.core.jobs import Job, JobAction, JobState

from . import theme
from .queue_model import JobQueueModel, JobRole, duration_text, options_text, prompt_snippet


class QueueAction(str, Enum):
    """What the queue panel offers: the core's job actions in its own words, and ways to look at a job."""

    CANCEL = "cancel"
    RETRY = "retry"
    REMOVE = "remove"
    OPEN_VIDEO = "open_video"
    SHOW_FOLDER = "show_folder"
    ERROR_DETAILS = "error_details"
    SEARCH = "search"  # submit_uncertain: look the task up in the service's task list
    RESUBMIT = "resubmit"  # submit_uncertain: send again (may charge twice)
    DROP = "drop"  # submit_uncertain: give up on it


def action_label(action: QueueAction) -> str:
    """The action's button and menu text, with its Alt+letter."""
    return {
        QueueAction.CANCEL: _("&Cancel"),
        QueueAction.RETRY: _("&Retry"),
        QueueAction.REMOVE: _("Remo&ve"),
        QueueAction.OPEN_VIDEO: _("&Open video"),
        QueueAction.SHOW_FOLDER: _("Show in &folder"),
        QueueAction.ERROR_DETAILS: _("Error &details…"),
        QueueAction.SEARCH: _("&Look it up on the service"),
        QueueAction.RESUBMIT: _("Send a&gain…"),
        QueueAction.DROP: _("Forget i&t"),
    }[action]


def action_description(action: QueueAction) -> str:
    return {
        QueueAction.CANCEL: _("Cancel this job (the service only cancels tasks that have not started)"),
        QueueAction.RETRY: _("Make a fresh attempt from the same inputs"),
        QueueAction.REMOVE: _("Remove this job from the queue (the video file stays in the library)"),
        QueueAction.OPEN_VIDEO: _("Play the finished video"),
        QueueAction.SHOW_FOLDER: _("Show the video in the file manager"),
        QueueAction.ERROR_DETAILS: _("Show the service's error code, message and request ids"),
        QueueAction.SEARCH: _("Check the service's task list for this job before deciding"),
        QueueAction.RESUBMIT: _("Send the request again; if the first one arrived you pay twice"),
        QueueAction.DROP: _("Give up on this job without sending it again"),
    }[action]


_MNEMONIC_IN_BRACKETS = re.compile(r"\(&\w\)")  # Chinese labels put the Alt+letter after the words: "取消(&C)"


def spoken_label(label: str) -> str:
    """A button's text as a screen reader should say it: no Alt+letter marks, no trailing ellipsis."""
    return _MNEMONIC_IN_BRACKETS.sub("", label).replace("&", "").rstrip("…").strip()


_UNCERTAIN = (QueueAction.SEARCH, QueueAction.RESUBMIT, QueueAction.DROP)
_FROM_RULES = {
    JobAction.CANCEL: QueueAction.CANCEL,
    JobAction.RETRY: QueueAction.RETRY,
    JobAction.REMOVE: QueueAction.REMOVE,
}


def available_actions(job: Job) -> frozenset[QueueAction]:
    """What may be done with ``job`` now (the core's rulebook decides); everything else is shown disabled."""
    allowed = rules.allowed_actions(job)
    actions = {action for rule, action in _FROM_RULES.items() if rule in allowed}
    if JobAction.DECIDE in allowed:
        actions.update(_UNCERTAIN)
    # Not rules about the job's state: a file to show, or an error to explain.
    if job.state is JobState.DONE and job.video_path:
        actions.update({QueueAction.OPEN_VIDEO, QueueAction.SHOW_FOLDER})
    if job.error_code or job.error_message or job.error_detail:
        actions.add(QueueAction.ERROR_DETAILS)
    return frozenset(actions)


def error_details_text(job: Job) -> str:
    """Everything support would ask for, one field a line, so it can be copied whole."""
    spec = find_model(job.request.model)
    region = region_words(job.region)
    none = _("(none)")
    model = f"{spec.label} ({job.request.model})" if spec else job.request.model
    lines = [
        job.error_message or _("The job failed."),
        _("Service code: {code}").format(code=job.error_code or none),
        _("Service message: {message}").format(message=job.error_detail or none),
        _("Task id: {task}").format(task=job.task_id or _("(not created)")),
        _("Request ids: {ids}").format(ids=", ".join(job.request_ids) if job.request_ids else none),
        _("Model: {model}").format(model=model),
        _("Region: {region}").format(region=region),
        _("Job id: {job}").format(job=job.id),
    ]
    return "\n".join(lines)


class ErrorDetailsDialog(QDialog):
    def __init__(self, job: Job, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Error details"))
        self.setAccessibleName(_("Error details"))
        self.text = QPlainTextEdit(error_details_text(job))
        self.text.setReadOnly(True)
        self.text.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        theme.name(self.text, _("Error details text"), _("The service's code, message and request ids; select to copy"))
        self.copy_button = QPushButton(_("&Copy"))
        theme.name(self.copy_button, _("Copy error details"), _("Copy all details to the clipboard"))
        self.copy_button.clicked.connect(self.copy)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for button in buttons.buttons():
            theme.name(button, _("Close"))
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Send these details to support if the problem persists:")))
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.resize(520, 280)

    @Slot()
    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.text.toPlainText())


class JobDelegate(QStyledItemDelegate):
    """Thumbnail on the left; prompt, options, state with times, and a progress bar on the right."""

    PAD = 6

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        line = QFontMetrics(option.font).lineSpacing()
        thumb = index.data(Qt.ItemDataRole.DecorationRole)
        thumb_h = thumb.height() if thumb is not None else 64
        return QSize(320, max(thumb_h, 4 * line + 6) + 2 * self.PAD)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        job: Job | None = index.data(JobRole.JOB)
        if job is None:
            return super().paint(painter, option, index)
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, option.widget)
        painter.save()
        rect = option.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        thumb_w = 0
        if pixmap is not None and not pixmap.isNull():
            thumb_w = 96
            target = QRect(rect.left(), rect.top(), thumb_w, rect.height())
            scaled = pixmap.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawPixmap(QRect(target.topLeft(), scaled), pixmap)
        text_rect = rect.adjusted(thumb_w + self.PAD, 0, 0, 0)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        palette_role = option.palette.ColorRole.HighlightedText if selected else option.palette.ColorRole.Text
        painter.setPen(option.palette.color(palette_role))
        line = QFontMetrics(option.font).lineSpacing()
        bold = QFont(option.font)  # a copy: the option's font is shared with the view
        bold.setBold(True)
        painter.setFont(bold)
        row = QRect(text_rect.left(), text_rect.top(), text_rect.width(), line)
        _draw_line(painter, row, bold, prompt_snippet(job))
        bold.setBold(False)
        painter.setFont(bold)
        row.translate(0, line)
        _draw_line(painter, row, bold, options_text(job))
        row.translate(0, line)
        if job.state in (JobState.FAILED, JobState.EXPIRED, JobState.SUBMIT_UNCERTAIN) and not selected:
            painter.setPen(theme.colours().error)
        _draw_line(painter, row, bold, status_line(index))
        row.translate(0, line)
        progress = index.data(JobRole.PROGRESS)
        if progress is not None:
            bar = QStyleOptionProgressBar()
            bar.rect = QRect(row.left(), row.top() + 2, min(row.width(), 240), line - 4)
            bar.minimum, bar.maximum, bar.progress = 0, 1000, int(progress * 1000)
            bar.textVisible = False
            style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
        painter.restore()


def _draw_line(painter: QPainter, row: QRect, font, text: str) -> None:
    elided = QFontMetrics(font).elidedText(text, Qt.TextElideMode.ElideRight, row.width())
    painter.drawText(row, Qt.AlignmentFlag.AlignLeft, elided)


def status_line(index: QModelIndex) -> str:
    """ "Generating · 1 min 10 s so far · about 2 min 30 s left · service keeps it 23 h 58 min"."""
    parts = [index.data(JobRole.STATE_LABEL)]
    job: Job = index.data(JobRole.JOB)
    if job.error_message and job.state in (JobState.FAILED, JobState.EXPIRED, JobState.SUBMIT_UNCERTAIN):
        parts[0] = _("{state}: {problem}").format(state=parts[0], problem=job.error_message)
    elapsed = index.data(JobRole.ELAPSED)
    if elapsed is not None:
        took = _("took {duration}") if job.state.is_final else _("{duration} so far")
        parts.append(took.format(duration=duration_text(elapsed)))
    eta = index.data(JobRole.ETA)
    if eta is not None:
        parts.append(_("about {duration} left").format(duration=duration_text(eta)))
    progress = index.data(JobRole.PROGRESS)
    if progress is not None:
        parts.append(_("{percent} downloaded").format(percent=format_percent(progress)))
    expires = index.data(JobRole.EXPIRES_IN)
    if expires is not None:
        parts.append(_("the service keeps it {duration} more").format(duration=duration_text(expires)))
    return " · ".join(p for p in parts if p)


class QueuePanel(QWidget):
    cancel_requested = Signal(str)
    retry_requested = Signal(str)
    remove_requested = Signal(str)
    open_video_requested = Signal(str)
    show_folder_requested = Signal(str)
    uncertain_decision = Signal(str, str)  # job id, "search" | "resubmit" | "drop"
    pause_toggled = Signal(bool)  # True: paused

    def __init__(self, model: JobQueueModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.error_dialog: ErrorDetailsDialog | None = None
        self.confirm_box: QMessageBox | None = None
        self.view = QListView()
        self.view.setModel(model)
        self.view.setItemDelegate(JobDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setUniformItemSizes(False)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._show_menu)
        theme.name(self.view, _("Job queue"), _("Every video job with its state; right-click for actions"))

        self.buttons: dict[QueueAction, QPushButton] = {}
        # a grid, not a row: a row of every action made the window wider than a 1366-pixel screen
        actions_row = QGridLayout()
        for number, action in enumerate(QueueAction):
            label, description = action_label(action), action_description(action)
            button = QPushButton(label)
            theme.name(button, spoken_label(label), description)
            button.setToolTip(description)
            button.clicked.connect(lambda _checked=False, a=action: self.trigger_current(a))
            self.buttons[action] = button
            actions_row.addWidget(button, number // 4, number % 4)

        self.pause_button = QPushButton(_("&Pause queue"))
        self.pause_button.setCheckable(True)
        pause_words = _("Stop sending new jobs; jobs already on the service continue")
        theme.name(self.pause_button, _("Pause queue"), pause_words)
        self.pause_button.toggled.connect(self._pause_toggled)
        self.empty_label = QLabel(_("No jobs yet. Drop an image on the composer and press Generate."))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)

        top = QHBoxLayout()
        title = QLabel(pgettext("the queue panel's title", "&Queue"))  # not the batch dialog's "&Queue" button
        title.setBuddy(self.view)
        top.addWidget(title)
        top.addStretch(1)
        top.addWidget(self.pause_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions_row)

        for changed in (self.view.selectionModel().currentChanged, model.dataChanged, model.rowsInserted):
            changed.connect(lambda *_: self._update_buttons())
        for changed in (model.rowsRemoved, model.modelReset):
            changed.connect(lambda *_: self._update_buttons())
        # Only while the list has focus: Delete in the prompt editor must not remove a job.
        remove_key = QShortcut(QKeySequence.StandardKey.Delete, self.view, context=Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(lambda: self.trigger_current(QueueAction.REMOVE))

        # Elapsed time, ETA and the 24 h countdown move on their own; repaint them once a second.
        self._ticker = QTimer(self, interval=1000)
        self._ticker.timeout.connect(model.tick)
        self._ticker.start()
        self._update_buttons()

    # -- selection and enabling --------------------------------------------------------------------
    def current_job(self) -> Job | None:
        return self.model.job_at(self.view.currentIndex())

    def select(self, job_id: str) -> None:
        self.view.setCurrentIndex(self.model.index_of(job_id))

    def _update_buttons(self) -> None:
        job = self.current_job()
        allowed = available_actions(job) if job else frozenset()
        for action, button in self.buttons.items():
            button.setEnabled(action in allowed)
            if action in _UNCERTAIN:
                button.setVisible(action in allowed)  # three extra buttons only when a decision is needed
        empty = self.model.rowCount() == 0
        self.empty_label.setVisible(empty)

    # -- actions -----------------------------------------------------------------------------------
    def trigger_current(self, action: QueueAction) -> None:
        job = self.current_job()
        if job is not None:
            self.trigger(action, job.id)

    def trigger(self, action: QueueAction, job_id: str) -> None:
        """Emit the request for ``action`` on the job, if its current state allows it."""
        job = self.model.job(job_id)
        if job is None or action not in available_actions(job):
            return
        if action is QueueAction.CANCEL:
            self.cancel_requested.emit(job_id)
        elif action is QueueAction.RETRY:
            self.retry_requested.emit(job_id)
        elif action is QueueAction.REMOVE:
            self.remove_requested.emit(job_id)
        elif action is QueueAction.OPEN_VIDEO:
            self.open_video_requested.emit(job_id)
        elif action is QueueAction.SHOW_FOLDER:
            self.show_folder_requested.emit(job_id)
        elif action is QueueAction.ERROR_DETAILS:
            self.show_error_details(job)
        elif action is QueueAction.RESUBMIT:
            self.confirm_resubmit(job)
        else:
            self.uncertain_decision.emit(job_id, action.value)

    def show_error_details(self, job: Job) -> ErrorDetailsDialog:
        if self.error_dialog is not None:
            self.error_dialog.close()
        self.error_dialog = ErrorDetailsDialog(job, self)
        self.error_dialog.open()  # window-modal, non-blocking
        return self.error_dialog

    def confirm_resubmit(self, job: Job) -> QMessageBox:
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            _("Send the job again?"),
            _(
                "It is not known whether the service received this job. If it did, sending it again "
                "makes a second video and you may be charged twice.\n\n"
                "Use “{look_up}” first if you are unsure."
            ).format(look_up=spoken_label(action_label(QueueAction.SEARCH))),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText(_("Send again"))
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)  # the safe choice is the default
        box.setAccessibleName(_("Confirm sending again"))
        box.finished.connect(lambda result, jid=job.id: self._resubmit_answered(jid, result))
        self.confirm_box = box
        box.open()
        return box

    def _resubmit_answered(self, job_id: str, result: int) -> None:
        self.confirm_box = None
        if result == QMessageBox.StandardButton.Yes:
            self.uncertain_decision.emit(job_id, QueueAction.RESUBMIT.value)

    def build_menu(self, job: Job) -> QMenu:
        menu = QMenu(self)
        allowed = available_actions(job)
        for action in QueueAction:
            if action in _UNCERTAIN and action not in allowed:
                continue
            item = menu.addAction(action_label(action))
            item.setData(action.value)
            item.setEnabled(action in allowed)
            item.triggered.connect(lambda _checked=False, a=action, jid=job.id: self.trigger(a, jid))
        return menu

    @Slot(QPoint)
    def _show_menu(self, pos: QPoint) -> None:
        job = self.model.job_at(self.view.indexAt(pos))
        if job is None:
            return
        self.select(job.id)
        menu = self.build_menu(job)
        menu.exec(self.view.viewport().mapToGlobal(pos))
        menu.deleteLater()

    @Slot(bool)
    def _pause_toggled(self, paused: bool) -> None:
        self.pause_button.setText(_("&Resume queue") if paused else _("&Pause queue"))
        theme.name(self.pause_button, _("Resume queue") if paused else _("Pause queue"))
        self.pause_toggled.emit(paused)

    def set_paused(self, paused: bool) -> None:
        """Reflect the engine's state without echoing a request back."""
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.blockSignals(False)
        self.pause_button.setText(_("&Resume queue") if paused else _("&Pause queue"))

    def shutdown(self) -> None:
        self._ticker.stop()
        self.model.shutdown()

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)
