"""Asking the service about tasks it holds, on the schedule core/polling.py decides, and journaling what
the answers say."""

from __future__ import annotations

from dataclasses import replace

from wan_desktop.core import cost
from wan_desktop.core.dashscope.errors import AuthError, DashScopeError, ThrottledError, error_for
from wan_desktop.core.dashscope.types import TaskInfo, TaskStatus
from wan_desktop.core.engine.config import add_id, kind
from wan_desktop.core.engine.reconcile import Reconciler
from wan_desktop.core.engine.runtime import Runtime
from wan_desktop.core.events import EngineEvent, EventKind
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.polling import next_poll_delay

_SAY_WHY_AFTER = 3  # failed queries of one task in a row


def forgotten() -> str:
    return _("The service no longer knows this task (it keeps tasks for 24 hours), so its video cannot be fetched.")


class Poller:
    def __init__(self, rt: Runtime, reconciler: Reconciler) -> None:
        self.rt = rt
        self.reconciler = reconciler
        self._durations: dict[tuple[str, str], list[float]] = {}

    def poll(self, job: Job) -> None:
        rt = self.rt
        if not job.task_id:  # only a damaged row has a task on the service without its id
            rt.fail(job, _("This job's task id is missing, so the app cannot follow it on the service."))
            return
        rt.throttle.note_query()
        try:
            info = rt.service.get_task(job.task_id)
        except ThrottledError as error:
            pause = rt.pause_for(job.id, error)
            rt.throttle.block_queries(pause)
            rt.schedule.set(job.id, pause)
            return
        except AuthError as error:
            rt.block(error)
            return
        except DashScopeError as error:
            self._query_failed(job, error)
            return
        rt.schedule.failures.pop(job.id, None)
        self.apply(job, info)

    def _query_failed(self, job: Job, error: DashScopeError) -> None:
        """Keep asking, at most retry_cap apart, until the service would have forgotten the task; say why
        once the failures repeat, so a person is not left with a silent wait."""
        rt = self.rt
        if rt.past_ttl(job):
            rt.expire(job, forgotten())
            return
        rt.schedule.set(job.id, rt.schedule.backoff(job.id))
        if rt.schedule.failures.get(job.id) == _SAY_WHY_AFTER:
            apart = _("{n} s").format(n=format_number(rt.config.retry_cap))
            message = _("{problem} The app keeps asking about this task, at most {apart} apart.").format(
                problem=error.explanation, apart=apart
            )
            rt.emit(EngineEvent(EventKind.NOTICE, job_id=job.id, message=message))

    def apply(self, job: Job, info: TaskInfo) -> None:
        rt = self.rt
        if job.submitted_at is None:  # the first answer about this task
            self.reconciler.learn_clock_offset(job, info)
        times = dict(
            submitted_at=info.submit_time or job.submitted_at, scheduled_at=info.scheduled_time or job.scheduled_at
        )
        if info.status in (TaskStatus.PENDING, TaskStatus.RUNNING):
            state = JobState.RUNNING if info.status is TaskStatus.RUNNING else JobState.PENDING
            if state is not job.state or times["submitted_at"] != job.submitted_at:
                job = rt.journal.save(job.moved_to(state, **times))
            rt.schedule.set(job.id, self.delay(job))
        elif info.status is TaskStatus.SUCCEEDED:
            self._succeeded(job, info, times)
        elif info.status is TaskStatus.FAILED:
            error = error_for(None, info.code or "", info.message or "", info.request_id)
            rt.journal.save(
                job.moved_to(
                    JobState.FAILED,
                    **times,
                    finished_at=info.end_time,
                    error_code=info.code,
                    error_message=error.explanation,
                    error_detail=info.message,
                    request_ids=add_id(job.request_ids, info.request_id),
                )
            )
        elif info.status is TaskStatus.CANCELED:
            canceled = _("Canceled on the service; not charged.")
            rt.journal.save(job.moved_to(JobState.CANCELED, error_message=canceled))
        else:
            rt.expire(job, forgotten())

    def _succeeded(self, job: Job, info: TaskInfo, times: dict) -> None:
        estimate = self._final_cost(job, info)
        self.rt.journal.save(
            job.moved_to(
                JobState.SUCCEEDED,
                **times,
                finished_at=info.end_time,
                video_url=info.video_url,
                orig_prompt=info.orig_prompt,
                actual_prompt=info.actual_prompt,
                usage=dict(info.usage.raw) if info.usage else {},
                cost=estimate if estimate is not None else job.cost,
                request_ids=add_id(job.request_ids, info.request_id),
                error_code=None,
                error_message=None,
            )
        )
        self.rt.schedule.set(job.id, 0)

    def _final_cost(self, job: Job, info: TaskInfo) -> float | None:
        seconds = cost.billed_seconds(job.request.model, info.usage)
        if not seconds:
            return None
        return cost.estimate(replace(job.request, duration=round(seconds)), self.rt.config.region).amount

    def delay(self, job: Job, elapsed: float | None = None) -> float:
        if elapsed is None:
            elapsed = max(self.rt.seconds_since_sent(job) or 0.0, 0.0)
        key = kind(job)
        history = self._durations.get(key)
        if history is None:  # read once per kind; refreshed when a job of that kind is done
            history = self._durations[key] = self.rt.store.recent_durations(*key)
        return next_poll_delay(elapsed, history, self.rt.config.poll)

    def finished_one(self, job: Job) -> None:
        """A new finish changes what "usual" means for its kind."""
        self._durations.pop(kind(job), None)
