"""The Spend tab: totals for today, this month and a chosen range, a breakdown, a bar chart by day, CSV export,
the cost per kept clip, and the budget caps.

The ledger is read and the CSV and caps are written on a background thread (BackgroundCalls); the GUI thread
only groups the entries it was handed (core/spend.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from wan_desktop.core import cost, money_store, spend
from wan_desktop.core.budget import Budget, BudgetError, confirmation_needed, is_budget_notice, parse_cap
from wan_desktop.core.cost import format_money
from wan_desktop.core.dashscope.catalog import Currency
from wan_desktop.core.i18n import _, format_number, format_seconds_value
from wan_desktop.core.store import JobReader

from .background import BackgroundCalls


def breakdowns() -> tuple[tuple[str, str], ...]:
    """What the table groups by: (spend.group's key, words)."""
    return (
        ("model", _("Model")),
        ("resolution", _("Resolution")),
        ("project", _("Storyboard or batch")),
        ("region", _("Region")),
    )


def columns() -> tuple[str, ...]:
    return ("", _("Spent"), _("Videos"), _("Seconds"), _("Free"), _("No price"))


def _day(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _money(amounts: dict[str, float]) -> str:
    if not amounts:
        return _("nothing")
    return ", ".join(format_money(value, Currency(cur)) for cur, value in sorted(amounts.items()))


class SpendPanel(QWidget):
    """``open_reader`` opens the history read only; ``db_path`` is where the budgets are written."""

    notice = Signal(str)
    budget_notice = Signal(str)  # an engine notice about a cap (80 % or 100 %), for the tray
    loaded = Signal()

    def __init__(self, open_reader: Callable[[], JobReader], db_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._open_reader = open_reader
        self._db_path = db_path
        self._calls = BackgroundCalls(self)
        self.data = spend.SpendData((), {}, ())
        self.chart_view = None
        self.chart_unavailable = ""  # why the chart is not drawn (an import error), "" while it is
        self._refresh_timer = QTimer(self, singleShot=True, interval=500)
        self._refresh_timer.timeout.connect(self.refresh)
        self._build()

    # -- building -------------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.addWidget(self._totals_box())
        layout.addLayout(self._range_row())
        self.table = QTableWidget(0, len(columns()))
        self.table.setHorizontalHeaderLabels(list(columns()))
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName(_("Spend breakdown"))
        self.chart_host = QVBoxLayout()
        body = QHBoxLayout()
        body.addWidget(self.table, 2)
        body.addLayout(self.chart_host, 3)
        layout.addLayout(body, 1)
        layout.addWidget(self._budget_box())

    def _totals_box(self) -> QGroupBox:
        box = QGroupBox(_("Spent"))
        grid = QGridLayout(box)
        self.today_label, self.month_label, self.range_label, self.kept_label = (QLabel() for _label in range(4))
        for row, (name, label) in enumerate(
            (
                (_("Today"), self.today_label),
                (_("This month"), self.month_label),
                (_("Chosen range"), self.range_label),
                (_("Per kept clip"), self.kept_label),
            )
        ):
            grid.addWidget(QLabel(name), row // 2, (row % 2) * 2)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(label, row // 2, (row % 2) * 2 + 1)
        return box

    def _range_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        today = QDate.currentDate()
        self.since_edit = QDateEdit(QDate(today.year(), today.month(), 1))
        self.until_edit = QDateEdit(today)
        for edit in (self.since_edit, self.until_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.dateChanged.connect(lambda _d: self._show())
        self.by_combo = QComboBox()
        for key, text in breakdowns():
            self.by_combo.addItem(text, key)
        self.by_combo.currentIndexChanged.connect(lambda _i: self._show())
        self.export_button = QPushButton(_("Export CSV…"))
        self.export_button.clicked.connect(self._export_dialog)
        refresh = QPushButton(_("Refresh"))
        refresh.clicked.connect(self.refresh)
        for widget in (QLabel(_("From")), self.since_edit, QLabel(_("to")), self.until_edit, QLabel(_("by"))):
            row.addWidget(widget)
        row.addWidget(self.by_combo)
        row.addStretch(1)
        row.addWidget(refresh)
        row.addWidget(self.export_button)
        return row

    def _budget_box(self) -> QGroupBox:
        box = QGroupBox(_("Budget (jobs that would pass a cap wait, held by budget)"))
        form = QFormLayout(box)
        self.currency_combo = QComboBox()
        for currency in Currency:
            self.currency_combo.addItem(currency.value, currency)
        self.currency_combo.currentIndexChanged.connect(lambda _i: self._show_budget())
        self.daily_edit, self.monthly_edit, self.confirm_edit = (QLineEdit() for _edit in range(3))
        for edit in (self.daily_edit, self.monthly_edit, self.confirm_edit):
            edit.setPlaceholderText(_("no cap"))
        self.save_budget_button = QPushButton(_("Save caps"))
        self.save_budget_button.clicked.connect(self.save_budget)
        self.budget_status = QLabel()
        self.budget_status.setWordWrap(True)
        form.addRow(_("Currency"), self.currency_combo)
        form.addRow(_("Daily cap"), self.daily_edit)
        form.addRow(_("Monthly cap"), self.monthly_edit)
        form.addRow(_("Confirm batches over"), self.confirm_edit)
        form.addRow(self.save_budget_button, self.budget_status)
        return box

    # -- reading (off the GUI thread) -----------------------------------------------------------------
    def refresh(self) -> None:
        def read() -> spend.SpendData:
            with self._open_reader() as reader:
                return spend.load(reader)

        self._calls.run(
            read,
            self._loaded,
            lambda error: self.notice.emit(_("The spend could not be read: {error}").format(error=error)),
        )

    def _loaded(self, data: spend.SpendData) -> None:
        self.data = data
        current = Currency(self.currency_combo.currentData())
        if data.budgets and all(b.currency is not current for b in data.budgets):
            self.currency_combo.setCurrentIndex(self.currency_combo.findData(data.budgets[0].currency))
        self._show()
        self._show_budget()
        self.loaded.emit()

    # -- showing --------------------------------------------------------------------------------------
    def chosen_range(self) -> tuple[date, date]:
        since, until = _day(self.since_edit.date()), _day(self.until_edit.date())
        return (since, until) if since <= until else (until, since)

    def _show(self) -> None:
        entries = self.data.entries
        today = date.today()
        since, until = self.chosen_range()
        chosen = spend.in_range(entries, since, until)
        self.today_label.setText(_money(spend.totals(entries, today, today)))
        self.month_label.setText(_money(spend.totals(entries, today.replace(day=1))))
        self.range_label.setText(_money(spend.totals(chosen, since, until)))
        per_kept = spend.cost_per_kept(chosen, self.data.kept)
        parts = [
            format_money(value, Currency(cur))
            if value is not None
            else _("{currency}: no kept clips yet").format(currency=cur)
            for cur, value in sorted(per_kept.items())
        ]
        self.kept_label.setText(_(", ").join(parts) or _("nothing spent"))
        self._fill_table(spend.group(chosen, self.by_combo.currentData()))
        self._draw_chart(chosen, since, until)

    def _fill_table(self, rows: list[spend.SpendRow]) -> None:
        self.table.setRowCount(len(rows))
        for index, row in enumerate(rows):
            cells = (
                row.key,
                format_money(row.amount, Currency(row.currency)),
                format_number(row.videos),
                format_seconds_value(row.seconds),
                format_number(row.free),
                format_number(row.unpriced),
            )
            for column, text in enumerate(cells):
                self.table.setItem(index, column, QTableWidgetItem(text))

    def _draw_chart(self, entries: list, since: date, until: date) -> None:
        try:
            from .spend_chart import day_chart  # QtCharts loads on first use, not with the window
        except ImportError as error:  # an installation without PySide6-Addons: the totals still show
            self.chart_unavailable = str(error)
            view: QWidget = QLabel(_("The chart cannot be drawn: Qt Charts is missing ({error}).").format(error=error))
        else:
            days = [since + timedelta(days=n) for n in range(min((until - since).days + 1, 93))]
            view = day_chart(entries, days)
        if self.chart_view is not None:
            self.chart_host.removeWidget(self.chart_view)
            self.chart_view.deleteLater()
        self.chart_view = view
        self.chart_host.addWidget(view)

    def _show_budget(self) -> None:
        currency = Currency(self.currency_combo.currentData())  # Qt hands a str-enum back as its str
        budget = next((b for b in self.data.budgets if b.currency is currency), Budget(currency))
        for edit, value in (
            (self.daily_edit, budget.daily),
            (self.monthly_edit, budget.monthly),
            (self.confirm_edit, budget.confirm_over),
        ):
            edit.setText("" if value is None else f"{value:g}")

    # -- writing (off the GUI thread) -----------------------------------------------------------------
    def save_budget(self) -> None:
        try:
            budget = Budget(
                Currency(self.currency_combo.currentData()),
                parse_cap(self.daily_edit.text(), _("daily cap")),
                parse_cap(self.monthly_edit.text(), _("monthly cap")),
                parse_cap(self.confirm_edit.text(), _("confirm-over amount")),
            )
        except BudgetError as error:
            self.budget_status.setText(str(error))
            return
        self.budget_status.setText(_("Saving…"))
        self._calls.run(
            lambda: money_store.write_budget(self._db_path, budget),
            self._budget_saved,
            lambda error: self.budget_status.setText(_("The caps could not be saved: {error}").format(error=error)),
        )

    def _budget_saved(self, _none: object) -> None:
        self.budget_status.setText(_("Saved. Held jobs are checked again now."))
        self.refresh()

    def _export_dialog(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, _("Export spend"), "spend.csv", _("CSV files (*.csv)"))
        if name:
            self.export_to(Path(name))

    def export_to(self, path: Path) -> None:
        since, until = self.chosen_range()
        text = spend.entries_csv(spend.in_range(self.data.entries, since, until))
        self._calls.run(
            lambda: path.write_text(text, encoding="utf-8"),
            lambda _n: self.notice.emit(_("Spend exported to {path}.").format(path=path)),
            lambda error: self.notice.emit(_("The spend could not be exported: {error}").format(error=error)),
        )

    # -- the engine ---------------------------------------------------------------------------------
    def watch(self, engine) -> None:
        """Follow an EngineThread: cap notices go to the tray, a finished job refreshes a visible tab, and the
        budgets are read once the engine has opened (and migrated) the database."""
        engine.notice.connect(self.engine_notice)
        engine.ready.connect(lambda _jobs: self.refresh())
        engine.job_updated.connect(self._job_updated)

    def engine_notice(self, text: str) -> None:
        if is_budget_notice(text):
            self.budget_notice.emit(text)

    def _job_updated(self, job) -> None:
        if job.state.is_final and self.isVisible() and not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def confirm_batch(self, requests: list, region) -> bool:
        """Ask before sending a batch whose estimate passes the "confirm over" amount (budgets as last read)."""
        batch = cost.total(cost.estimate(request, region) for request in requests)
        budget = next((b for b in self.data.budgets if b.currency is batch.currency), None)
        question = confirmation_needed(budget, batch.amount)
        if question is None:
            return True
        answer = QMessageBox.question(self, _("Send this batch?"), question)
        return answer == QMessageBox.StandardButton.Yes

    def shutdown(self) -> None:
        self._calls.shutdown()


def spend_tab(window) -> SpendPanel:
    """The Spend tab, added to ``window``'s tabs (a MainWindow) and read each time it is shown; cap notices
    also go to the window's tray."""
    from wan_desktop.core.store import open_reader
    from wan_desktop.demo import demo_home

    context, tabs = window.context, window.tabs
    db_path = (demo_home(context.home) if context.demo else context.home) / "jobs.sqlite3"
    panel = SpendPanel(lambda: open_reader(db_path), db_path)
    panel.notice.connect(lambda text: window.statusBar().showMessage(text, 10000))
    panel.budget_notice.connect(lambda text: window.tray and window.tray.showMessage(_("Budget"), text))
    tabs.addTab(panel, _("S&pend"))
    tabs.currentChanged.connect(lambda index: tabs.widget(index) is panel and panel.refresh())
    return panel
