"""The journal: the engine's copy of every job and the only writer of job rows.

Every change is saved before the action it announces. A failed write keeps the change in memory and
retries it later (a task id the service gave is never forgotten). Before a create it is stricter: no
journal, no create. The claim from ``queued`` to ``submitting`` is conditional, so a second writer can never send the
same job."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import replace

from wan_desktop.core.engine.clock import Clock
from wan_desktop.core.engine.config import ACTIVE_STATES
from wan_desktop.core.events import EngineEvent, EventKind
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.jobs import Job
from wan_desktop.core.store import ClaimGuard, JobStore, StoreError

# What else to write in the transaction of a job's row (the engine's ledger hook, engine/money.py).
AlsoWrite = Callable[[Job], Callable[[sqlite3.Connection], None] | None]


class Journal:
    def __init__(self, store: JobStore, clock: Clock, emit: Callable[[EngineEvent], None], retry: float) -> None:
        self.store = store
        self._clock = clock
        self._emit = emit
        self._retry = retry
        self.jobs: dict[str, Job] = {job.id: job for job in store.jobs()}
        # jobs the loop still works on; finished ones (thousands, in a long history) are not scanned
        self.live: set[str] = {job.id for job in self.jobs.values() if job.state in ACTIVE_STATES}
        self.unsaved: set[str] = set()
        self.blocked_until = 0.0
        self.also_write: AlsoWrite = lambda job: None

    # -- reading ------------------------------------------------------------------------------------
    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def all(self) -> list[Job]:
        return sorted(self.jobs.values(), key=lambda job: job.created_at)

    def live_jobs(self) -> list[Job]:
        """Unfinished jobs, oldest first (the order they are sent in)."""
        return sorted((self.jobs[job_id] for job_id in self.live), key=lambda job: job.created_at)

    # -- writing ------------------------------------------------------------------------------------
    def add(self, job: Job) -> Job:
        """Insert a new job (ValueError if its id is taken; StoreError propagates: nothing was added)."""
        self.store.add(job)
        self._remember(job)
        self._emit(EngineEvent(EventKind.JOB_UPDATED, job=job, job_id=job.id))
        return job

    def save(self, job: Job) -> Job:
        """Journal ``job``. A failed write keeps the change in memory and retries it (``flush``)."""
        job = replace(job, updated_at=self._clock.now())
        self._remember(job)
        try:
            self.store.save(job, self.also_write(job))
        except StoreError as error:
            self.unsaved.add(job.id)
            self.blocked(error)
        else:
            self.unsaved.discard(job.id)
        self._emit(EngineEvent(EventKind.JOB_UPDATED, job=job, job_id=job.id))
        return job

    def claim(self, job: Job, guard: ClaimGuard | None = None) -> Job | None:
        """Journal ``job`` (in ``submitting``) only if its row is still queued. None when it could not be
        written, or when another writer changed the row first (then that writer's row is taken in)."""
        job = replace(job, updated_at=self._clock.now())
        try:
            claimed = self.store.claim(job, guard)
        except StoreError as error:
            self.blocked(error)
            return None
        if not claimed:
            self._take_stored(job.id)
            return None
        self._remember(job)
        self._emit(EngineEvent(EventKind.JOB_UPDATED, job=job, job_id=job.id))
        return job

    def delete(self, job_id: str) -> None:
        """Drop the job's row (StoreError propagates: the job stays)."""
        self.store.delete(job_id)
        self.jobs.pop(job_id, None)
        self.live.discard(job_id)
        self.unsaved.discard(job_id)
        self._emit(EngineEvent(EventKind.JOB_REMOVED, job_id=job_id))

    def flush(self) -> bool:
        """Write the changes a failed write left in memory; True once none is left."""
        if not self.unsaved:
            return True
        if self._clock.monotonic() < self.blocked_until:
            return False
        for job_id in list(self.unsaved):
            try:
                self.store.save(self.jobs[job_id], self.also_write(self.jobs[job_id]))
            except StoreError as error:
                self.blocked(error)
                return False
            self.unsaved.discard(job_id)
        self._emit(EngineEvent(EventKind.NOTICE, message=_("The database can be written again; carrying on.")))
        return True

    def blocked(self, error: StoreError) -> None:
        self.blocked_until = self._clock.monotonic() + self._retry
        wait = _("{n} s").format(n=format_number(self._retry))
        message = _("{problem} Retrying in {wait}.").format(problem=error.explanation, wait=wait)
        self._emit(EngineEvent(EventKind.NOTICE, message=message))

    # -- plumbing -----------------------------------------------------------------------------------
    def _remember(self, job: Job) -> None:
        self.jobs[job.id] = job
        if job.state in ACTIVE_STATES:
            self.live.add(job.id)
        else:
            self.live.discard(job.id)

    def _take_stored(self, job_id: str) -> None:
        try:
            stored = self.store.get(job_id)
        except StoreError as error:
            self.blocked(error)
            return
        if stored is None:
            self.jobs.pop(job_id, None)
            self.live.discard(job_id)
            self._emit(EngineEvent(EventKind.JOB_REMOVED, job_id=job_id))
            return
        self._remember(stored)
        self._emit(EngineEvent(EventKind.JOB_UPDATED, job=stored, job_id=job_id))
