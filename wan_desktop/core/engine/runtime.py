"""What the engine's modules share: its parts, its mode, and the few moves every module makes (fail,
expire, block, back off)."""

from __future__ import annotations

import logging
import threading

from wan_desktop.core.dashscope.errors import DashScopeError, ThrottledError
from wan_desktop.core.engine.clock import Clock
from wan_desktop.core.engine.config import (
    ACTIVE_STATES,
    AWAITING_DECISION_CODES,
    EngineConfig,
    Listener,
    add_id,
    as_utc,
)
from wan_desktop.core.engine.journal import Journal
from wan_desktop.core.engine.schedule import Schedule, Throttle
from wan_desktop.core.engine.service import VideoService
from wan_desktop.core.events import EngineEvent, EngineMode, EventKind
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore

log = logging.getLogger("wan_desktop.core.engine")


class Runtime:
    def __init__(
        self,
        store: JobStore,
        library: Library,
        service: VideoService | None,
        config: EngineConfig,
        clock: Clock,
        listener: Listener | None,
    ) -> None:
        self.store = store
        self.library = library
        self._service = service
        self.config = config
        self.clock = clock
        self._listener = listener
        self.wake = threading.Event()
        self.journal = Journal(store, clock, self.emit, config.store_retry)
        self.schedule = Schedule(clock, config.retry_base, config.retry_cap)
        self.throttle = Throttle(clock, config.query_per_second)
        self.mode = EngineMode.RUNNING
        self.mode_reason = ""

    @property
    def service(self) -> VideoService:
        # None is an offline engine (submit, jobs, retry from the CLI), which is never started
        if self._service is None:
            raise RuntimeError("this engine was opened offline and contacts no service")
        return self._service

    # -- events and mode ----------------------------------------------------------------------------
    def emit(self, event: EngineEvent) -> None:
        if self._listener is None:
            return
        try:
            self._listener(event)
        except Exception:
            log.exception("engine listener failed")

    def set_mode(self, mode: EngineMode, reason: str) -> None:
        if mode is self.mode and reason == self.mode_reason:
            return
        self.mode, self.mode_reason = mode, reason
        self.emit(EngineEvent(EventKind.MODE_CHANGED, mode=mode, message=reason))
        self.wake.set()

    def block(self, error: DashScopeError) -> None:
        self.set_mode(EngineMode.BLOCKED, error.explanation)

    # -- ends and waits -----------------------------------------------------------------------------
    def fail(
        self, job: Job, message: str, *, code: str | None = None, detail: str | None = None, request_id: str = ""
    ) -> None:
        self.journal.save(
            job.moved_to(
                JobState.FAILED,
                error_code=code,
                error_message=message,
                error_detail=detail,
                request_ids=add_id(job.request_ids, request_id),
            )
        )
        self.schedule.forget(job.id)

    def expire(self, job: Job, message: str) -> None:
        self.journal.save(job.moved_to(JobState.EXPIRED, error_code="Expired", error_message=message))
        self.schedule.forget(job.id)

    def retry_later(self, job: Job, error: DashScopeError) -> None:
        self.schedule.set(job.id, self.pause_for(job.id, error))

    def pause_for(self, job_id: str, error: DashScopeError) -> float:
        """The service's Retry-After (bounded) for a throttle, else this job's next back-off."""
        if isinstance(error, ThrottledError) and error.retry_after:
            return min(error.retry_after, self.config.max_retry_after)
        return self.schedule.backoff(job_id)

    # -- questions about a job ----------------------------------------------------------------------
    def is_ours(self, job: Job) -> bool:
        return job.region == self.config.region.value

    @staticmethod
    def awaits_decision(job: Job) -> bool:
        return job.state is JobState.SUBMIT_UNCERTAIN and job.error_code in AWAITING_DECISION_CODES

    def needs_engine(self, job: Job) -> bool:
        if job.state is JobState.SUBMIT_UNCERTAIN:
            return not self.awaits_decision(job)
        return job.state in ACTIVE_STATES

    def seconds_since_sent(self, job: Job) -> float | None:
        # this machine's clock for both ends: the service's time strings carry no zone
        start = as_utc(job.submit_started_at) or as_utc(job.submitted_at)
        return (self.clock.now() - start).total_seconds() if start else None

    def past_ttl(self, job: Job) -> bool:
        elapsed = self.seconds_since_sent(job)
        return elapsed is not None and elapsed > self.config.task_ttl
