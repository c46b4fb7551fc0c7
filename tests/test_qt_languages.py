"""The window's side of the language: Qt's own words, its locale, and a font that has Chinese."""

from __future__ import annotations

from PySide6.QtCore import QDate, QLocale
from PySide6.QtWidgets import QDialogButtonBox

from wan_desktop.qt.languages import has_chinese_font, language_problems


def test_qt_own_buttons_and_dates_follow_the_language(qtbot, qt_chinese):
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    words = {button.text().replace("&", "") for button in box.buttons()}
    assert words == {"确定", "取消"}, words
    assert QLocale().toString(QDate(2026, 11, 2), QLocale.FormatType.ShortFormat) == "2026/11/2"
    assert has_chinese_font()


def test_english_again_after_chinese(qtbot, qapp):
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.buttons()[0].text().replace("&", "") == "Cancel"


def test_nothing_the_languages_need_is_missing(qapp):
    assert language_problems() == []
