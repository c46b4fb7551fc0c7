"""Sliding one-second windows for submit RPS and query QPS (wall-clock: the service's limits are real
seconds, whatever the time scale)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable


class RateWindow:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock  # injectable, so tests can decide what "the same second" is
        self._lock = threading.Lock()
        self._hits: dict[object, deque[float]] = {}

    def allow(self, key: object, per_second: float) -> bool:
        """Count one request for ``key``; False when that would exceed ``per_second`` in the last second."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= 1.0:
                hits.popleft()
            if len(hits) >= per_second:
                return False
            hits.append(now)
            return True
