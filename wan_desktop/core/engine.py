"""The job engine: decides what to submit, poll and download next, and journals every step first.

Money rules (shared/DESIGN.md):
- a job is saved as ``submitting`` before its create request goes out, so a crash never hides a create;
- creates go one at a time (this loop is the only place that sends them), so a create whose reply was lost
  can be matched afterwards against the task list without doubt;
- a create is repeated only when it surely did not reach the service; otherwise the job becomes
  ``submit_uncertain`` and is reconciled with the task list, or left for the person to decide.

Threading: ``run()`` owns the loop and is the only writer of job state. Other threads talk to it through
``post()``; downloads run on a small pool and hand their outcome back through a queue.
"""

from __future__ import annotations

import logging
import queue
import statistics
import threading
import time
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Sequence

from wan_desktop.core import cost
from wan_desktop.core.dashscope import catalog
from wan_desktop.core.create_safety import CreateFailure, SearchVerdict, classify_create_failure, search_verdict
from wan_desktop.core.dashscope.errors import (
    AuthError,
    BillingError,
    DashScopeError,
    LocalValidationError,
    ThrottledError,
    error_for,
)
from wan_desktop.core.dashscope.requests import ensure_valid
from wan_desktop.core.dashscope.types import GenerationRequest, TaskInfo, TaskStatus, is_remote
from wan_desktop.core.downloader import DownloadOutcome, DownloadStatus, fetch_video
from wan_desktop.core.events import EngineEvent, EngineMode, EventKind, UncertainDecision
from wan_desktop.core.jobs import Job, JobState, utc_now
from wan_desktop.core.library import Library
from wan_desktop.core.polling import PollPolicy, next_poll_delay
from wan_desktop.core.store import JobStore, StoreError

log = logging.getLogger(__name__)

# Error codes the engine sets on submit_uncertain jobs once it stops searching: the person decides.
AWAITING_DECISION_CODES = frozenset({"TaskNotFound", "TaskAmbiguous"})
ACTIVE_STATES = frozenset(
    {JobState.QUEUED, JobState.SUBMITTING, JobState.PENDING, JobState.RUNNING, JobState.SUCCEEDED,
     JobState.DOWNLOADING, JobState.SUBMIT_UNCERTAIN}
)  # fmt: skip
_OCCUPYING_STATES = frozenset({JobState.SUBMITTING, JobState.PENDING, JobState.RUNNING, JobState.SUBMIT_UNCERTAIN})
_DAMAGED_LIMIT = 3
_PROGRESS_INTERVAL = 0.2


@dataclass(frozen=True)
class EngineConfig:
    region: catalog.Region
    poll: PollPolicy = PollPolicy()
    task_ttl: float = 24 * 3600.0  # how long the service keeps a task and its video link
    max_concurrent: int | None = None  # the person's own cap on tasks on the service, over the model caps
    max_downloads: int = 2
    reconcile_delays: tuple[float, ...] = (1.0, 5.0, 20.0)  # waits before each task-list search
    reconcile_margin: float = 120.0  # clock skew tolerated between this machine and the service
    clock_slack: float = 10.0  # jitter allowed around the clock offset learned from our own tasks
    # After every search over the create's window came back empty, the create never arrived: queue it again.
    # False leaves such a job for the person instead.
    requeue_when_absent: bool = True
    query_per_second: float = 10.0  # the service allows 20 per account; leave room for other tools
    retry_base: float = 2.0
    retry_cap: float = 60.0
    idle_wait: float = 1.0  # longest sleep of the loop when nothing is due
    store_retry: float = 15.0  # after the database could not be written (full or read-only disk)
    disk_retry: float = 30.0  # after the library folder could not be written

    @classmethod
    def for_service_clock(cls, region: catalog.Region, time_scale: float = 1.0, **changes) -> "EngineConfig":
        """A config for a service whose clock runs ``time_scale`` times as long as ours (the simulator runs
        at 0.01): every wait shrinks by that factor. Rate limits stay per real second, as the service's
        (and the simulator's) are."""
        base = cls(region=region)
        scaled = dict(
            poll=base.poll.scaled(time_scale),
            task_ttl=base.task_ttl * time_scale,
            reconcile_delays=tuple(delay * time_scale for delay in base.reconcile_delays),
            reconcile_margin=base.reconcile_margin,  # clock skew is real time, whatever the service's pace
            retry_base=base.retry_base * time_scale,
            retry_cap=base.retry_cap * time_scale,
        )
        scaled.update(changes)
        return replace(base, **scaled)


Listener = Callable[[EngineEvent], None]


@dataclass
class _Schedule:
    """When each job next needs the loop's attention (monotonic seconds), and retry counters."""

    due: dict[str, float] = field(default_factory=dict)
    reconcile_tries: dict[str, int] = field(default_factory=dict)
    damaged: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)

    def set(self, job_id: str, delay: float) -> None:
        self.due[job_id] = time.monotonic() + max(delay, 0.0)

    def is_due(self, job_id: str, now: float) -> bool:
        return self.due.get(job_id, 0.0) <= now

    def forget(self, job_id: str) -> None:
        for table in (self.due, self.reconcile_tries, self.damaged, self.failures):
            table.pop(job_id, None)


class Engine:
    def __init__(
        self,
        store: JobStore,
        library: Library,
        client,
        config: EngineConfig,
        *,
        listener: Listener | None = None,
    ) -> None:
        self.store = store
        self.library = library
        self.client = client
        self.config = config
        self._listener = listener
        self._jobs: dict[str, Job] = {job.id: job for job in store.jobs()}
        # jobs the loop still works on; finished ones (thousands, in a long history) are not scanned
        self._live: set[str] = {job.id for job in self._jobs.values() if job.state in ACTIVE_STATES}
        self._unsaved: set[str] = set()
        self._schedule = _Schedule()
        self._commands: queue.Queue[Callable[[], None]] = queue.Queue()
        self._wake = threading.Event()
        self._stop_downloads = threading.Event()
        self._downloads: dict[str, Future] = {}
        self._progress_sent: dict[str, float] = {}
        self._durations: dict[tuple[str, str], list[float]] = {}
        self._clock_offsets: deque[float] = deque(maxlen=20)  # service clock minus ours at our creates (s)
        self._download_results: queue.Queue[DownloadOutcome] = queue.Queue()
        self._pool: ThreadPoolExecutor | None = None
        self._submits: dict[str, deque[float]] = {}
        self._queries: deque[float] = deque()
        self._creates_blocked_until: dict[str, float] = {}
        self._queries_blocked_until = 0.0
        self._store_blocked_until = 0.0
        self.mode = EngineMode.RUNNING
        self.mode_reason = ""
        self._recovered = False

    # -- what other threads may call -----------------------------------------------------------
    def post(self, command: Callable[[], None]) -> None:
        """Run ``command`` on the engine thread at its next turn (thread-safe)."""
        self._commands.put(command)
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    # -- commands (engine thread, or any thread while the loop is not running) ------------------
    def add_jobs(self, requests: Sequence[GenerationRequest], *, parent_job_id: str | None = None) -> list[Job]:
        """Validate every request, keep copies of local inputs in the library, and queue one job each.
        Nothing is queued unless every request is valid."""
        for request in requests:
            ensure_valid(request, self.config.region)
        jobs = []
        for request in requests:
            job_id = uuid.uuid4().hex
            now = utc_now()
            job = Job(
                id=job_id,
                request=self._keep_inputs(job_id, request),
                state=JobState.QUEUED,
                created_at=now,
                updated_at=now,
                region=self.config.region.value,
                parent_job_id=parent_job_id,
            )
            estimate = cost.estimate(job.request, self.config.region)
            job = replace(job, cost=estimate.amount, currency=estimate.currency.value)
            self.store.add(job)
            self._jobs[job.id] = job
            self._track(job)
            self._emit(EngineEvent(EventKind.JOB_UPDATED, job=job, job_id=job.id))
            jobs.append(job)
        self._wake.set()
        return jobs

    def cancel(self, job_id: str) -> str:
        """Cancel a job; returns a sentence saying what happened."""
        job = self._jobs.get(job_id)
        if job is None:
            return "No such job."
        if job.state is JobState.QUEUED:
            self._save(job.moved_to(JobState.CANCELED, error_message="Canceled before it was sent."))
            return "Canceled."
        if job.state is JobState.SUBMIT_UNCERTAIN:
            return self.decide(job_id, UncertainDecision.DROP)
        if job.state is JobState.PENDING and job.task_id:
            try:
                self.client.cancel_task(job.task_id)
            except DashScopeError as error:
                if error.http_status == 400:
                    self._schedule.set(job_id, 0)  # it has started: the next poll shows it running
                    return "The service has already started this video; it can no longer be canceled."
                return error.explanation
            self._save(job.moved_to(JobState.CANCELED, error_message="Canceled on the service; not charged."))
            return "Canceled on the service; not charged."
        if job.state is JobState.RUNNING:
            return "The service is already generating this video; it can no longer be canceled."
        return f"A job that is {job.state.label.lower()} cannot be canceled."

    def retry(self, job_id: str) -> str:
        job = self._jobs.get(job_id)
        if job is None:
            return "No such job."
        if job.state not in (JobState.FAILED, JobState.CANCELED, JobState.EXPIRED):
            return f"A job that is {job.state.label.lower()} cannot be retried."
        self._save(self._fresh_attempt(job))
        return "Queued again."

    def remove(self, job_id: str) -> str:
        job = self._jobs.get(job_id)
        if job is None:
            return "No such job."
        if job.state not in (JobState.QUEUED, JobState.FAILED, JobState.CANCELED, JobState.EXPIRED):
            return f"A job that is {job.state.label.lower()} cannot be removed; cancel it first."
        self.store.delete(job_id)
        self._jobs.pop(job_id, None)
        self._live.discard(job_id)
        self._schedule.forget(job_id)
        self._emit(EngineEvent(EventKind.JOB_REMOVED, job_id=job_id))
        return "Removed."

    def forget(self, job_id: str) -> str:
        """Drop a finished job deleted from the history (its files went to the trash)."""
        job = self._jobs.get(job_id)
        if job is None:
            return "No such job."
        if not job.state.is_final:
            return f"A job that is {job.state.label.lower()} cannot be deleted; cancel it first."
        self.store.delete(job_id)
        self._jobs.pop(job_id, None)
        self._live.discard(job_id)
        self._schedule.forget(job_id)
        self._emit(EngineEvent(EventKind.JOB_REMOVED, job_id=job_id))
        return "Deleted."

    def decide(self, job_id: str, decision: UncertainDecision) -> str:
        job = self._jobs.get(job_id)
        if job is None or job.state is not JobState.SUBMIT_UNCERTAIN:
            return "This job is not waiting for a decision."
        if decision is UncertainDecision.SEARCH_AGAIN:
            self._schedule.reconcile_tries.pop(job_id, None)
            self._save(replace(job, error_code=None, error_message=None, error_detail=None))
            self._schedule.set(job_id, 0)
            return "Looking for the task on the service again."
        if decision is UncertainDecision.RESUBMIT:
            self._save(job.moved_to(JobState.QUEUED, error_code=None, error_message=None, error_detail=None))
            return "Queued to be sent again."
        self._save(job.moved_to(JobState.CANCELED, error_message="Dropped by you; it may still exist on the service."))
        return "Dropped."

    def pause(self) -> None:
        self._set_mode(EngineMode.PAUSED, "Paused.")

    def resume(self) -> None:
        self._set_mode(EngineMode.RUNNING, "")
        self._creates_blocked_until.clear()

    def jobs(self) -> list[Job]:
        return sorted(self._jobs.values(), key=lambda job: job.created_at)

    def _live_jobs(self) -> list[Job]:
        """Unfinished jobs, oldest first (the order they are sent in)."""
        return sorted((self._jobs[job_id] for job_id in self._live), key=lambda job: job.created_at)

    def _track(self, job: Job) -> None:
        if job.state in ACTIVE_STATES:
            self._live.add(job.id)
        else:
            self._live.discard(job.id)

    def job(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    # -- the loop -------------------------------------------------------------------------------
    def run(self, stop: threading.Event, *, until_idle: bool = False) -> None:
        """Work the queue until ``stop`` is set (or, with ``until_idle``, until nothing is left to do
        without the person)."""
        self._pool = ThreadPoolExecutor(max_workers=self.config.max_downloads, thread_name_prefix="wan-download")
        self._stop_downloads.clear()
        try:
            if not self._recovered:
                self.recover()
            while not stop.is_set():
                self._turn()
                if until_idle and self.is_idle():
                    break
                self._wake.wait(self._seconds_until_due())
                self._wake.clear()
        finally:
            self._stop_downloads.set()
            self._pool.shutdown(wait=True)
            self._pool = None
            self._collect_downloads()

    def _turn(self) -> None:
        self._run_commands()
        self._collect_downloads()
        if not self._flush_unsaved():
            return
        if self.mode is EngineMode.RUNNING:
            try:
                self._work()
            except StoreError as error:
                self._store_blocked(error)

    def is_idle(self) -> bool:
        """Nothing left that the engine can do without the person."""
        if self._downloads or self._unsaved:
            return False
        if self.mode is not EngineMode.RUNNING:
            return True
        return not any(self._needs_engine(job) for job in self._live_jobs() if self._is_ours(job))

    def waiting_on_person(self) -> list[Job]:
        return [job for job in self.jobs() if self._awaits_decision(job)]

    # -- recovery -------------------------------------------------------------------------------
    def recover(self) -> None:
        """Pick up every job a previous run left mid-way."""
        self._recovered = True
        for job in self.jobs():
            if not self._is_ours(job) or job.state not in ACTIVE_STATES:
                continue
            if self._past_ttl(job) and job.state is not JobState.QUEUED:
                self._expire(job, "The service keeps a task for 24 hours; this one was older than that when "
                                  "Wan Desktop came back to it, so its video could not be fetched.")
                continue
            if job.state is JobState.SUBMITTING:
                self._save(job.moved_to(
                    JobState.SUBMIT_UNCERTAIN,
                    error_detail="The app stopped while this job's create request was being sent.",
                ))
            elif job.state is JobState.DOWNLOADING:
                self._save(job.moved_to(JobState.SUCCEEDED))
            self._schedule.set(job.id, 0)
        others = [job for job in self._jobs.values() if job.state in ACTIVE_STATES and not self._is_ours(job)]
        if others:
            self._emit(EngineEvent(EventKind.NOTICE, message=(
                f"{len(others)} unfinished job(s) belong to another region and wait until you switch back to it."
            )))

    # -- one round of work ----------------------------------------------------------------------
    def _work(self) -> None:
        now = time.monotonic()
        for job in self._live_jobs():
            if not self._is_ours(job) or not self._schedule.is_due(job.id, now):
                continue
            if job.state is JobState.SUBMIT_UNCERTAIN and not self._awaits_decision(job):
                self._reconcile(job)
            elif job.state.on_service:
                if not self._query_allowed():
                    break
                self._poll(job)
            elif job.state is JobState.SUCCEEDED and job.id not in self._downloads:
                self._start_download(job)
            if self.mode is not EngineMode.RUNNING:
                return
        self._submit_next()

    def _submit_next(self) -> None:
        for job in self._live_jobs():
            if job.state is not JobState.QUEUED or not self._is_ours(job):
                continue
            if not self._schedule.is_due(job.id, time.monotonic()) or self._submit_delay(job) != 0:
                continue
            self._submit(job)
            return  # one create per turn: creates stay strictly sequential

    # -- submit ---------------------------------------------------------------------------------
    def _submit(self, job: Job) -> None:
        spec = catalog.model(job.request.model)
        try:
            prepared = self.client.prepare(job.request)
        except LocalValidationError as error:
            self._fail(job, error.explanation, code=error.code)
            return
        except DashScopeError as error:
            self._presend_error(job, error)
            return
        except OSError as error:
            self._fail(job, f"An input file of this job could not be read: {error.strerror or error}.")
            return
        job = self._save(job.moved_to(JobState.SUBMITTING, submit_started_at=utc_now()), require_journal=True)
        if job is None:
            return
        self._submits.setdefault(spec.key, deque()).append(time.monotonic())
        try:
            created = self.client.create(prepared)
        except DashScopeError as error:
            self._create_error(job, error)
            return
        except Exception as error:  # a bug between journal and reply: the create may have gone out
            log.exception("create failed unexpectedly")
            self._uncertain(job, f"Unexpected error while sending: {error}")
            return
        job = self._save(job.moved_to(
            JobState.PENDING,
            task_id=created.task_id,
            request_ids=job.request_ids + (created.request_id,),
            error_code=None, error_message=None, error_detail=None,
        ))  # fmt: skip
        self._schedule.set(job.id, self._poll_delay(job, elapsed=0.0))

    def _presend_error(self, job: Job, error: DashScopeError) -> None:
        """An error before the create (uploading inputs): nothing was created, so trying again is safe."""
        if isinstance(error, (AuthError, BillingError)):
            self._block(error)
        elif error.retryable:
            self._retry_later(job, error)
        else:
            self._fail(job, error.explanation, code=error.code, detail=error.message, request_id=error.request_id)

    def _create_error(self, job: Job, error: DashScopeError) -> None:
        failure = classify_create_failure(error)
        if failure is CreateFailure.NOT_CREATED:
            self._save(job.moved_to(JobState.QUEUED, attempts=job.attempts + 1, error_message=error.explanation))
            self._retry_later(job, error)
            if isinstance(error, ThrottledError):
                pause = error.retry_after or self._backoff(job.id)
                self._creates_blocked_until[job.request.model] = time.monotonic() + pause
        elif failure is CreateFailure.REFUSED_ACCOUNT:
            self._save(job.moved_to(JobState.QUEUED))
            self._block(error)
        elif failure is CreateFailure.REJECTED:
            self._fail(job, error.explanation, code=error.code, detail=error.message, request_id=error.request_id)
        else:
            self._uncertain(job, error.message or error.explanation)

    def _uncertain(self, job: Job, detail: str) -> None:
        self._save(job.moved_to(
            JobState.SUBMIT_UNCERTAIN,
            error_code=None,
            error_message="The reply to the create request was lost; looking for the task on the service.",
            error_detail=detail,
        ))  # fmt: skip
        self._schedule.set(job.id, self.config.reconcile_delays[0] if self.config.reconcile_delays else 0)

    # -- reconcile ------------------------------------------------------------------------------
    def _reconcile(self, job: Job) -> None:
        """Find the task an uncertain create made, if it made one: a task of this model created in the
        create's time window that no local job owns."""
        spec = catalog.model(job.request.model)
        started = _as_utc(job.submit_started_at or job.created_at)
        try:
            found = self._unowned_tasks(spec.request_name(self.config.region), started + self._window_offset())
        except DashScopeError as error:
            if isinstance(error, AuthError):
                self._block(error)
            elif isinstance(error, ThrottledError):
                self._queries_blocked_until = time.monotonic() + (error.retry_after or 5.0)
                self._schedule.set(job.id, error.retry_after or 5.0)
            else:
                self._schedule.set(job.id, self._backoff(job.id))
            return
        rivals = [
            other for other in self._live_jobs()
            if other.id != job.id and other.state is JobState.SUBMIT_UNCERTAIN
            and other.request.model == job.request.model and not self._awaits_decision(other)
        ]  # fmt: skip
        searches_done = self._schedule.reconcile_tries.get(job.id, 0) + 1
        verdict = search_verdict(len(found), len(rivals), searches_done, len(self.config.reconcile_delays))
        if verdict is SearchVerdict.ADOPT:
            task = found[0]
            self._schedule.reconcile_tries.pop(job.id, None)
            self._save(job.moved_to(
                JobState.PENDING, task_id=task.task_id,
                request_ids=job.request_ids + ((task.request_id,) if task.request_id else ()),
                error_code=None, error_message=None,
                error_detail=f"Found the task on the service after the reply was lost ({task.task_id}).",
            ))  # fmt: skip
            self._schedule.set(job.id, 0)
            self._emit(EngineEvent(EventKind.NOTICE, job_id=job.id, message="Found the lost task on the service."))
        elif verdict is SearchVerdict.AMBIGUOUS:
            self._await_decision(job, "TaskAmbiguous", (
                f"The service has {len(found)} task(s) of this model from that moment that no job here owns, and "
                f"{len(rivals) + 1} job(s) here whose create may have made one, so the app cannot tell which (if "
                "any) is this one's. Decide: look again, send again (may charge twice), or drop."
            ))
        elif verdict is SearchVerdict.SEARCH_AGAIN:
            self._schedule.reconcile_tries[job.id] = searches_done
            self._schedule.set(job.id, self.config.reconcile_delays[searches_done])
        elif self.config.requeue_when_absent:
            # Searched several times over the window: no task exists, so sending it is the first create.
            self._schedule.reconcile_tries.pop(job.id, None)
            self._save(job.moved_to(
                JobState.QUEUED, attempts=job.attempts + 1,
                error_message="The earlier create request never reached the service; sending it again.",
            ))  # fmt: skip
        else:
            self._await_decision(job, "TaskNotFound", (
                "The service has no task from this create request, so it was probably never created and nothing "
                "was charged. Send it again, or drop it."
            ))

    def _unowned_tasks(self, model_name: str, since: datetime):
        # every task id a job here ever had, including earlier attempts of retried jobs and deleted jobs
        owned = self.store.owned_task_ids() | {job.task_id for job in self._live_jobs() if job.task_id}
        found = []
        # Wide service-side window (its time zone for these filters is not documented); exact filter below.
        start, end = since - timedelta(hours=14), utc_now() + timedelta(hours=14)
        for page_no in range(1, 11):
            self._note_query()
            page = self.client.list_tasks(start=start, end=end, model_name=model_name, page_no=page_no, page_size=100)
            for item in page.items:
                created = _as_utc(item.created_at)
                if item.task_id not in owned and (created is None or created >= since):
                    found.append(item)
            if page_no >= page.total_pages or not page.items:
                break
        return found

    def _await_decision(self, job: Job, code: str, message: str) -> None:
        self._save(replace(job, error_code=code, error_message=message))
        self._schedule.reconcile_tries.pop(job.id, None)

    # -- poll -----------------------------------------------------------------------------------
    def _poll(self, job: Job) -> None:
        self._note_query()
        try:
            info = self.client.get_task(job.task_id)
        except ThrottledError as error:
            self._queries_blocked_until = time.monotonic() + (error.retry_after or self._backoff(job.id))
            self._schedule.set(job.id, error.retry_after or self._backoff(job.id))
            return
        except AuthError as error:
            self._block(error)
            return
        except DashScopeError:
            self._schedule.set(job.id, self._backoff(job.id))
            return
        self._schedule.failures.pop(job.id, None)
        self._apply_task_info(job, info)

    def _window_offset(self) -> timedelta:
        """Where a lost create's task can start, relative to when we sent it. Tasks we created tell how far the
        service's clock is from ours (plus the request's travel); without enough of them, allow the full margin."""
        if len(self._clock_offsets) < 3:
            return -timedelta(seconds=self.config.reconcile_margin)
        return timedelta(seconds=statistics.median(self._clock_offsets) - self.config.clock_slack)

    def _learn_clock_offset(self, job: Job, info: TaskInfo) -> None:
        sent = _as_utc(job.submit_started_at)
        if sent is not None and info.submit_time is not None:
            self._clock_offsets.append((_as_utc(info.submit_time) - sent).total_seconds())

    def _apply_task_info(self, job: Job, info: TaskInfo) -> None:
        if job.submitted_at is None:  # the first answer about this task
            self._learn_clock_offset(job, info)
        times = dict(submitted_at=info.submit_time or job.submitted_at, scheduled_at=info.scheduled_time or job.scheduled_at)
        if info.status in (TaskStatus.PENDING, TaskStatus.RUNNING):
            state = JobState.RUNNING if info.status is TaskStatus.RUNNING else JobState.PENDING
            if state is not job.state or times["submitted_at"] != job.submitted_at:
                job = self._save(job.moved_to(state, **times))
            self._schedule.set(job.id, self._poll_delay(job))
        elif info.status is TaskStatus.SUCCEEDED:
            usage = dict(info.usage.raw) if info.usage else {}
            estimate = self._final_cost(job, info)
            job = self._save(job.moved_to(
                JobState.SUCCEEDED, **times, finished_at=info.end_time, video_url=info.video_url,
                orig_prompt=info.orig_prompt, actual_prompt=info.actual_prompt, usage=usage,
                cost=estimate if estimate is not None else job.cost,
                request_ids=_add_id(job.request_ids, info.request_id),
                error_code=None, error_message=None,
            ))  # fmt: skip
            self._schedule.set(job.id, 0)
        elif info.status is TaskStatus.FAILED:
            error = error_for(None, info.code or "", info.message or "", info.request_id)
            self._save(job.moved_to(
                JobState.FAILED, **times, finished_at=info.end_time, error_code=info.code,
                error_message=error.explanation, error_detail=info.message,
                request_ids=_add_id(job.request_ids, info.request_id),
            ))  # fmt: skip
        elif info.status is TaskStatus.CANCELED:
            self._save(job.moved_to(JobState.CANCELED, error_message="Canceled on the service; not charged."))
        else:
            self._expire(job, "The service no longer knows this task (it keeps tasks for 24 hours), so its "
                              "video cannot be fetched.")

    def _final_cost(self, job: Job, info: TaskInfo) -> float | None:
        seconds = info.usage.output_seconds if info.usage else None
        if not seconds:
            return None
        estimate = cost.estimate(replace(job.request, duration=int(round(seconds))), self.config.region)
        return estimate.amount

    # -- download -------------------------------------------------------------------------------
    def _start_download(self, job: Job) -> None:
        if self._pool is None or len(self._downloads) >= self.config.max_downloads or not job.video_url:
            return
        job = self._save(job.moved_to(JobState.DOWNLOADING))
        future = self._pool.submit(
            fetch_video, job, self.client, self.library, self._stop_downloads, self._on_download_progress
        )
        self._downloads[job.id] = future
        future.add_done_callback(lambda f, job_id=job.id: self._download_finished(job_id, f))

    def _download_finished(self, job_id: str, future: Future) -> None:
        try:
            outcome = future.result()
        except Exception as error:  # a bug in the worker must not strand the job
            log.exception("download worker failed")
            outcome = DownloadOutcome(job_id, DownloadStatus.NETWORK, f"Unexpected download error: {error}")
        self._download_results.put(outcome)
        self._wake.set()

    def _on_download_progress(self, job_id: str, done: int, total: int | None) -> None:
        # Called per chunk on a download thread: pass on a few updates a second, and the last one.
        now = time.monotonic()
        if done != total and now - self._progress_sent.get(job_id, 0.0) < _PROGRESS_INTERVAL:
            return
        self._progress_sent[job_id] = now
        self._emit(EngineEvent(EventKind.DOWNLOAD_PROGRESS, job_id=job_id, bytes_done=done, bytes_total=total))

    def _collect_downloads(self) -> None:
        while True:
            try:
                outcome = self._download_results.get_nowait()
            except queue.Empty:
                return
            self._downloads.pop(outcome.job_id, None)
            job = self._jobs.get(outcome.job_id)
            if job is not None and job.state is JobState.DOWNLOADING:
                self._apply_download(job, outcome)

    def _apply_download(self, job: Job, outcome: DownloadOutcome) -> None:
        status = outcome.status
        if status is DownloadStatus.SAVED:
            self._complete(job, outcome)
            return
        job = self._save(job.moved_to(
            JobState.SUCCEEDED, bytes_downloaded=outcome.bytes_written,
            error_message=outcome.message or None if status is not DownloadStatus.STOPPED else None,
        ))  # fmt: skip
        if status is DownloadStatus.LINK_EXPIRED:
            self._refresh_link(job)
        elif status is DownloadStatus.DAMAGED:
            count = self._schedule.damaged.get(job.id, 0) + 1
            self._schedule.damaged[job.id] = count
            if count >= _DAMAGED_LIMIT:
                self._fail(job, f"The downloaded video was damaged {count} times: {outcome.message}")
            else:
                self._schedule.set(job.id, self._backoff(job.id))
        elif status is DownloadStatus.DISK:
            self._emit(EngineEvent(EventKind.NOTICE, job_id=job.id, message=outcome.message))
            self._schedule.set(job.id, self.config.disk_retry)
        elif status is DownloadStatus.NETWORK:
            self._schedule.set(job.id, self._backoff(job.id))
        else:
            self._schedule.set(job.id, 0)

    def _complete(self, job: Job, outcome: DownloadOutcome) -> None:
        root = self.library.root
        done = job.moved_to(
            JobState.DONE,
            video_path=_relative(outcome.video_path, root),
            thumbnail_path=_relative(outcome.thumbnail_path, root),
            sidecar_path=_relative(self.library.sidecar_path(job), root),
            bytes_downloaded=outcome.bytes_written,
            bytes_total=outcome.bytes_total,
            error_code=None, error_message=None, error_detail=None,
        )  # fmt: skip
        try:
            self.library.write_sidecar(done)
        except OSError as error:
            self._apply_download(job, DownloadOutcome(job.id, DownloadStatus.DISK, f"Could not write the sidecar: {error}"))
            return
        self._save(done)
        self._schedule.forget(job.id)
        self._durations.pop(_kind(job), None)  # a new finish changes what "usual" means for its kind

    def _refresh_link(self, job: Job) -> None:
        """The link expired before we fetched the video: the task may still hand out a fresh one."""
        try:
            self._note_query()
            info = self.client.get_task(job.task_id)
        except DashScopeError:
            self._schedule.set(job.id, self._backoff(job.id))
            return
        if info.status is TaskStatus.SUCCEEDED and info.video_url:
            # The task still has its video: take a fresh link if there is one, and keep trying (spaced out)
            # whatever the storage said; a paid video is given up only once the service forgets the task.
            fresh = info.video_url != job.video_url
            if fresh:
                self._save(replace(job, video_url=info.video_url))
            self._schedule.set(job.id, 0 if fresh else self._backoff(job.id))
        elif info.status is TaskStatus.UNKNOWN:
            self._expire(job, "The video's download link expired (the service keeps results for 24 hours) "
                              "before the app could fetch it.")
        else:
            self._schedule.set(job.id, self._backoff(job.id))

    # -- helpers --------------------------------------------------------------------------------
    def _save(self, job: Job, *, require_journal: bool = False) -> Job | None:
        """Journal ``job``. The in-memory copy is updated even if the disk write fails (it is retried), so
        a task id the service gave is never forgotten; with ``require_journal`` a failed write undoes the
        change and returns None (used before a create: no journal, no create)."""
        previous = self._jobs.get(job.id)
        self._jobs[job.id] = job
        self._track(job)
        try:
            self.store.save(job)
        except StoreError as error:
            if require_journal:
                if previous is not None:
                    self._jobs[job.id] = previous
                    self._track(previous)
                self._store_blocked(error)
                return None
            self._unsaved.add(job.id)
            self._store_blocked(error)
        else:
            self._unsaved.discard(job.id)
        self._emit(EngineEvent(EventKind.JOB_UPDATED, job=job, job_id=job.id))
        return job

    def _flush_unsaved(self) -> bool:
        if not self._unsaved:
            return True
        if time.monotonic() < self._store_blocked_until:
            return False
        for job_id in list(self._unsaved):
            try:
                self.store.save(self._jobs[job_id])
            except StoreError as error:
                self._store_blocked(error)
                return False
            self._unsaved.discard(job_id)
        self._emit(EngineEvent(EventKind.NOTICE, message="The database can be written again; carrying on."))
        return True

    def _store_blocked(self, error: StoreError) -> None:
        self._store_blocked_until = time.monotonic() + self.config.store_retry
        self._emit(EngineEvent(EventKind.NOTICE, message=f"{error.explanation} Retrying in {self.config.store_retry:.0f} s."))

    def _fail(self, job: Job, message: str, *, code: str | None = None, detail: str | None = None,
              request_id: str = "") -> None:  # fmt: skip
        self._save(job.moved_to(
            JobState.FAILED, error_code=code, error_message=message, error_detail=detail,
            request_ids=_add_id(job.request_ids, request_id),
        ))  # fmt: skip
        self._schedule.forget(job.id)

    def _expire(self, job: Job, message: str) -> None:
        self._save(job.moved_to(JobState.EXPIRED, error_code="Expired", error_message=message))
        self._schedule.forget(job.id)

    def _retry_later(self, job: Job, error: DashScopeError) -> None:
        delay = error.retry_after if isinstance(error, ThrottledError) and error.retry_after else self._backoff(job.id)
        self._schedule.set(job.id, delay)

    def _backoff(self, job_id: str) -> float:
        count = self._schedule.failures.get(job_id, 0)
        self._schedule.failures[job_id] = count + 1
        return min(self.config.retry_base * (2**count), self.config.retry_cap)

    def _block(self, error: DashScopeError) -> None:
        self._set_mode(EngineMode.BLOCKED, error.explanation)

    def _set_mode(self, mode: EngineMode, reason: str) -> None:
        if mode is self.mode and reason == self.mode_reason:
            return
        self.mode, self.mode_reason = mode, reason
        self._emit(EngineEvent(EventKind.MODE_CHANGED, mode=mode, message=reason))
        self._wake.set()

    def _fresh_attempt(self, job: Job) -> Job:
        return job.moved_to(
            JobState.QUEUED, task_id=None, submit_started_at=None, submitted_at=None, scheduled_at=None,
            finished_at=None, video_url=None, orig_prompt=None, actual_prompt=None, usage={},
            error_code=None, error_message=None, error_detail=None, bytes_downloaded=0, bytes_total=None,
            attempts=0,
        )  # fmt: skip

    def _keep_inputs(self, job_id: str, request: GenerationRequest) -> GenerationRequest:
        """Copy local media into the library so the job survives the originals moving."""
        changes = {}
        for name, reference in request.media_references().items():
            if not is_remote(reference):
                changes[name] = str(self.library.copy_input(job_id, Path(reference), name))
        return replace(request, **changes)

    def _submit_delay(self, job: Job) -> float | None:
        """Seconds until ``job`` may be sent (0: now), or None while the model's or the person's cap on
        tasks in flight is reached: a finishing task frees a place, and that happens in this loop."""
        spec = catalog.model(job.request.model)
        limits = spec.limits_in(self.config.region)
        now = time.monotonic()
        live = (self._jobs[job_id] for job_id in self._live)  # order does not matter here: no sort
        occupying = [j for j in live if j.state in _OCCUPYING_STATES and self._is_ours(j)]
        if self.config.max_concurrent is not None and len(occupying) >= self.config.max_concurrent:
            return None
        if sum(catalog.model(j.request.model).key == spec.key for j in occupying) >= limits.concurrent_tasks:
            return None
        throttled = self._creates_blocked_until.get(job.request.model, 0.0) - now
        recent = self._submits.setdefault(spec.key, deque())
        while recent and now - recent[0] > 1.0:
            recent.popleft()
        rate_wait = 1.0 - (now - recent[0]) if len(recent) >= limits.submit_per_second else 0.0
        return max(throttled, rate_wait, 0.0)

    def _query_allowed(self) -> bool:
        now = time.monotonic()
        if now < self._queries_blocked_until:
            return False
        while self._queries and now - self._queries[0] > 1.0:
            self._queries.popleft()
        return len(self._queries) < self.config.query_per_second

    def _note_query(self) -> None:
        self._queries.append(time.monotonic())

    def _poll_delay(self, job: Job, elapsed: float | None = None) -> float:
        if elapsed is None:
            start = _as_utc(job.submit_started_at) or _as_utc(job.submitted_at)
            elapsed = (utc_now() - start).total_seconds() if start else 0.0
            elapsed = max(elapsed, 0.0)
        key = _kind(job)
        history = self._durations.get(key)
        if history is None:  # read once per kind; refreshed when a job of that kind is done
            history = self._durations[key] = self.store.recent_durations(*key)
        return next_poll_delay(elapsed, history, self.config.poll)

    def _seconds_until_due(self) -> float:
        if not self._commands.empty() or not self._download_results.empty():
            return 0.0
        if self.mode is not EngineMode.RUNNING:
            return self.config.idle_wait
        now = time.monotonic()
        waits = [self.config.idle_wait]
        slots_full = len(self._downloads) >= self.config.max_downloads
        for job in self._live_jobs():
            if not self._needs_engine(job) or not self._is_ours(job) or job.id in self._downloads:
                continue
            due = self._schedule.due.get(job.id, now) - now
            if job.state is JobState.QUEUED and due <= 0:
                delay = self._submit_delay(job)
                if delay is None:
                    continue  # waits for a place, which a poll of another task frees
                due = delay
            elif job.state is JobState.SUCCEEDED and slots_full:
                continue  # a finishing download wakes the loop
            waits.append(due)
        return max(min(waits), 0.01)

    def _needs_engine(self, job: Job) -> bool:
        if job.state is JobState.SUBMIT_UNCERTAIN:
            return not self._awaits_decision(job)
        return job.state in ACTIVE_STATES

    @staticmethod
    def _awaits_decision(job: Job) -> bool:
        return job.state is JobState.SUBMIT_UNCERTAIN and job.error_code in AWAITING_DECISION_CODES

    def _is_ours(self, job: Job) -> bool:
        return job.region == self.config.region.value

    def _past_ttl(self, job: Job) -> bool:
        # this machine's clock for both ends: the service's time strings carry no zone
        start = _as_utc(job.submit_started_at) or _as_utc(job.submitted_at)
        return start is not None and (utc_now() - start).total_seconds() > self.config.task_ttl

    def _run_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                command()
            except Exception:  # a failing command must not stop the engine; the caller reports its own errors
                log.exception("engine command failed")

    def _emit(self, event: EngineEvent) -> None:
        if self._listener is None:
            return
        try:
            self._listener(event)
        except Exception:
            log.exception("engine listener failed")


def _kind(job: Job) -> tuple[str, str]:
    """Model and effective resolution: tasks of one kind take similar times."""
    return job.request.model, job.request.resolution or catalog.model(job.request.model).default_resolution


def _add_id(ids: tuple[str, ...], request_id: str | None) -> tuple[str, ...]:
    return ids + (request_id,) if request_id and request_id not in ids else ids


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _relative(path: Path | None, root: Path) -> str | None:
    if path is None:
        return None
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return str(path)

