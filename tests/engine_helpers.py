"""Building an engine against the simulator for tests, and running it to a condition."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.client import DashScopeClient
from wan_desktop.core.dashscope.regions import ServiceEndpoint
from wan_desktop.core.engine import Engine, EngineConfig
from wan_desktop.core.events import EngineEvent
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore


def make_image(path: Path, size=(320, 240), color=(200, 80, 40)) -> Path:
    Image.new("RGB", size, color).save(path)
    return path


class EngineRig:
    """An engine over a temp home and library, talking to a simulator; events are recorded."""

    def __init__(self, tmp: Path, base_url: str, api_key: str, *, time_scale: float = 0.01, **config) -> None:
        self.home = tmp / "home"
        self.library_dir = tmp / "library"
        self.events: list[EngineEvent] = []
        self._changed = threading.Condition()
        self.store = JobStore(self.home / "jobs.sqlite3")
        self.library = Library(self.library_dir)
        self.client = DashScopeClient(api_key, ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url=base_url))
        settings = dict(reconcile_delays=(0.05, 0.2, 0.4), retry_base=0.05, retry_cap=0.5, idle_wait=0.05)
        settings.update(config)
        config = EngineConfig.for_service_clock(Region.CUSTOM, time_scale, **settings)
        self.engine = Engine(self.store, self.library, self.client, config, listener=self._record)

    def _record(self, event: EngineEvent) -> None:
        with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def wait_until(self, predicate, timeout: float = 30.0) -> None:
        """Block until ``predicate()`` holds, re-checked at each engine event."""
        with self._changed:
            assert self._changed.wait_for(predicate, timeout), "condition not reached in time"

    def job(self, job_id: str):
        return self.engine.job(job_id)

    def run_until_idle(self, timeout: float = 60.0) -> None:
        stop = threading.Event()
        timer = threading.Timer(timeout, stop.set)
        timer.start()
        try:
            self.engine.run(stop, until_idle=True)
        finally:
            timer.cancel()
            timer.join()
        assert not stop.is_set(), f"engine did not become idle within {timeout} s"

    @contextmanager
    def running(self):
        """The engine loop on a background thread for the duration of the block."""
        stop = threading.Event()
        thread = threading.Thread(target=self.engine.run, args=(stop,), name="wan-test-engine")
        thread.start()
        try:
            yield
        finally:
            stop.set()
            self.engine.wake()
            thread.join(30)

    def close(self) -> None:
        self.client.close()
        self.store.close()
