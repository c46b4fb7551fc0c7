"""When each job next needs the loop, how often the service may be asked, and how long to back off.

Every retry here is bounded: back-off doubles up to ``retry_cap``, and the counters below let the modules
give up after a fixed number of tries."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from wan_desktop.core.engine.clock import Clock


@dataclass
class Schedule:
    """When each job next needs the loop's attention (monotonic seconds), and retry counters."""

    clock: Clock
    retry_base: float
    retry_cap: float
    due: dict[str, float] = field(default_factory=dict)
    reconcile_tries: dict[str, int] = field(default_factory=dict)
    damaged: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    resends: dict[str, int] = field(default_factory=dict)  # automatic re-sends after empty searches
    link_queries: dict[str, int] = field(default_factory=dict)  # asking for a link that was missing or refused

    def set(self, job_id: str, delay: float) -> None:
        self.due[job_id] = self.clock.monotonic() + max(delay, 0.0)

    def is_due(self, job_id: str, now: float) -> bool:
        return self.due.get(job_id, 0.0) <= now

    def forget(self, job_id: str) -> None:
        for table in (self.due, self.reconcile_tries, self.damaged, self.failures, self.resends, self.link_queries):
            table.pop(job_id, None)

    def backoff(self, job_id: str) -> float:
        count = self.failures.get(job_id, 0)
        self.failures[job_id] = count + 1
        return min(self.retry_base * (2 ** min(count, 30)), self.retry_cap)

    @staticmethod
    def count(table: dict[str, int], job_id: str) -> int:
        """Add one to ``job_id``'s counter in ``table``; the new count."""
        table[job_id] = table.get(job_id, 0) + 1
        return table[job_id]


class Throttle:
    """Rate limits: creates per model per second, queries per second, and pauses the service asked for."""

    def __init__(self, clock: Clock, query_per_second: float) -> None:
        self._clock = clock
        self._query_per_second = query_per_second
        self._submits: dict[str, deque[float]] = {}
        self._queries: deque[float] = deque()
        self.creates_blocked_until: dict[str, float] = {}
        self.queries_blocked_until = 0.0

    def note_submit(self, model_key: str) -> None:
        self._submits.setdefault(model_key, deque()).append(self._clock.monotonic())

    def submit_wait(self, model: str, model_key: str, per_second: float) -> float:
        """Seconds until a create of this model may go out (0: now)."""
        now = self._clock.monotonic()
        throttled = self.creates_blocked_until.get(model, 0.0) - now
        recent = self._submits.setdefault(model_key, deque())
        while recent and now - recent[0] > 1.0:
            recent.popleft()
        rate_wait = 1.0 - (now - recent[0]) if len(recent) >= per_second else 0.0
        return max(throttled, rate_wait, 0.0)

    def block_creates(self, model: str, seconds: float) -> None:
        self.creates_blocked_until[model] = self._clock.monotonic() + seconds

    def block_queries(self, seconds: float) -> None:
        self.queries_blocked_until = self._clock.monotonic() + seconds

    def query_allowed(self) -> bool:
        now = self._clock.monotonic()
        if now < self.queries_blocked_until:
            return False
        while self._queries and now - self._queries[0] > 1.0:
            self._queries.popleft()
        return len(self._queries) < self._query_per_second

    def note_query(self) -> None:
        self._queries.append(self._clock.monotonic())
