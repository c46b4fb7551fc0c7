"""Shared fixtures: the real simulator over real HTTP, temp folders for everything the app writes,
and a check that no test leaves a thread running."""

from __future__ import annotations

import os
import threading
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

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


@pytest.fixture
def simulator(tmp_path):
    """A simulator on loopback with one valid key; tasks take about a second (time scale 0.01)."""
    from wan_desktop.simulator.server import SimulatorServer

    with SimulatorServer(api_keys=[TEST_KEY], time_scale=0.01, data_dir=tmp_path / "simulator") as sim:
        yield sim
