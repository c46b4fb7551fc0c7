"""The Spend tab's bar chart: what was charged each day of the chosen range, one bar set per currency
(QtCharts, from PySide6-Addons; imported only when the Spend tab first draws)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from PySide6.QtCharts import QBarCategoryAxis, QBarSeries, QBarSet, QChart, QChartView, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter

from wan_desktop.core import i18n
from wan_desktop.core.i18n import _
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


def money_label_format(currencies: Sequence[str]) -> str:
    """The value axis's printf format: the locale's way of writing money ("US$%.2f", "¥%.2f") when the chart has
    one currency; plain amounts when it has several (the legend names them)."""
    if len(currencies) != 1:
        return "%.2f"
    sample, number = i18n.format_money(0, currencies[0]), i18n.format_number(0, 2)
    if number not in sample:
        return "%.2f"
    return sample.replace("%", "%%").replace(number, "%.2f", 1)


def day_chart(entries: Iterable[LedgerEntry], days: Sequence[date]) -> QChartView:
    series = QBarSeries()
    amounts = per_day(entries, days)
    for currency, values in sorted(amounts.items()):
        bars = QBarSet(currency)
        bars.append(values)
        series.append(bars)
    chart = QChart()
    chart.addSeries(series)
    chart.setTitle(_("Spent per day"))
    chart.legend().setVisible(len(amounts) > 1)
    axis_x = QBarCategoryAxis()
    axis_x.append([i18n.format_day_of_month(day) for day in days])
    chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
    series.attachAxis(axis_x)
    axis_y = QValueAxis()
    axis_y.setRange(0.0, max((max(v) for v in amounts.values()), default=0.0) * 1.1 or 1.0)
    axis_y.setLabelFormat(money_label_format(sorted(amounts)))
    chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
    series.attachAxis(axis_y)
    view = QChartView(chart)
    view.setRenderHint(QPainter.RenderHint.Antialiasing)
    view.setAccessibleName(_("Spent per day chart"))
    view.setMinimumHeight(220)
    return view
