"""The Spend tab in Chinese: totals, the breakdown, the chart and the budget form have no English left
(tests/zh_walk.py), money is written as the zh_CN locale writes it, and saving the caps is told in Chinese."""

from __future__ import annotations

from datetime import date

from tests import zh_walk
from tests.test_money_qt import seeded
from wan_desktop.core.dashscope.catalog import Currency
from wan_desktop.core.store import open_reader
from wan_desktop.qt.spend_chart import day_chart, money_label_format
from wan_desktop.qt.spend_panel import SpendPanel


def test_the_spend_tab_shows_no_english(qtbot, qt_chinese, tmp_path):
    db = seeded(tmp_path)
    panel = SpendPanel(lambda: open_reader(db), db)
    qtbot.addWidget(panel)
    panel.resize(1200, 800)
    panel.show()
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        panel.refresh()
    assert zh_walk.untranslated(panel) == []
    assert panel.today_label.text() == "US$2.00" and panel.kept_label.text() == "US$2.00"
    assert panel.table.horizontalHeaderItem(1).text() == "花费" and panel.by_combo.currentText() == "模型"
    chart = panel.chart_view.chart()
    assert chart.title() == "每日花费" and panel.chart_view.accessibleName() == "每日花费图表"
    panel.shutdown()


def test_saving_the_caps_is_worded_in_chinese(qtbot, qt_chinese, tmp_path):
    db = seeded(tmp_path)
    panel = SpendPanel(lambda: open_reader(db), db)
    qtbot.addWidget(panel)
    panel.currency_combo.setCurrentIndex(panel.currency_combo.findData(Currency.USD))
    panel.daily_edit.setText("3")
    panel.save_budget()
    qtbot.waitUntil(lambda: panel.budget_status.text() != "正在保存…", timeout=10000)
    assert panel.budget_status.text() == "已保存。正在重新检查因预算暂停的任务。"
    assert panel.daily_edit.placeholderText() == "无上限"
    panel.shutdown()


def test_the_chart_names_days_and_money_as_the_locale_does(qtbot, qt_chinese):
    from tests.test_money_qt import entry

    days = [date(2026, 11, 1), date(2026, 11, 2)]
    view = day_chart([entry("a", "2026-11-02", 0.5)], days)
    qtbot.addWidget(view)
    axis_x, axis_y = view.chart().axes()
    assert axis_x.categories() == ["1", "2"]  # no "01": the day of the month as CLDR writes it
    assert axis_y.labelFormat() == "US$%.2f" and money_label_format(["CNY"]) == "¥%.2f"
    assert money_label_format(["CNY", "USD"]) == "%.2f"  # two currencies: the legend names them
