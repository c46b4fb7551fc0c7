"""Time as the engine sees it: a monotonic clock for waits and a UTC wall clock for the journal.

The engine reads time only through a ``Clock``, so tests can run hours of schedule in microseconds."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def now(self) -> datetime:
        """The wall time, in UTC, with its offset."""
        ...

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Sleep until ``event`` is set or ``timeout`` seconds pass; True if it was set."""
        ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(timeout)


class FakeClock:
    """A clock that moves only when told to (or when the engine sleeps on it); both readings move together.
    Past ``limit`` seconds of fake time, or ``max_steps`` advances, it raises, so a loop that would never end
    fails a test instead of hanging it."""

    def __init__(
        self,
        start: datetime | None = None,
        monotonic: float = 1000.0,
        limit: float = 7 * 24 * 3600,
        max_steps: int = 20_000,
    ) -> None:
        self._wall = start or datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
        self._mono = monotonic
        self._left = limit
        self._steps_left = max_steps

    def monotonic(self) -> float:
        return self._mono

    def now(self) -> datetime:
        return self._wall

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not run backwards")
        self._left -= seconds
        self._steps_left -= 1
        if self._left < 0 or self._steps_left < 0:
            raise TimeoutError("the fake clock ran past its limit: something waits forever")
        self._mono += seconds
        self._wall += timedelta(seconds=seconds)

    def wait(self, event: threading.Event, timeout: float) -> bool:
        if event.is_set():
            return True
        self.advance(timeout)
        return event.is_set()
