"""The Spend tab's bar chart: what was charged each day of the chosen range, one bar set per currency
(QtCharts, from PySide6-Addons; imported only when the Spend tab first draws)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter

from wan_desktop.core.ledger import LedgerEntry


def per_day(entries: Iterable[LedgerEntry], days: Sequence[date]) -> dict[str, list[float]]:
    """Charged amount per currency for each of ``days``."""
    index = {day.isoformat(): n for n, day in enumerate(days)}
    amounts: dict[str, list[float]] = {}
    for entry in entries:
        slot = index.get(entry.day)
        if slot is None or not entry.charged or not entry.amount:
            continue
        amounts.setdefault(entry.currency, [0.0] * len(days))[slot] += entry.amount
    return amounts


def day_chart(entries: Iterable[LedgerEntry], days: Sequence[date]) -> QChartView:
    series = QBarSeries()
    amounts = per_day(entries, days)
    for currency, values in sorted(amounts.items()):
        bars = QBarSet(currency)
        bars.append(values)
        series.append(bars)
    chart = QChart()
    chart.addSeries(series)
    chart.setTitle("Spent per day")
    chart.legend().setVisible(len(amounts) > 1)
    axis_x = QBarCategoryAxis()
    axis_x.append([day.strftime("%d") for day in days])
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    axis_y = QValueAxis()
    axis_y.setRange(0.0, max((max(v) for v in amounts.values()), default=0.0) * 1.1 or 1.0)
    axis_y.setLabelFormat("%.2f")
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setAccessibleName("Spent per day chart")
    view.setMinimumHeight(220)
    return view
