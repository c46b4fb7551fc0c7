"""The Spend tab offscreen: it reads the ledger off the GUI thread, shows today's, this month's and the range's
totals and the cost per kept clip, draws the day chart (QtCharts), exports CSV, and saves caps (refusing
nonsense with a sentence). The Library's keep/reject marks go through the rulebook."""

from __future__ import annotations

import csv
import sys
from dataclasses import replace
from datetime import UTC, date, datetime

from PySide6.QtWidgets import QLabel

from wan_desktop.core import money_store
from wan_desktop.core.dashscope.catalog import Currency
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.ledger import LedgerEntry
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore, open_reader
from wan_desktop.qt.background import BackgroundCalls
from wan_desktop.qt.library_edits import HistoryEdits, LibraryWriter
from wan_desktop.qt.spend_panel import SpendPanel

T0 = datetime(2026, 11, 26, tzinfo=UTC)


def entry(job_id: str, day: str, amount: float, charged: bool = True) -> LedgerEntry:
    reason = "charged" if charged else "failed: the service bills only videos it made"
    return LedgerEntry(
        job_id,
        "t",
        day,
        "done",
        "wan2.6-i2v",
        "ap-southeast-1",
        "720P",
        "USD",
        "2024-01-01",
        0.1,
        None,
        5.0,
        0.0,
        amount if charged else 0.0,
        amount if charged else 0.0,
        charged,
        reason,
        None,
    )


def done_job(job_id: str, kept: bool | None) -> Job:
    request = GenerationRequest(model="wan2.6-i2v", resolution="720P", duration=5)
    return Job(job_id, request, JobState.DONE, T0, T0, "ap-southeast-1", kept=kept)


def seeded(tmp_path):
    db = tmp_path / "jobs.sqlite3"
    today = date.today().isoformat()
    with JobStore(db) as store:
        for job in (done_job("a", True), done_job("b", False)):
            store.save(job)
        with store.transaction() as conn:
            money_store.write_entry(conn, entry("a", today, 0.5))
            money_store.write_entry(conn, entry("b", today, 1.5))
            money_store.write_entry(conn, entry("c", today, 0.0, charged=False))
    return db


def test_the_spend_tab_shows_totals_chart_and_cost_per_kept_clip(qtbot, tmp_path):
    db = seeded(tmp_path)
    panel = SpendPanel(lambda: open_reader(db), db)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.refresh()
    assert panel.today_label.text() == "US$2.00" and panel.month_label.text() == "US$2.00"
    assert panel.kept_label.text() == "US$2.00"  # two dollars spent, one clip kept
    cells = [panel.table.item(0, column) for column in range(panel.table.columnCount())]
    assert panel.table.rowCount() == 1 and [cell.text() if cell else "" for cell in cells][1] == "US$2.00"
    assert cells[4] is not None and cells[4].text() == "1"  # the failed one, free
    assert panel.chart_view is not None and panel.chart_view.chart().series()
    out = tmp_path / "spend.csv"
    with qtbot.waitSignal(panel.notice, timeout=10000):
        panel.export_to(out)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][0] == "job_id" and len(rows) == 4
    panel.shutdown()


def test_without_qt_charts_the_spend_tab_says_so_and_still_shows_the_totals(qtbot, tmp_path, monkeypatch):
    # a bundle that left QtCharts out crashed here with ModuleNotFoundError (issue 14's spec excluded it)
    monkeypatch.setitem(sys.modules, "PySide6.QtCharts", None)  # `import` now raises ImportError
    monkeypatch.delitem(sys.modules, "wan_desktop.qt.spend_chart", raising=False)
    db = seeded(tmp_path)
    panel = SpendPanel(lambda: open_reader(db), db)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.refresh()
    assert panel.today_label.text() == "US$2.00"
    assert "QtCharts" in panel.chart_unavailable
    assert isinstance(panel.chart_view, QLabel) and panel.chart_view.text().startswith("The chart cannot be drawn")
    panel.shutdown()


def test_caps_are_refused_with_a_sentence_and_saved_off_the_gui_thread(qtbot, tmp_path):
    db = seeded(tmp_path)
    panel = SpendPanel(lambda: open_reader(db), db)
    qtbot.addWidget(panel)
    panel.currency_combo.setCurrentIndex(panel.currency_combo.findData(Currency.USD))
    panel.daily_edit.setText("-4")
    panel.save_budget()
    assert panel.budget_status.text().startswith("The daily cap must be more than zero")
    panel.daily_edit.setText("3")
    panel.monthly_edit.setText("30")
    panel.save_budget()
    qtbot.waitUntil(lambda: panel.budget_status.text() != "Saving…", timeout=10000)
    assert panel.budget_status.text() == "Saved. Held jobs are checked again now."
    with open_reader(db) as reader:
        (budget,) = money_store.read_budgets(reader.history_rows)
    assert (budget.daily, budget.monthly, budget.confirm_over) == (3.0, 30.0, None)
    panel.shutdown()


def test_keep_and_reject_marks_follow_the_rulebook(qtbot, tmp_path):
    asked, errors = [], []
    writer = LibraryWriter(
        set_favourite=lambda *a: None,
        forget=lambda *a: None,
        import_jobs=lambda *a: None,
        set_kept=lambda job_id, kept: asked.append((job_id, kept)),
    )
    edits = HistoryEdits(
        BackgroundCalls(), writer, lambda name: errors.append, lambda job: True, lambda: Library(tmp_path)
    )
    edits.toggle_kept(done_job("a", None), True)
    edits.toggle_kept(done_job("a", True), True)  # the same mark again takes it off
    edits.toggle_kept(done_job("a", True), False)
    edits.toggle_kept(replace(done_job("r", None), state=JobState.RUNNING), True)
    assert asked == [("a", True), ("a", None), ("a", False)]
    assert len(errors) == 1 and "Only a finished video can be kept" in str(errors[0])


def test_a_batch_over_the_confirm_amount_is_asked_about_first(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from wan_desktop.core import spend
    from wan_desktop.core.budget import Budget
    from wan_desktop.core.dashscope.catalog import Region

    db = seeded(tmp_path)
    panel = SpendPanel(lambda: open_reader(db), db)
    qtbot.addWidget(panel)
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *args: asked.append(args[2]) or QMessageBox.StandardButton.No)
    requests = [GenerationRequest(model="wan2.6-i2v", resolution="720P", duration=5)] * 3  # US$1.50
    assert panel.confirm_batch(requests, Region.SINGAPORE)  # no threshold: nothing asked
    panel.data = spend.SpendData((), {}, (Budget(Currency.USD, confirm_over=1.0),))
    assert not panel.confirm_batch(requests, Region.SINGAPORE)
    assert asked == ["This batch costs up to US$1.50, over your US$1.00. Send it?"]
    assert panel.confirm_batch(requests[:1], Region.SINGAPORE)
