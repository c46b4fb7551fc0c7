"""Shared fixtures: the real simulator over real HTTP, temp folders for everything the app writes,
and a check that no test leaves a thread running."""

from __future__ import annotations

import os
import threading
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The tests read English unless a test asks for Chinese (the `chinese` fixture), whatever this machine's locale;
# the CLI processes they start inherit it.
os.environ["WAN_DESKTOP_LANGUAGE"] = "en"

TEST_KEY = "sk-test-0123456789abcdef"


@pytest.fixture(autouse=True)
def no_leaked_threads():
    """Fail a test that leaves a thread running (threads get a short grace to finish joining)."""
    before = set(threading.enumerate())
    yield
    deadline = time.monotonic() + 5.0
    while True:
        leaked = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
        leaked += [
            t
            for t in threading.enumerate()
            if t not in before and t.is_alive() and t.daemon and t.name.startswith("wan-")
        ]
        if not leaked or time.monotonic() > deadline:
            break
        threading.Event().wait(0.02)  # polling thread liveness; nothing to wait on  # sleep-ok
    assert not leaked, f"test left threads running: {[t.name for t in leaked]}"


@pytest.fixture(autouse=True)
def english_words():
    """Every test starts in English and leaves the language as it found it."""
    from wan_desktop.core import i18n

    i18n.install(i18n.Language.ENGLISH)
    yield
    i18n.install(i18n.Language.ENGLISH)


@pytest.fixture
def chinese(monkeypatch):
    """The app in Simplified Chinese: the core's and the CLI's words, and (when a QApplication exists) Qt's
    locale, its own strings and a Chinese font. English again afterwards."""
    from wan_desktop.core import i18n

    monkeypatch.setenv("WAN_DESKTOP_LANGUAGE", "zh_CN")
    i18n.install(i18n.Language.CHINESE)
    _install_qt_language_if_running()
    yield i18n.Language.CHINESE
    i18n.install(i18n.Language.ENGLISH)
    _install_qt_language_if_running()


def _install_qt_language_if_running() -> None:
    try:
        from PySide6.QtWidgets import QApplication
    except ImportError:
        return
    app = QApplication.instance()
    if app is not None:
        from wan_desktop.qt.languages import install_qt_language

        install_qt_language(app)


@pytest.fixture
def simulator(tmp_path):
    """A simulator on loopback with one valid key; tasks take about a second (time scale 0.01)."""
    from wan_desktop.simulator.server import SimulatorServer

    with SimulatorServer(api_keys=[TEST_KEY], time_scale=0.01, data_dir=tmp_path / "simulator") as sim:
        yield sim


@pytest.fixture
def qt_chinese(qapp, chinese):
    """``chinese`` with the QApplication made first, so Qt's side follows too."""
    _install_qt_language_if_running()
    return chinese
