"""The whole window in Simplified Chinese: every tab of the main window (with finished videos in the queue
and the library), its menus and tray menu, Settings and the batch dialog show no English beyond the
allowlist in tests/zh_walk.py (model names, codes, units)."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMenu, QTabWidget

from tests.engine_helpers import make_image
from tests.test_qt_main_window import open_window, queue_images, settings_for
from tests.zh_walk import untranslated
from wan_desktop.core.jobs import JobState
from wan_desktop.qt.batch_dialog import BatchDialog
from wan_desktop.qt.settings_dialog import SettingsDialog


def _menu_problems(menu: QMenu, where: str) -> list[str]:
    problems = []
    for action in menu.actions():
        if action.text() and untranslated_text(action.text()):
            problems.append(f"{where}: {action.text()!r}")
        if action.menu() is not None:
            problems += _menu_problems(action.menu(), where + " > " + action.text())
    return problems


def untranslated_text(text: str) -> bool:
    from tests.zh_walk import english_left

    return bool(english_left(text))


def test_every_window_and_dialog_in_chinese(qtbot, qt_chinese, tmp_path):
    window = open_window(qtbot, tmp_path / "home", settings_for(tmp_path), demo=True)
    try:
        with qtbot.waitSignal(window.engine_ready, timeout=20000):
            pass
        images = [make_image(tmp_path / f"{name}.png", size=(640, 480)) for name in ("sun", "moon")]
        # typed as an input method commits it (QTest.keyClicks can only press keys of a Latin keyboard)
        window.composer.prompt_edit.setPlainText("山后的日落很美")
        queue_images(qtbot, window, images, "")
        qtbot.waitUntil(lambda: sum(job.state is JobState.DONE for job in window.jobs()) == 2, timeout=60000)
        problems: list[str] = []
        tabs = window.findChild(QTabWidget)
        assert tabs is not None
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            qtbot.waitUntil(lambda i=index: tabs.currentIndex() == i and tabs.currentWidget().isVisible())
            QApplication.processEvents()
            problems += [f"tab {tabs.tabText(index)!r}: {p}" for p in untranslated(window)]
        for action in window.menuBar().actions():
            if action.menu() is not None:
                problems += _menu_problems(action.menu(), action.text())
        if window.tray is not None and window.tray.contextMenu() is not None:
            problems += _menu_problems(window.tray.contextMenu(), "tray")

        settings = SettingsDialog(settings_for(tmp_path), window.context.vault, parent=window)
        qtbot.addWidget(settings)
        settings.show()
        problems += [f"Settings: {p}" for p in untranslated(settings)]
        settings.close()

        batch = BatchDialog(tmp_path / "home", settings_for(tmp_path).region, parent=window)
        qtbot.addWidget(batch)
        batch.show()
        problems += [f"Batch: {p}" for p in untranslated(batch)]
        batch.close()
        assert problems == [], "\n".join(problems)
    finally:
        window.quit()
