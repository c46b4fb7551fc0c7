"""One engine per home: the OS lock on HOME/engine.lock, and two real `wan-desktop run` processes on one home
(issue 9, item 1: two runs on one home with 4 queued jobs created 7, 6 and 8 paid tasks)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import TEST_KEY
from tests.engine_helpers import make_image
from tests.test_cli import cli, jobs_json
from wan_desktop.cli import EXIT_BUSY
from wan_desktop.core.home_lock import LOCK_FILE, HolderInfo, HomeBusy, HomeLock
from wan_desktop.core.i18n import format_short_datetime

_TRY_IN_CHILD = """
import json, sys
from pathlib import Path
from wan_desktop.core.home_lock import HomeBusy, HomeLock
try:
    HomeLock.acquire(Path(sys.argv[1]), "child")
except HomeBusy as busy:
    print(json.dumps({"busy": str(busy), "pid": busy.holder.pid, "program": busy.holder.program}))
else:
    print(json.dumps({"busy": None}))
"""

_HOLD_IN_CHILD = """
import sys
from pathlib import Path
from wan_desktop.core.home_lock import HomeLock
lock = HomeLock.acquire(Path(sys.argv[1]), "wan-desktop run")
print("held", flush=True)
sys.stdin.read()  # hold until killed
"""


def child(code: str, home: Path, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-c", code, str(home)]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True, **kwargs)


def wait_until(condition, timeout: float = 60.0, what: str = "condition") -> None:
    """Poll a condition that has no event to wait on (another process's state), up to a deadline."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        threading.Event().wait(0.05)  # polling another process; nothing to wait on  # sleep-ok


def test_a_second_acquire_in_another_process_fails_and_names_the_holder(tmp_path):
    with HomeLock.acquire(tmp_path, "wan-desktop run") as lock:
        assert lock.held
        process = child(_TRY_IN_CHILD, tmp_path)
        out, _ = process.communicate(timeout=60)
        answer = json.loads(out)
        assert answer["pid"] == os.getpid() and answer["program"] == "wan-desktop run"
        assert answer["busy"].startswith(f"Another Wan Desktop (wan-desktop run, process {os.getpid()}, since ")
    assert not lock.held
    process = child(_TRY_IN_CHILD, tmp_path)
    out, _ = process.communicate(timeout=60)
    assert json.loads(out) == {"busy": None}  # released: the next one takes it


def test_the_lock_dies_with_a_killed_holder(tmp_path):
    process = child(_HOLD_IN_CHILD, tmp_path)
    try:
        assert process.stdout.readline().strip() == "held"
        holder = HomeLock.holder(tmp_path)
        assert holder is not None and holder.pid == process.pid and holder.program == "wan-desktop run"
        with pytest.raises(HomeBusy) as busy:
            HomeLock.acquire(tmp_path, "Wan Desktop window")
        assert busy.value.holder.pid == process.pid and f"process {process.pid}" in str(busy.value)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        process.stdin.close()
        process.stdout.close()
    assert (tmp_path / LOCK_FILE).exists()  # the file stays; the OS dropped the lock with the process
    assert HomeLock.holder(tmp_path) is None
    with HomeLock.acquire(tmp_path, "Wan Desktop window") as lock:
        assert HomeLock.holder(tmp_path) == lock.info


def test_holder_and_busy_words(tmp_path):
    assert HomeLock.holder(tmp_path) is None  # no lock file at all
    with HomeLock.acquire(tmp_path / "new" / "home", "wan-desktop submit") as lock:  # makes the folder
        assert lock.info.pid == os.getpid()
        with pytest.raises(HomeBusy):  # a second handle in the same process is refused too
            HomeLock.acquire(tmp_path / "new" / "home", "wan-desktop submit")
    assert (tmp_path / "new" / "home" / LOCK_FILE).read_text() == ""  # a released lock names nobody
    unknown = HomeBusy(tmp_path, None)
    assert str(unknown).startswith("Another Wan Desktop is working on this home") and "try again" in str(unknown)
    old = HomeBusy(tmp_path, HolderInfo(42, "Wan Desktop window", "2020-01-02T03:04:00+00:00"))
    # the locale's short date and time (en_GB: "02/01/2020, 03:04", in this machine's zone)
    since = format_short_datetime(datetime(2020, 1, 2, 3, 4, tzinfo=UTC).astimezone())
    assert f"(Wan Desktop window, process 42, since {since})" in str(old)
    today = datetime.now().astimezone().replace(hour=9, minute=5, second=0, microsecond=0)
    assert HolderInfo(7, "x", today.isoformat()).since() == "09:05"  # today: the time alone


def test_planted_lock_text_is_read_with_care(tmp_path):
    (tmp_path / LOCK_FILE).write_text(json.dumps({"pid": "1; rm -rf", "program": ["x"], "started_at": 5}))
    assert HomeLock.holder(tmp_path) is None  # nobody holds it, whatever the text says
    with HomeLock.acquire(tmp_path, "wan-desktop run") as lock:  # and it is taken over
        assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == os.getpid() == lock.info.pid


# -- two real `run` processes on one home, against the simulator ---------------------------------------------
@pytest.fixture
def slow_simulator(tmp_path):
    """Real time: tasks take minutes, so the first run holds the home while the second starts."""
    from wan_desktop.simulator.server import SimulatorServer

    with SimulatorServer(api_keys=[TEST_KEY], time_scale=1.0, data_dir=tmp_path / "simulator") as sim:
        yield sim


def test_two_runs_on_one_home_create_each_task_once(tmp_path, slow_simulator):
    sim = slow_simulator
    home, library = tmp_path / "home", tmp_path / "videos"
    image = make_image(tmp_path / "in.png")
    # a model that takes 5 tasks at once, so the winner sends all four at the start
    options = ["--model", "wan2.6-i2v-flash", "--count", "4"]
    submitted = cli(home, "--library", str(library), "submit", str(image), *options, base_url=sim.base_url)
    assert submitted.returncode == 0, submitted.stderr
    env = dict(os.environ, DASHSCOPE_API_KEY=TEST_KEY, WAN_DESKTOP_HOME=str(home))
    command = [sys.executable, "-m", "wan_desktop", "--home", str(home), "--base-url", sim.base_url, "run"]
    pipes = dict(stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    runs = [subprocess.Popen(command, env=env, **pipes) for _ in range(2)]
    try:
        wait_until(lambda: any(run.poll() is not None for run in runs), what="one run to give way")
        loser = next(run for run in runs if run.poll() is not None)
        winner = next(run for run in runs if run is not loser)
        _, loser_err = loser.communicate(timeout=60)
        assert loser.returncode == EXIT_BUSY, loser_err
        assert f"(wan-desktop run, process {winner.pid}, since " in loser_err and "Traceback" not in loser_err
        wait_until(lambda: len(sim.tasks()) >= 4, what="the winner's four creates")
        rows = jobs_json(home, sim.base_url)  # read-only: works while the winner holds the home
        assert len(rows) == 4
        assert cli(home, "key", "show", base_url=sim.base_url).stdout.strip() == "custom: sk-…cdef (from environment)"
        assert winner.poll() is None  # still the only engine on the home
    finally:
        for run in runs:
            if run.poll() is None:
                run.send_signal(signal.SIGTERM)
            run.communicate(timeout=60)
    tasks = sim.tasks()
    assert len(tasks) == 4 and all(task["create_request_count"] == 1 for task in tasks)
    assert sorted(row["task_id"] for row in jobs_json(home, sim.base_url)) == sorted(t["id"] for t in tasks)


def test_every_writing_command_gives_way_and_reading_ones_do_not(tmp_path):
    home = tmp_path / "home"
    image = make_image(tmp_path / "in.png")
    job_id = cli(home, "--library", str(tmp_path / "v"), "submit", str(image), key="").stdout.strip()
    assert job_id
    with HomeLock.acquire(home, "Wan Desktop window"):
        for command in (
            ["submit", str(image)],
            ["run"],
            ["cancel", job_id],
            ["retry", job_id],
            ["decide", job_id, "drop"],
            ["library", "rebuild"],
        ):
            out = cli(home, *command, base_url="http://127.0.0.1:9/api/v1")
            assert out.returncode == EXIT_BUSY, (command, out.stderr)
            assert f"(Wan Desktop window, process {os.getpid()}, since " in out.stderr
            assert "Traceback" not in out.stderr
        assert json.loads(cli(home, "jobs", "--json", key="").stdout)[0]["state"] == "queued"
    assert cli(home, "library", "rebuild", key="").stdout.startswith("Restored 0 jobs")  # free again
