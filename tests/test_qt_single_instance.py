"""One window per home (issue 9, item 1): the window holds the home's lock for its life; a second start brings
the first forward and exits 0; a CLI `run` on the home keeps the window out, and a window keeps `run` out."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QDir, QEvent, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import TEST_KEY
from tests.engine_helpers import make_image
from tests.test_cli import cli
from tests.test_home_lock import wait_until
from wan_desktop.cli import EXIT_BUSY, EXIT_ERROR, EXIT_OK
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.home_lock import HomeLock
from wan_desktop.core.settings import Settings, SettingsStore
from wan_desktop.demo import demo_home
from wan_desktop.qt import app as app_module
from wan_desktop.qt.main_window import MainWindow
from wan_desktop.qt.single_instance import (
    WINDOW_PROGRAM,
    Claim,
    InstanceGuard,
    ask_running_window,
    ring_or_listen,
    server_name,
)


@pytest.fixture(autouse=True)
def key_from_environment(monkeypatch):
    """The key comes from the environment, so no start here asks the system keyring."""
    monkeypatch.setenv("DASHSCOPE_API_KEY", TEST_KEY)


@pytest.mark.skipif(sys.platform == "win32", reason="symbolic links need a privilege there")
def test_the_doorbell_is_named_after_the_resolved_home(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "a")
    assert server_name(tmp_path / "a") == server_name(tmp_path / "link") == server_name(tmp_path / "a" / ".." / "a")
    assert server_name(tmp_path / "a") != server_name(tmp_path / "b")
    assert len(server_name(tmp_path / "a")) < 40  # short: some systems cap a socket's path length


def test_a_second_start_rings_and_the_first_window_is_asked_forward(qtbot, tmp_path):
    first = ring_or_listen(tmp_path)
    try:
        assert first.outcome is Claim.OWNED and first.guard is not None
        with qtbot.waitSignal(first.guard.raise_requested, timeout=10000):
            second = ring_or_listen(tmp_path)
        assert second.outcome is Claim.RAISED and second.guard is None
        other = ring_or_listen(tmp_path / "other")  # another home has its own doorbell
        assert other.outcome is Claim.OWNED
        other.release()
    finally:
        first.release()
    assert not ask_running_window(server_name(tmp_path))  # released: nobody answers any more


def test_a_stranger_on_the_socket_does_not_raise_the_window(qtbot, tmp_path):
    from PySide6.QtNetwork import QLocalSocket

    guard = InstanceGuard(server_name(tmp_path))
    assert guard.listen()
    raised: list[bool] = []
    guard.raise_requested.connect(lambda: raised.append(True))
    try:
        stranger = QLocalSocket()
        stranger.connectToServer(guard.name)
        assert stranger.waitForConnected(5000)
        stranger.write(b"rm -rf /" * 100)
        assert stranger.waitForBytesWritten(5000)
        qtbot.waitUntil(lambda: stranger.state() == QLocalSocket.LocalSocketState.UnconnectedState, timeout=10000)
        with qtbot.waitSignal(guard.raise_requested, timeout=10000):  # the real ring still works after it
            assert ask_running_window(guard.name)
        assert raised == [True]
    finally:
        guard.close()


@pytest.mark.skipif(sys.platform == "win32", reason="a named pipe leaves nothing behind")
def test_a_name_left_by_a_crashed_window_is_taken_over(qapp, tmp_path):
    name = server_name(tmp_path)
    path = Path(QDir.tempPath()) / name
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))  # bound and never listening: what a killed window leaves behind
    stale.close()
    claim = ring_or_listen(tmp_path)
    try:
        assert claim.outcome is Claim.OWNED and claim.guard is not None
        assert ask_running_window(name)
    finally:
        claim.release()
        path.unlink(missing_ok=True)


@pytest.mark.skipif(sys.platform == "win32", reason="a named pipe leaves nothing behind")
def test_a_name_that_cannot_be_had_does_not_stop_the_start(qapp, tmp_path):
    path = Path(QDir.tempPath()) / server_name(tmp_path)
    path.mkdir()  # not a socket, and not removable as one (like another user's file in /tmp)
    try:
        claim = ring_or_listen(tmp_path)
        assert claim.outcome is Claim.OWNED and claim.guard is None  # the lock alone keeps engines apart
        claim.release()
    finally:
        path.rmdir()


# -- the start function: run_gui ----------------------------------------------------------------------------
def gui_args(home: Path, *, demo: bool) -> argparse.Namespace:
    return argparse.Namespace(home=home, library=None, demo=demo, self_test=False)


def close_dialogs_and_record(texts: list[str]) -> QTimer:
    """Close each message box the start shows (offscreen nobody can), keeping its text."""

    def check() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QMessageBox) and widget.isVisible():
                texts.append(widget.text())
                widget.done(0)

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(20)
    return timer


@pytest.fixture
def no_window(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("a window (and its engine) was built while another held the home")

    monkeypatch.setattr(app_module, "MainWindow", refuse)


@pytest.mark.parametrize("demo", [True, False])
def test_a_home_held_by_the_cli_is_named_in_one_dialog_and_the_start_exits_busy(qtbot, tmp_path, no_window, demo):
    home = tmp_path / "home"
    SettingsStore(home).save(Settings(library_dir=tmp_path / "v", region=Region.CUSTOM))  # no first-run dialog
    texts: list[str] = []
    with HomeLock.acquire(demo_home(home) if demo else home, "wan-desktop run"):  # a new fd: flock conflicts
        timer = close_dialogs_and_record(texts)
        try:
            assert app_module.run_gui(gui_args(home, demo=demo)) == EXIT_BUSY
        finally:
            timer.stop()
    assert len(texts) == 1
    assert texts[0].startswith(f"Another Wan Desktop (wan-desktop run, process {os.getpid()}, since ")
    assert not ask_running_window(server_name(home))  # the doorbell went with the start


def test_a_home_that_cannot_be_used_is_said_in_one_dialog(qtbot, tmp_path, no_window):
    home = tmp_path / "home"
    home.write_text("a file where the home folder should be")
    texts: list[str] = []
    timer = close_dialogs_and_record(texts)
    try:
        assert app_module.run_gui(gui_args(home, demo=True)) == EXIT_ERROR
    finally:
        timer.stop()
    assert len(texts) == 1 and texts[0].startswith(f"Wan Desktop cannot use its folder {demo_home(home)}: ")


def test_a_second_start_on_a_home_with_a_window_only_rings(qtbot, tmp_path, no_window):
    first = ring_or_listen(tmp_path)
    assert first.guard is not None
    try:
        with qtbot.waitSignal(first.guard.raise_requested, timeout=10000):
            assert app_module.run_gui(gui_args(tmp_path, demo=True)) == EXIT_OK
    finally:
        first.release()


@pytest.mark.qt_log_ignore(r"^This plugin does not support raise\(\)$")  # offscreen has no window stack
def test_the_window_holds_the_demo_home_for_its_life_and_comes_forward_from_the_tray(qapp, tmp_path):
    home = tmp_path / "home"
    SettingsStore(home).save(Settings(library_dir=tmp_path / "v", keep_running_in_tray=False))
    seen: dict[str, object] = {}

    def window() -> MainWindow | None:
        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)

    def step() -> None:
        shown = window()
        if shown is None or "quit" in seen:
            return
        if "hidden" not in seen:
            seen["holder"] = holder_program(demo_home(home))
            seen["real home free"] = HomeLock.holder(home) is None
            shown.hide()  # as when it keeps working in the tray
            seen["hidden"] = True
            seen["rang"] = ask_running_window(server_name(home))
        elif shown.isVisible():
            seen["quit"] = True
            shown.quit()

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(20)
    try:
        assert app_module.run_gui(gui_args(home, demo=True)) == EXIT_OK
    finally:
        timer.stop()
        # closing the last window and quit() each post a Quit: the one left over would end a later test's dialog
        QApplication.removePostedEvents(qapp, QEvent.Type.Quit)
    assert seen == {"holder": WINDOW_PROGRAM, "real home free": True, "hidden": True, "rang": True, "quit": True}
    assert HomeLock.holder(demo_home(home)) is None  # released on quit
    assert not ask_running_window(server_name(home))


def test_a_self_test_on_a_held_home_gives_way(tmp_path, capsys):
    args = argparse.Namespace(home=tmp_path, library=None, demo=False, self_test=True)
    with HomeLock.acquire(demo_home(tmp_path), "wan-desktop demo run"):
        assert app_module.run_gui(args) == EXIT_BUSY
    assert "(wan-desktop demo run, process " in capsys.readouterr().err


# -- real processes: a window and a `run` on one home, against the simulator ---------------------------------
def start_window(home: Path, *options: str) -> subprocess.Popen:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", DASHSCOPE_API_KEY=TEST_KEY, WAN_DESKTOP_HOME=str(home))
    command = [sys.executable, "-m", "wan_desktop", "--home", str(home), *options]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def holder_program(home: Path) -> str | None:
    holder = HomeLock.holder(home)
    return holder.program if holder else None


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)


def queue_four(tmp_path: Path, home: Path, base_url: str) -> None:
    library = tmp_path / "videos"
    SettingsStore(home).save(Settings(library_dir=library, region=Region.CUSTOM, custom_base_url=base_url))
    image = make_image(tmp_path / "in.png")
    options = ["--model", "wan2.6-i2v-flash", "--count", "4"]
    submitted = cli(home, "submit", str(image), *options, base_url=base_url)
    assert submitted.returncode == 0, submitted.stderr


def test_a_window_holds_the_home_so_run_gives_way_and_each_task_is_sent_once(tmp_path, simulator):
    home = tmp_path / "home"
    queue_four(tmp_path, home, simulator.base_url)
    window = start_window(home)
    processes = [window]
    try:
        wait_until(lambda: holder_program(home) == WINDOW_PROGRAM or window.poll() is not None, what="the window")
        assert window.poll() is None, window.communicate(timeout=60)
        second = start_window(home)
        processes.append(second)
        assert second.wait(timeout=120) == EXIT_OK  # it rang the first window's doorbell and left
        run = cli(home, "run", base_url=simulator.base_url)
        assert run.returncode == EXIT_BUSY, run.stderr
        assert f"(Wan Desktop window, process {window.pid}, since " in run.stderr and "Traceback" not in run.stderr
        wait_until(lambda: len(simulator.tasks()) >= 4, what="the window's engine to send the four jobs")
        assert window.poll() is None and holder_program(home) == WINDOW_PROGRAM
    finally:
        for process in processes:
            stop(process)
    tasks = simulator.tasks()
    assert len(tasks) == 4 and all(task["create_request_count"] == 1 for task in tasks)
    assert HomeLock.holder(home) is None  # the lock died with the window


def test_a_demo_window_holds_the_demo_home_so_demo_run_gives_way(tmp_path):
    home = tmp_path / "home"
    window = start_window(home, "--demo")
    try:
        wait_until(lambda: holder_program(demo_home(home)) == WINDOW_PROGRAM or window.poll() is not None)
        assert window.poll() is None, window.communicate(timeout=60)
        run = cli(home, "demo", "run")
        assert run.returncode == EXIT_BUSY, run.stderr
        assert f"(Wan Desktop window, process {window.pid}, since " in run.stderr
        assert cli(home, "demo", "jobs").returncode == 0  # reading works while the window works
        assert HomeLock.holder(home) is None  # the paid home stays free for a real `run`
    finally:
        stop(window)


@pytest.fixture
def slow_simulator(tmp_path):
    """Real time: tasks take minutes, so the `run` holds the home while the window starts."""
    from wan_desktop.simulator.server import SimulatorServer

    with SimulatorServer(api_keys=[TEST_KEY], time_scale=1.0, data_dir=tmp_path / "simulator") as sim:
        yield sim


def test_a_run_holds_the_home_so_the_window_never_sends(qtbot, tmp_path, slow_simulator, no_window):
    sim = slow_simulator
    home = tmp_path / "home"
    queue_four(tmp_path, home, sim.base_url)
    env = dict(os.environ, DASHSCOPE_API_KEY=TEST_KEY, WAN_DESKTOP_HOME=str(home))
    command = [sys.executable, "-m", "wan_desktop", "--home", str(home), "--base-url", sim.base_url, "run"]
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    texts: list[str] = []
    try:
        wait_until(lambda: len(sim.tasks()) >= 4 or run.poll() is not None, what="the run's four creates")
        assert run.poll() is None and holder_program(home) == "wan-desktop run"
        timer = close_dialogs_and_record(texts)
        try:
            assert app_module.run_gui(gui_args(home, demo=False)) == EXIT_BUSY
        finally:
            timer.stop()
        assert run.poll() is None  # still the only engine on the home
    finally:
        stop(run)
    assert len(texts) == 1 and f"(wan-desktop run, process {run.pid}, since " in texts[0]
    tasks = sim.tasks()
    assert len(tasks) == 4 and all(task["create_request_count"] == 1 for task in tasks)
