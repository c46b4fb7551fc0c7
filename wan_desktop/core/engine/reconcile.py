"""Finding the task a create made when its reply was lost: a task of this model, created in the create's
time window, that no job here owns. One candidate is adopted; several are left to the person; none after
every planned search means the create never arrived, and the job is sent again (a bounded number of times)."""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import replace
from datetime import datetime, timedelta

from wan_desktop.core.create_safety import SearchVerdict, search_verdict
from wan_desktop.core.dashscope import catalog
from wan_desktop.core.dashscope.errors import AuthError, DashScopeError, ThrottledError
from wan_desktop.core.dashscope.types import TaskInfo, TaskSummary
from wan_desktop.core.engine.config import as_utc
from wan_desktop.core.engine.runtime import Runtime
from wan_desktop.core.events import EngineEvent, EventKind
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import Job, JobState

_MAX_PAGES = 10
_THROTTLE_PAUSE = 5.0


def _unknown_model(model: str) -> str:
    return _(
        "This job's model {model!r} is not one this version of Wan Desktop knows, so the app cannot look for its "
        "task on the service. Send it again with a known model, or drop it."
    ).format(model=model)


def _ambiguous(tasks: int, jobs: int) -> str:
    return _(
        "The service has {tasks} of this model from that moment that no job here owns, and {jobs} here whose "
        "create may have made one, so the app cannot tell which (if any) is this one's. Decide: look again, send "
        "again (may charge twice), or drop."
    ).format(
        tasks=ngettext("{n} task", "{n} tasks", tasks).format(n=format_number(tasks)),
        jobs=ngettext("{n} job", "{n} jobs", jobs).format(n=format_number(jobs)),
    )


class Reconciler:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.clock_offsets: deque[float] = deque(maxlen=20)  # service clock minus ours at our creates (s)

    def reconcile(self, job: Job) -> None:
        rt = self.rt
        spec = catalog.find_model(job.request.model)
        if spec is None:
            self.await_decision(job, "TaskNotFound", _unknown_model(job.request.model))
            return
        started = as_utc(job.submit_started_at) or as_utc(job.created_at) or rt.clock.now()
        try:
            found = self._unowned_tasks(spec.request_name(rt.config.region), started + self._window_offset())
        except DashScopeError as error:
            self._search_failed(job, error)
            return
        rivals = [
            other
            for other in rt.journal.live_jobs()
            if other.id != job.id
            and other.state is JobState.SUBMIT_UNCERTAIN
            and other.request.model == job.request.model
            and not rt.awaits_decision(other)
        ]
        searches_done = rt.schedule.reconcile_tries.get(job.id, 0) + 1
        verdict = search_verdict(len(found), len(rivals), searches_done, len(rt.config.reconcile_delays))
        if verdict is SearchVerdict.ADOPT:
            self._adopt(job, found[0])
        elif verdict is SearchVerdict.AMBIGUOUS:
            self.await_decision(job, "TaskAmbiguous", _ambiguous(len(found), len(rivals) + 1))
        elif verdict is SearchVerdict.SEARCH_AGAIN:
            rt.schedule.reconcile_tries[job.id] = searches_done
            rt.schedule.set(job.id, rt.config.reconcile_delays[searches_done])
        else:
            self._absent(job)

    def _search_failed(self, job: Job, error: DashScopeError) -> None:
        rt = self.rt
        if isinstance(error, AuthError):
            rt.block(error)
        elif isinstance(error, ThrottledError):
            pause = min(error.retry_after or _THROTTLE_PAUSE, rt.config.max_retry_after)
            rt.throttle.block_queries(pause)
            rt.schedule.set(job.id, pause)
        else:
            rt.schedule.set(job.id, rt.schedule.backoff(job.id))

    def _adopt(self, job: Job, task: TaskSummary) -> None:
        rt = self.rt
        rt.schedule.reconcile_tries.pop(job.id, None)
        rt.journal.save(
            job.moved_to(
                JobState.PENDING,
                task_id=task.task_id,
                request_ids=job.request_ids + ((task.request_id,) if task.request_id else ()),
                error_code=None,
                error_message=None,
                error_detail=_("Found the task on the service after the reply was lost ({task_id}).").format(
                    task_id=task.task_id
                ),
            )
        )
        rt.schedule.set(job.id, 0)
        rt.emit(EngineEvent(EventKind.NOTICE, job_id=job.id, message=_("Found the lost task on the service.")))

    def _absent(self, job: Job) -> None:
        """Searched several times over the window and no task exists: the create never arrived."""
        rt = self.rt
        rt.schedule.reconcile_tries.pop(job.id, None)
        if not rt.config.requeue_when_absent:
            self.await_decision(
                job,
                "TaskNotFound",
                _(
                    "The service has no task from this create request, so it was probably never created and nothing "
                    "was charged. Send it again, or drop it."
                ),
            )
            return
        resends = rt.schedule.resends.get(job.id, 0)
        if resends >= rt.config.max_auto_resends:
            self.await_decision(
                job,
                "TaskNotFound",
                _(
                    "This job was sent {n} times; each time the service's reply could not be read and its "
                    "task list showed no task from it, so the app stopped sending it by itself. Nothing seems to "
                    "have been charged. Send it again, or drop it."
                ).format(n=format_number(resends + 1)),
            )
            return
        rt.schedule.resends[job.id] = resends + 1
        rt.journal.save(
            job.moved_to(
                JobState.QUEUED,
                attempts=job.attempts + 1,
                error_message=_("The earlier create request never reached the service; sending it again."),
            )
        )

    def _unowned_tasks(self, model_name: str, since: datetime) -> list[TaskSummary]:
        rt = self.rt
        # every task id a job here ever had, including earlier attempts of retried jobs and deleted jobs
        owned = rt.store.owned_task_ids() | {job.task_id for job in rt.journal.live_jobs() if job.task_id}
        found = []
        # Wide service-side window (its time zone for these filters is not documented); exact filter below.
        start, end = since - timedelta(hours=14), rt.clock.now() + timedelta(hours=14)
        for page_no in range(1, _MAX_PAGES + 1):
            rt.throttle.note_query()
            page = rt.service.list_tasks(start=start, end=end, model_name=model_name, page_no=page_no, page_size=100)
            for item in page.items:
                created = as_utc(item.created_at)
                if item.task_id not in owned and (created is None or created >= since):
                    found.append(item)
            if page_no >= page.total_pages or not page.items:
                break
        return found

    def await_decision(self, job: Job, code: str, message: str) -> None:
        self.rt.journal.save(replace(job, error_code=code, error_message=message))
        self.rt.schedule.reconcile_tries.pop(job.id, None)

    def _window_offset(self) -> timedelta:
        """Where a lost create's task can start, relative to when we sent it. Tasks we created tell how far the
        service's clock is from ours (plus the request's travel); without enough of them, allow the full margin."""
        if len(self.clock_offsets) < 3:
            return -timedelta(seconds=self.rt.config.reconcile_margin)
        return timedelta(seconds=statistics.median(self.clock_offsets) - self.rt.config.clock_slack)

    def learn_clock_offset(self, job: Job, info: TaskInfo) -> None:
        sent, answered = as_utc(job.submit_started_at), as_utc(info.submit_time)
        if sent is not None and answered is not None:
            self.clock_offsets.append((answered - sent).total_seconds())
