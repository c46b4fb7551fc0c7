"""The engine's loop: run posted commands, take in finished downloads, write what the journal owes, then
give each due job its next step and send at most one create. Sleeps until the next job is due."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from wan_desktop.core.engine.config import ACTIVE_STATES
from wan_desktop.core.engine.download import Downloads
from wan_desktop.core.engine.poll import Poller
from wan_desktop.core.engine.reconcile import Reconciler
from wan_desktop.core.engine.runtime import Runtime, log
from wan_desktop.core.engine.submit import Submitter
from wan_desktop.core.events import EngineEvent, EngineMode, EventKind
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.store import StoreError


def _past_ttl() -> str:
    return _(
        "The service keeps a task for 24 hours; this one was older than that when Wan Desktop came back to it, so "
        "its video could not be fetched."
    )


class Loop:
    def __init__(
        self, rt: Runtime, submitter: Submitter, reconciler: Reconciler, poller: Poller, downloads: Downloads
    ) -> None:
        self.rt = rt
        self.submitter = submitter
        self.reconciler = reconciler
        self.poller = poller
        self.downloads = downloads
        self.commands: queue.Queue[Callable[[], None]] = queue.Queue()
        self.recovered = False

    def run(self, stop: threading.Event, *, until_idle: bool = False) -> None:
        rt = self.rt
        self.downloads.open()
        try:
            if not self.recovered:
                self.recover()
            while not stop.is_set():
                self.turn()
                if until_idle and self.is_idle():
                    break
                rt.clock.wait(rt.wake, self.seconds_until_due())
                rt.wake.clear()
        finally:
            self.downloads.close()

    def turn(self) -> None:
        self._run_commands()
        self.downloads.collect()
        if not self.rt.journal.flush():
            return
        if self.rt.mode is EngineMode.RUNNING:
            try:
                self._work()
            except StoreError as error:
                self.rt.journal.blocked(error)

    def is_idle(self) -> bool:
        """Nothing left that the engine can do without the person."""
        rt = self.rt
        if self.downloads.running or rt.journal.unsaved:
            return False
        if rt.mode is not EngineMode.RUNNING:
            return True
        return not any(rt.needs_engine(job) for job in rt.journal.live_jobs() if rt.is_ours(job))

    # -- recovery -----------------------------------------------------------------------------------
    def recover(self) -> None:
        """Pick up every job a previous run left mid-way."""
        rt = self.rt
        self.recovered = True
        for job in rt.journal.all():
            if not rt.is_ours(job) or job.state not in ACTIVE_STATES:
                continue
            if rt.past_ttl(job) and job.state not in (JobState.QUEUED, JobState.HELD_BY_BUDGET):
                rt.expire(job, _past_ttl())
                continue
            if job.state is JobState.SUBMITTING:
                detail = _("The app stopped while this job's create request was being sent.")
                rt.journal.save(job.moved_to(JobState.SUBMIT_UNCERTAIN, error_detail=detail))
            elif job.state is JobState.DOWNLOADING:
                rt.journal.save(job.moved_to(JobState.SUCCEEDED))
            rt.schedule.set(job.id, 0)
        others = [job for job in rt.journal.jobs.values() if job.state in ACTIVE_STATES and not rt.is_ours(job)]
        if others:
            message = ngettext(
                "{n} unfinished job of another region wait until you switch back to it.",
                "{n} unfinished jobs of another region wait until you switch back to it.",
                len(others),
            ).format(n=format_number(len(others)))
            rt.emit(EngineEvent(EventKind.NOTICE, message=message))

    # -- one round of work --------------------------------------------------------------------------
    def _work(self) -> None:
        rt = self.rt
        now = rt.clock.monotonic()
        for job in rt.journal.live_jobs():
            if not rt.is_ours(job) or not rt.schedule.is_due(job.id, now):
                continue
            if job.state is JobState.SUBMIT_UNCERTAIN and not rt.awaits_decision(job):
                self.reconciler.reconcile(job)
            elif job.state.on_service:
                if not rt.throttle.query_allowed():
                    break
                self.poller.poll(job)
            elif job.state is JobState.SUCCEEDED and job.id not in self.downloads.running:
                self.downloads.start(job)
            if rt.mode is not EngineMode.RUNNING:
                return
        self.submitter.submit_next()

    def seconds_until_due(self) -> float:
        rt = self.rt
        if not self.commands.empty() or self.downloads.has_results():
            return 0.0
        if rt.mode is not EngineMode.RUNNING:
            return rt.config.idle_wait
        now = rt.clock.monotonic()
        waits = [rt.config.idle_wait]
        for job in rt.journal.live_jobs():
            if not rt.needs_engine(job) or not rt.is_ours(job) or job.id in self.downloads.running:
                continue
            due = self._due_in(job, now)
            if due is not None:
                waits.append(due)
        return max(min(waits), 0.01)

    def _due_in(self, job: Job, now: float) -> float | None:
        """Seconds until ``job`` needs the loop, or None when something else wakes it (a freed place)."""
        due = self.rt.schedule.due.get(job.id, now) - now
        if job.state is JobState.QUEUED and due <= 0:
            return self.submitter.delay(job)  # None: waits for a place, which a poll of another task frees
        if job.state is JobState.SUCCEEDED and self.downloads.slots_full:
            return None  # a finishing download wakes the loop
        return due

    def _run_commands(self) -> None:
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                return
            try:
                command()
            except Exception:  # a failing command must not stop the engine; the caller reports its own errors
                log.exception("engine command failed")
