"""The job engine: decides what to submit, poll and download next, and journals every step first.

Money rules (shared/DESIGN.md):
- a job is claimed as ``submitting`` (a conditional write from ``queued``) before its create request goes
  out, so a crash never hides a create and a second writer never sends the same job;
- creates go one at a time (the loop is the only place that sends them), so a create whose reply was lost
  can be matched afterwards against the task list without doubt;
- a create is repeated only when it surely did not reach the service; otherwise the job becomes
  ``submit_uncertain`` and is reconciled with the task list, or left for the person to decide.

Threading: ``run()`` owns the loop and is the only writer of job state. Other threads talk to it through
``post()``; downloads run on a small pool and hand their outcome back through a queue.

The parts: journal.py (the one writer of job rows), schedule.py (due times, rate limits, back-off),
submit.py, reconcile.py, poll.py, download.py, commands.py (typed outcomes), loop.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.downloader import fetch_video
from wan_desktop.core.engine.clock import Clock, SystemClock
from wan_desktop.core.engine.commands import CommandOutcome, Commands, ImportOutcome
from wan_desktop.core.engine.config import EngineConfig, Listener
from wan_desktop.core.engine.download import Downloads, FetchVideo, PoolFactory, thread_pool
from wan_desktop.core.engine.loop import Loop
from wan_desktop.core.engine.poll import Poller
from wan_desktop.core.engine.reconcile import Reconciler
from wan_desktop.core.engine.runtime import Runtime
from wan_desktop.core.engine.service import VideoService
from wan_desktop.core.engine.submit import Submitter
from wan_desktop.core.events import EngineMode, UncertainDecision
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore


class Engine:
    def __init__(
        self,
        store: JobStore,
        library: Library,
        client: VideoService | None,  # None: offline, for commands that contact nothing
        config: EngineConfig,
        *,
        listener: Listener | None = None,
        clock: Clock | None = None,
        fetch: FetchVideo = fetch_video,
        pool_factory: PoolFactory = thread_pool,
    ) -> None:
        self._rt = rt = Runtime(store, library, client, config, clock or SystemClock(), listener)
        reconciler = Reconciler(rt)
        poller = Poller(rt, reconciler)
        self._downloads = Downloads(rt, poller, fetch, pool_factory)
        self._loop = Loop(rt, Submitter(rt, poller), reconciler, poller, self._downloads)
        self._commands = Commands(rt)

    # -- what the engine works with ---------------------------------------------------------------
    @property
    def store(self) -> JobStore:
        return self._rt.store

    @property
    def library(self) -> Library:
        return self._rt.library

    @property
    def client(self) -> VideoService:
        return self._rt.service

    @property
    def config(self) -> EngineConfig:
        return self._rt.config

    @property
    def clock(self) -> Clock:
        return self._rt.clock

    @property
    def mode(self) -> EngineMode:
        return self._rt.mode

    @property
    def mode_reason(self) -> str:
        return self._rt.mode_reason

    # -- what other threads may call ----------------------------------------------------------------
    def post(self, command: Callable[[], None]) -> None:
        """Run ``command`` on the engine thread at its next turn (thread-safe)."""
        self._loop.commands.put(command)
        self._rt.wake.set()

    def wake(self) -> None:
        self._rt.wake.set()

    # -- commands (engine thread, or any thread while the loop is not running) ----------------------
    def add_jobs(
        self, requests: Sequence[GenerationRequest], *, parent_job_id: str | None = None, project: str | None = None
    ) -> list[Job]:
        return self._commands.add_jobs(requests, parent_job_id, project)

    def cancel(self, job_id: str) -> CommandOutcome:
        return self._commands.cancel(job_id)

    def retry(self, job_id: str) -> CommandOutcome:
        return self._commands.retry(job_id)

    def remove(self, job_id: str) -> CommandOutcome:
        return self._commands.remove(job_id)

    def forget(self, job_id: str) -> CommandOutcome:
        """Delete a finished job from the history (its files went to the trash)."""
        return self._commands.forget(job_id)

    def decide(self, job_id: str, decision: UncertainDecision) -> CommandOutcome:
        return self._commands.decide(job_id, decision)

    def set_favourite(self, job_id: str, favourite: bool) -> CommandOutcome:
        return self._commands.set_favourite(job_id, favourite)

    def set_kept(self, job_id: str, kept: bool | None) -> CommandOutcome:
        return self._commands.set_kept(job_id, kept)

    def import_jobs(self, jobs: Sequence[Job]) -> ImportOutcome:
        return self._commands.import_jobs(jobs)

    def pause(self) -> None:
        self._rt.set_mode(EngineMode.PAUSED, _("Paused."))

    def resume(self) -> None:
        self._rt.set_mode(EngineMode.RUNNING, "")
        self._rt.throttle.creates_blocked_until.clear()

    # -- what the engine knows ----------------------------------------------------------------------
    def jobs(self) -> list[Job]:
        return self._rt.journal.all()

    def job(self, job_id: str) -> Job | None:
        return self._rt.journal.get(job_id)

    def waiting_on_person(self) -> list[Job]:
        return [job for job in self.jobs() if self._rt.awaits_decision(job)]

    def is_idle(self) -> bool:
        """Nothing left that the engine can do without the person."""
        return self._loop.is_idle()

    def seconds_until_due(self) -> float:
        """How long the loop would sleep now (tests step a fake clock by it)."""
        return self._loop.seconds_until_due()

    # -- the loop -----------------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, until_idle: bool = False) -> None:
        """Work the queue until ``stop`` is set (or, with ``until_idle``, until nothing is left to do
        without the person)."""
        self._loop.run(stop, until_idle=until_idle)

    def recover(self) -> None:
        """Pick up every job a previous run left mid-way."""
        self._loop.recover()

    def start_downloads(self) -> None:
        """Start the download pool without the loop (a test drives the loop with ``turn``)."""
        self._downloads.open()

    def stop_downloads(self) -> None:
        self._downloads.close()

    def turn(self) -> None:
        """One round of the loop (run() calls this; tests call it directly with a fake clock)."""
        if not self._loop.recovered:
            self._loop.recover()
        self._loop.turn()
