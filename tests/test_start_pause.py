"""The collector waits while the app starts and is on again once the start is over: for a headless command, on
every way out of `main` (a usage error too), at the window's first paint, and for a window never painted."""

from __future__ import annotations

import gc

import pytest

from wan_desktop import __main__ as entry
from wan_desktop import commands
from wan_desktop.start_pause import pause_collection, resume_collection


@pytest.fixture(autouse=True)
def collector_back_on():
    yield
    resume_collection()
    gc.unfreeze()  # the tests' own objects go back to the collector
    gc.enable()


def test_a_collector_the_caller_turned_off_stays_off():
    pause_collection()
    assert not gc.isenabled()
    resume_collection()
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0  # what the start made is left out of every later collection
    gc.unfreeze()
    gc.disable()
    pause_collection()
    resume_collection()
    assert not gc.isenabled() and gc.get_freeze_count() == 0


def test_a_command_runs_with_the_collector_on(monkeypatch, tmp_path):
    seen: list[bool] = []
    monkeypatch.setattr(commands, "run_command", lambda _args, _parser: seen.append(gc.isenabled()) or 0)
    assert entry.main(["--home", str(tmp_path), "models"]) == 0
    assert seen == [True] and gc.isenabled()


def test_a_usage_error_leaves_the_collector_on(capsys):
    with pytest.raises(SystemExit):
        entry.main(["no-such-command"])
    assert "invalid choice" in capsys.readouterr().err
    assert gc.isenabled()


class NoTimer:
    @staticmethod
    def singleShot(*_args) -> None:
        """Only the first paint can end the start."""


@pytest.mark.parametrize("shown", [True, False])
def test_the_window_resumes_collection_at_its_first_paint_or_soon_after_without_one(qtbot, monkeypatch, shown):
    from PySide6.QtWidgets import QLabel

    from wan_desktop.qt import app

    window = QLabel("a window")
    qtbot.addWidget(window)
    if shown:
        monkeypatch.setattr(app, "QTimer", NoTimer)
    pause_collection()
    app._resume_collection_when_started(window)
    assert not gc.isenabled()
    if shown:
        window.show()
    qtbot.waitUntil(gc.isenabled, timeout=10000)
