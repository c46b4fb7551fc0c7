"""Sending creates: one at a time, within the caps and rate limits, each claimed in the journal first.

A create is repeated only when it surely did not reach the service; otherwise the job becomes
``submit_uncertain`` and is reconciled with the task list (reconcile.py)."""

from __future__ import annotations

from dataclasses import replace

from wan_desktop.core.create_safety import CreateFailure, classify_create_failure
from wan_desktop.core.dashscope import catalog
from wan_desktop.core.dashscope.errors import (
    AuthError,
    BillingError,
    DashScopeError,
    LocalValidationError,
    ThrottledError,
    model_gone,
)
from wan_desktop.core.dashscope.types import is_remote
from wan_desktop.core.engine.config import OCCUPYING_STATES, unknown_model_sentence
from wan_desktop.core.engine.money import BudgetGuard
from wan_desktop.core.engine.poll import Poller
from wan_desktop.core.engine.runtime import Runtime, log
from wan_desktop.core.events import EngineEvent, EventKind
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import UnsafePath, field_words

_WAITING = (JobState.QUEUED, JobState.HELD_BY_BUDGET)


class Submitter:
    def __init__(self, rt: Runtime, poller: Poller) -> None:
        self.rt = rt
        self.poller = poller

    def submit_next(self) -> None:
        rt = self.rt
        if rt.money.caps_changed():
            for job in rt.journal.live_jobs():
                if job.state is JobState.HELD_BY_BUDGET:
                    rt.schedule.set(job.id, 0)
        for job in rt.journal.live_jobs():
            if job.state not in _WAITING or not rt.is_ours(job):
                continue
            if catalog.find_model(job.request.model) is None:
                rt.fail(job, unknown_model_sentence(job.request.model), code="UnknownModel")
                continue  # a job from a newer version or a bad sidecar must not block the queue
            if not rt.schedule.is_due(job.id, rt.clock.monotonic()) or self.delay(job) != 0:
                continue
            verdict = rt.money.precheck(job)
            if not verdict.allowed:
                self.hold(job, verdict.sentence)
                continue
            self.submit(job)
            return  # one create per turn: creates stay strictly sequential

    def delay(self, job: Job) -> float | None:
        """Seconds until ``job`` may be sent (0: now), or None while the model's or the person's cap on
        tasks in flight is reached: a finishing task frees a place, and that happens in the loop."""
        rt = self.rt
        spec = catalog.find_model(job.request.model)
        if spec is None:
            return 0.0  # due now: the next turn fails it with a sentence
        limits = spec.limits_in(rt.config.region)
        live = (rt.journal.jobs[job_id] for job_id in rt.journal.live)  # order does not matter here
        occupying = [j for j in live if j.state in OCCUPYING_STATES and rt.is_ours(j)]
        if rt.config.max_concurrent is not None and len(occupying) >= rt.config.max_concurrent:
            return None
        if sum(_model_key(j) == spec.key for j in occupying) >= limits.concurrent_tasks:
            return None
        return rt.throttle.submit_wait(job.request.model, spec.key, limits.submit_per_second)

    def submit(self, job: Job) -> None:
        rt = self.rt
        spec = catalog.model(job.request.model)
        outside = self._input_outside(job)
        if outside is not None:
            rt.fail(job, outside, code="UnsafePath")
            return
        try:
            prepared = rt.service.prepare(job.request)
        except LocalValidationError as error:
            rt.fail(job, error.explanation, code=error.code)
            return
        except DashScopeError as error:
            self._presend_error(job, error)
            return
        except OSError as error:
            problem = _("An input file of this job could not be read: {reason}.").format(reason=error.strerror or error)
            rt.fail(job, problem)
            return
        guard = rt.money.guard(job)
        sending = job.moved_to(JobState.SUBMITTING, submit_started_at=rt.clock.now())
        if job.state is JobState.HELD_BY_BUDGET:
            sending = replace(sending, error_code=None, error_message=None)
        claimed = rt.journal.claim(sending, guard)
        if claimed is None:
            self._refused(job, guard)
            return  # not journaled, another writer took the job first, or the budget holds it: no create
        for sentence in guard.notices:
            rt.emit(EngineEvent(EventKind.NOTICE, message=sentence))
        rt.throttle.note_submit(spec.key)
        self._send(claimed, prepared)

    def _input_outside(self, job: Job) -> str | None:
        """A sentence when a local input recorded for ``job`` (read back from the database) is not in the
        library's inputs folder, where the app keeps its copies: such a file is never uploaded."""
        library = self.rt.library
        for role, reference in job.request.media_references().items():
            if is_remote(reference):
                continue
            try:
                library.confined(reference, within=library.inputs_dir)
            except UnsafePath as error:
                return _("The {role} of this job is not in the library's inputs folder. {problem}").format(
                    role=field_words(role), problem=error
                )
        return None

    def _refused(self, job: Job, guard: BudgetGuard) -> None:
        current = self.rt.journal.get(job.id)
        if not guard.verdict.allowed and current is not None and current.state in _WAITING:
            self.hold(current, guard.verdict.sentence)

    def hold(self, job: Job, sentence: str) -> None:
        """Keep ``job`` from being sent, saying which cap holds it; it is checked again now and then."""
        rt = self.rt
        if job.state is not JobState.HELD_BY_BUDGET or job.error_message != sentence:
            rt.journal.save(job.moved_to(JobState.HELD_BY_BUDGET, error_code="HeldByBudget", error_message=sentence))
        rt.schedule.set(job.id, rt.config.budget_recheck)

    def _send(self, job: Job, prepared) -> None:
        rt = self.rt
        try:
            created = rt.service.create(prepared)
        except DashScopeError as error:
            self._create_error(job, error)
            return
        except Exception as error:  # a bug between journal and reply: the create may have gone out
            log.exception("create failed unexpectedly")
            self.uncertain(job, _("Unexpected error while sending: {error}").format(error=error))
            return
        saved = rt.journal.save(
            job.moved_to(
                JobState.PENDING,
                task_id=created.task_id,
                request_ids=(*job.request_ids, created.request_id),
                error_code=None,
                error_message=None,
                error_detail=None,
            )
        )
        rt.schedule.set(job.id, self.poller.delay(saved, elapsed=0.0))

    def _presend_error(self, job: Job, error: DashScopeError) -> None:
        """An error before the create (uploading inputs): nothing was created, so trying again is safe."""
        rt = self.rt
        if isinstance(error, (AuthError, BillingError)):
            rt.block(error)
        elif error.retryable:
            rt.retry_later(job, error)
        else:
            rt.fail(job, error.explanation, code=error.code, detail=error.message, request_id=error.request_id)

    def _create_error(self, job: Job, error: DashScopeError) -> None:
        rt = self.rt
        failure = classify_create_failure(error)
        if failure is CreateFailure.NOT_CREATED:
            rt.journal.save(job.moved_to(JobState.QUEUED, attempts=job.attempts + 1, error_message=error.explanation))
            rt.retry_later(job, error)
            if isinstance(error, ThrottledError):
                rt.throttle.block_creates(job.request.model, rt.pause_for(job.id, error))
        elif failure is CreateFailure.REFUSED_ACCOUNT:
            rt.journal.save(job.moved_to(JobState.QUEUED))
            rt.block(error)
        elif failure is CreateFailure.REJECTED:
            why = catalog.gone_sentence(job.request.model) if model_gone(error) else error.explanation
            rt.fail(job, why, code=error.code, detail=error.message, request_id=error.request_id)
        else:
            self.uncertain(job, error.message or error.explanation)

    def uncertain(self, job: Job, detail: str) -> None:
        rt = self.rt
        rt.journal.save(
            job.moved_to(
                JobState.SUBMIT_UNCERTAIN,
                error_code=None,
                error_message=_("The reply to the create request was lost; looking for the task on the service."),
                error_detail=detail,
            )
        )
        rt.schedule.set(job.id, rt.config.reconcile_delays[0] if rt.config.reconcile_delays else 0)


def _model_key(job: Job) -> str | None:
    spec = catalog.find_model(job.request.model)
    return spec.key if spec else None
