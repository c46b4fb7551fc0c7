"""Handing finished tasks to the downloader (core/downloader.py) on a small pool, and journaling what each
download did. The pool's threads touch only files; their outcomes come back through a queue and are
applied on the engine thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from wan_desktop.core.dashscope.errors import DashScopeError
from wan_desktop.core.dashscope.types import TaskInfo, TaskStatus
from wan_desktop.core.downloader import DownloadOutcome, DownloadStatus, ProgressCallback, fetch_video
from wan_desktop.core.engine.config import DAMAGED_LIMIT, PROGRESS_INTERVAL
from wan_desktop.core.engine.poll import Poller
from wan_desktop.core.engine.runtime import Runtime, log
from wan_desktop.core.engine.schedule import Schedule
from wan_desktop.core.engine.service import VideoService
from wan_desktop.core.events import EngineEvent, EventKind
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library

FetchVideo = Callable[[Job, VideoService, Library, threading.Event, ProgressCallback], DownloadOutcome]
PoolFactory = Callable[[int], Executor]


def _link_expired() -> str:
    return _(
        "The video's download link expired (the service keeps results for 24 hours) before the app could fetch it."
    )


def _no_link(times: int) -> str:
    return _(
        "The service says this video is finished but gave no link to download it, though the app asked {n} times. "
        "Try it again later, or ask the service's support with the task id."
    ).format(n=format_number(times))


def thread_pool(workers: int) -> Executor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="wan-download")


class Downloads:
    def __init__(
        self, rt: Runtime, poller: Poller, fetch: FetchVideo = fetch_video, pool_factory: PoolFactory = thread_pool
    ) -> None:
        self.rt = rt
        self.poller = poller
        self._fetch = fetch
        self._pool_factory = pool_factory
        self._pool: Executor | None = None
        self._stop = threading.Event()
        self.running: dict[str, Future] = {}
        self._results: queue.Queue[DownloadOutcome] = queue.Queue()
        self._progress_sent: dict[str, float] = {}

    # -- the pool's life ----------------------------------------------------------------------------
    def open(self) -> None:
        self._pool = self._pool_factory(self.rt.config.max_downloads)
        self._stop.clear()

    def close(self) -> None:
        self._stop.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.collect()

    @property
    def slots_full(self) -> bool:
        return len(self.running) >= self.rt.config.max_downloads

    def has_results(self) -> bool:
        return not self._results.empty()

    # -- starting -----------------------------------------------------------------------------------
    def start(self, job: Job) -> None:
        if self.rt.past_ttl(job):  # whatever kept failing, the service has let go of the video by now
            self._give_up(job, _link_expired(), expired=True)
            return
        if not job.video_url:
            self._ask_for_link(job, _no_link(self.rt.config.max_link_queries))
            return
        if self._pool is None or self.slots_full:
            return
        job = self.rt.journal.save(job.moved_to(JobState.DOWNLOADING))
        future = self._pool.submit(self._fetch, job, self.rt.service, self.rt.library, self._stop, self._progress)
        self.running[job.id] = future
        future.add_done_callback(lambda f, job_id=job.id: self._finished(job_id, f))

    def _finished(self, job_id: str, future: Future) -> None:
        try:
            outcome = future.result()
        except Exception as error:  # a bug in the worker must not strand the job
            log.exception("download worker failed")
            message = _("Unexpected download error: {error}").format(error=error)
            outcome = DownloadOutcome(job_id, DownloadStatus.NETWORK, message)
        self._results.put(outcome)
        self.rt.wake.set()

    def _progress(self, job_id: str, done: int, total: int | None) -> None:
        # Called per chunk on a download thread: pass on a few updates a second, and the last one.
        now = self.rt.clock.monotonic()
        if done != total and now - self._progress_sent.get(job_id, 0.0) < PROGRESS_INTERVAL:
            return
        self._progress_sent[job_id] = now
        self.rt.emit(EngineEvent(EventKind.DOWNLOAD_PROGRESS, job_id=job_id, bytes_done=done, bytes_total=total))

    # -- outcomes -----------------------------------------------------------------------------------
    def collect(self) -> None:
        while True:
            try:
                outcome = self._results.get_nowait()
            except queue.Empty:
                return
            self.running.pop(outcome.job_id, None)
            job = self.rt.journal.get(outcome.job_id)
            if job is not None and job.state is JobState.DOWNLOADING:
                self._apply(job, outcome)

    def _apply(self, job: Job, outcome: DownloadOutcome) -> None:
        rt, status = self.rt, outcome.status
        if status is DownloadStatus.SAVED:
            self._complete(job, outcome)
            return
        message = outcome.message or None if status is not DownloadStatus.STOPPED else None
        job = rt.journal.save(
            job.moved_to(JobState.SUCCEEDED, bytes_downloaded=outcome.bytes_written, error_message=message)
        )
        if status is DownloadStatus.LINK_EXPIRED:
            self._refresh_link(job)
        elif status is DownloadStatus.REFUSED:
            self._ask_for_link(job, outcome.message or _("The video's link cannot be downloaded."))
        elif status is DownloadStatus.DAMAGED:
            count = Schedule.count(rt.schedule.damaged, job.id)
            if count >= DAMAGED_LIMIT:
                damaged = _("The downloaded video was damaged {n} times: {problem}")
                self._give_up(job, damaged.format(n=format_number(count), problem=outcome.message))
            else:
                rt.schedule.set(job.id, rt.schedule.backoff(job.id))
        elif status is DownloadStatus.DISK:
            rt.emit(EngineEvent(EventKind.NOTICE, job_id=job.id, message=outcome.message))
            rt.schedule.set(job.id, rt.config.disk_retry)
        elif status is DownloadStatus.NETWORK:
            rt.schedule.set(job.id, rt.schedule.backoff(job.id))
        else:
            rt.schedule.set(job.id, 0)

    def _complete(self, job: Job, outcome: DownloadOutcome) -> None:
        rt, library = self.rt, self.rt.library
        done = job.moved_to(
            JobState.DONE,
            video_path=_relative(library, outcome.video_path),
            thumbnail_path=_relative(library, outcome.thumbnail_path),
            sidecar_path=_relative(library, outcome.sidecar_path or library.sidecar_path(job)),
            bytes_downloaded=outcome.bytes_written,
            bytes_total=outcome.bytes_total,
            error_code=None,
            error_message=None,
            error_detail=None,
        )
        try:
            note = library.write_sidecar(done)  # a free name when a file of the person's stands at this one
        except OSError as error:
            disk = DownloadOutcome(
                job.id, DownloadStatus.DISK, _("Could not write the sidecar: {error}").format(error=error)
            )
            self._apply(job, disk)
            return
        rt.journal.save(replace(done, sidecar_path=library.relative(note)))
        rt.schedule.forget(job.id)
        self.poller.finished_one(job)

    # -- asking the service for a link ----------------------------------------------------------------
    def _refresh_link(self, job: Job) -> None:
        """The link expired before we fetched the video: the task may still hand out a fresh one. A paid
        video is given up only once the service forgets the task (24 h), asking at most every retry_cap."""
        rt = self.rt
        if rt.past_ttl(job) or not job.task_id:
            self._give_up(job, _link_expired(), expired=True)
            return
        info = self._query(job, job.task_id)
        if info is None:
            return
        if info.status is TaskStatus.SUCCEEDED and info.video_url:
            fresh = info.video_url != job.video_url
            if fresh:
                rt.journal.save(replace(job, video_url=info.video_url))
            rt.schedule.set(job.id, 0 if fresh else rt.schedule.backoff(job.id))
        elif info.status is TaskStatus.UNKNOWN:
            self._give_up(job, _link_expired(), expired=True)
        else:
            rt.schedule.set(job.id, rt.schedule.backoff(job.id))

    def _give_up(self, job: Job, message: str, *, expired: bool = False) -> None:
        """End a job whose video cannot be had, and remove its own half-downloaded file: nothing can resume
        it, and the library folder is the person's."""
        part = self.rt.library.part_path(job)
        try:
            if part.is_file() and not part.is_symlink():
                part.unlink()
        except OSError as error:
            log.warning("could not remove %s: %s", part, error)
        if expired:
            self.rt.expire(job, message)
        else:
            self.rt.fail(job, message)

    def _query(self, job: Job, task_id: str) -> TaskInfo | None:
        """The task as the service has it now, or None (and a backed-off retry) when it could not be asked."""
        rt = self.rt
        try:
            rt.throttle.note_query()
            return rt.service.get_task(task_id)
        except DashScopeError:
            rt.schedule.set(job.id, rt.schedule.backoff(job.id))
            return None

    def _ask_for_link(self, job: Job, problem: str) -> None:
        """The task gave no link, or one that can never work: ask for another a bounded number of times,
        then fail with ``problem``."""
        rt = self.rt
        if not job.task_id or Schedule.count(rt.schedule.link_queries, job.id) > rt.config.max_link_queries:
            self._give_up(job, problem)
            return
        info = self._query(job, job.task_id)
        if info is None:
            return
        if info.status is TaskStatus.UNKNOWN:
            self._give_up(job, _link_expired(), expired=True)
        elif info.status is TaskStatus.SUCCEEDED and info.video_url and info.video_url != job.video_url:
            rt.journal.save(replace(job, video_url=info.video_url))
            rt.schedule.set(job.id, 0)
        else:
            rt.schedule.set(job.id, rt.schedule.backoff(job.id))


def _relative(library: Library, path: Path | None) -> str | None:
    return None if path is None else library.relative(path)
