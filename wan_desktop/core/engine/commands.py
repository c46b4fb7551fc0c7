"""What a person asks of the engine, each checked against the rulebook (core/jobs.py ``refusal``) and
answered with a typed outcome and a sentence. These run on the engine thread (or any thread while the loop
is not running)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import Enum
from pathlib import Path

from wan_desktop.core import cost
from wan_desktop.core.dashscope.errors import DashScopeError
from wan_desktop.core.dashscope.types import GenerationRequest, is_remote
from wan_desktop.core.engine.runtime import Runtime
from wan_desktop.core.events import UncertainDecision
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import FINAL_STATES, Job, JobAction, JobState, refusal
from wan_desktop.core.request_checks import ensure_valid
from wan_desktop.core.store import StoreError


class Outcome(str, Enum):
    DONE = "done"
    REFUSED = "refused"
    NOT_FOUND = "not_found"
    FAILED = "failed"


@dataclass(frozen=True)
class CommandOutcome:
    kind: Outcome
    message: str  # a sentence for a person
    job: Job | None = None  # the job as saved, when there is one

    @property
    def ok(self) -> bool:
        return self.kind is Outcome.DONE


@dataclass(frozen=True)
class ImportOutcome:
    added: tuple[str, ...]
    already: int
    refused: tuple[tuple[str, str], ...]  # (job id, sentence)
    message: str


def _not_found() -> CommandOutcome:
    return CommandOutcome(Outcome.NOT_FOUND, _("No such job."))


def _dropped() -> str:
    return _("Dropped by you; it may still exist on the service.")


def _not_imported(job: Job) -> str:
    return _(
        "A job that is {state} is not imported: only finished jobs are, so nothing is sent without you asking."
    ).format(state=job.state.label.lower())


class Commands:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    # -- new jobs -----------------------------------------------------------------------------------
    def add_jobs(
        self, requests: Sequence[GenerationRequest], parent_job_id: str | None, project: str | None = None
    ) -> list[Job]:
        """Validate every request, keep copies of local inputs in the library, and queue one job each.
        Nothing is queued unless every request is valid."""
        rt = self.rt
        for request in requests:
            ensure_valid(request, rt.config.region)
        jobs = []
        for request in requests:
            job_id, now = uuid.uuid4().hex, rt.clock.now()
            kept = self._keep_inputs(job_id, request)
            estimate = cost.estimate(kept, rt.config.region)
            job = Job(
                id=job_id,
                request=kept,
                state=JobState.QUEUED,
                created_at=now,
                updated_at=now,
                region=rt.config.region.value,
                parent_job_id=parent_job_id,
                project=project,
                cost=estimate.amount,
                currency=estimate.currency.value,
            )
            jobs.append(rt.journal.add(job))
        rt.wake.set()
        return jobs

    def import_jobs(self, jobs: Sequence[Job]) -> ImportOutcome:
        """Take finished jobs into the history (restored from sidecars); never queues anything."""
        added, refused, already = [], [], 0
        for job in jobs:
            if self.rt.journal.get(job.id) is not None:
                already += 1
            elif job.state not in FINAL_STATES:
                refused.append((job.id, _not_imported(job)))
            else:
                try:
                    self.rt.journal.add(job)
                except ValueError:  # its row exists though this engine had not seen it
                    already += 1
                except StoreError as error:
                    refused.append((job.id, error.explanation))
                else:
                    added.append(job.id)
        message = ngettext(
            "Imported {n} job; {already} already in the history; {refused} refused.",
            "Imported {n} jobs; {already} already in the history; {refused} refused.",
            len(added),
        ).format(n=format_number(len(added)), already=format_number(already), refused=format_number(len(refused)))
        return ImportOutcome(tuple(added), already, tuple(refused), message)

    # -- changes to a job ---------------------------------------------------------------------------
    def cancel(self, job_id: str) -> CommandOutcome:
        job = self._check(job_id, JobAction.CANCEL)
        if isinstance(job, CommandOutcome):
            return job
        if job.state in (JobState.QUEUED, JobState.HELD_BY_BUDGET):
            canceled = job.moved_to(JobState.CANCELED, error_message=_("Canceled before it was sent."))
            return self._saved(canceled, _("Canceled."))
        if job.state is JobState.SUBMIT_UNCERTAIN:
            return self._saved(job.moved_to(JobState.CANCELED, error_message=_dropped()), _("Dropped."))
        return self._cancel_on_service(job)

    def _cancel_on_service(self, job: Job) -> CommandOutcome:
        rt = self.rt
        if not job.task_id:
            return CommandOutcome(Outcome.REFUSED, _("This job has no task on the service to cancel."), job)
        try:
            rt.service.cancel_task(job.task_id)
        except DashScopeError as error:
            if error.http_status == 400:
                rt.schedule.set(job.id, 0)  # it has started: the next poll shows it running
                message = _("The service has already started this video; it can no longer be canceled.")
                return CommandOutcome(Outcome.REFUSED, message, job)
            return CommandOutcome(Outcome.FAILED, error.explanation, job)
        message = _("Canceled on the service; not charged.")
        return self._saved(job.moved_to(JobState.CANCELED, error_message=message), message)

    def retry(self, job_id: str) -> CommandOutcome:
        job = self._check(job_id, JobAction.RETRY)
        if isinstance(job, CommandOutcome):
            return job
        self.rt.schedule.forget(job_id)
        return self._saved(_fresh_attempt(job), _("Queued again."))

    def remove(self, job_id: str) -> CommandOutcome:
        return self._delete(job_id, JobAction.REMOVE, _("Removed."))

    def forget(self, job_id: str) -> CommandOutcome:
        """Drop a finished job deleted from the history (its files went to the trash)."""
        return self._delete(job_id, JobAction.DELETE, _("Deleted."))

    def decide(self, job_id: str, decision: UncertainDecision) -> CommandOutcome:
        job = self._check(job_id, JobAction.DECIDE)
        if isinstance(job, CommandOutcome):
            return job
        rt = self.rt
        if decision is UncertainDecision.SEARCH_AGAIN:
            rt.schedule.reconcile_tries.pop(job_id, None)
            cleared = replace(job, error_code=None, error_message=None, error_detail=None)
            outcome = self._saved(cleared, _("Looking for the task on the service again."))
            rt.schedule.set(job_id, 0)
            return outcome
        if decision is UncertainDecision.RESUBMIT:
            queued = job.moved_to(JobState.QUEUED, error_code=None, error_message=None, error_detail=None)
            return self._saved(queued, _("Queued to be sent again."))
        return self._saved(job.moved_to(JobState.CANCELED, error_message=_dropped()), _("Dropped."))

    def set_favourite(self, job_id: str, favourite: bool) -> CommandOutcome:
        job = self._check(job_id, JobAction.FAVOURITE)
        if isinstance(job, CommandOutcome):
            return job
        word = _("Marked as a favourite.") if favourite else _("No longer a favourite.")
        return self._saved(replace(job, favourite=bool(favourite)), word)

    def set_kept(self, job_id: str, kept: bool | None) -> CommandOutcome:
        job = self._check(job_id, JobAction.KEEP)
        if isinstance(job, CommandOutcome):
            return job
        mark = None if kept is None else bool(kept)
        word = _("Unmarked.") if mark is None else (_("Kept.") if mark else _("Rejected."))
        return self._saved(replace(job, kept=mark), word)

    # -- plumbing -----------------------------------------------------------------------------------
    def _check(self, job_id: str, action: JobAction) -> Job | CommandOutcome:
        """The job, when the rulebook allows ``action`` on it; else the outcome that says why not."""
        job = self.rt.journal.get(job_id)
        if job is None:
            return _not_found()
        sentence = refusal(job, action)
        return CommandOutcome(Outcome.REFUSED, sentence, job) if sentence else job

    def _saved(self, job: Job, message: str) -> CommandOutcome:
        saved = self.rt.journal.save(job)
        if job.id in self.rt.journal.unsaved:
            message = _("{outcome} It is not yet saved to disk; the app keeps trying.").format(outcome=message)
        return CommandOutcome(Outcome.DONE, message, saved)

    def _delete(self, job_id: str, action: JobAction, message: str) -> CommandOutcome:
        job = self._check(job_id, action)
        if isinstance(job, CommandOutcome):
            return job
        try:
            self.rt.journal.delete(job_id)
        except StoreError as error:
            return CommandOutcome(Outcome.FAILED, error.explanation, job)
        self.rt.schedule.forget(job_id)
        return CommandOutcome(Outcome.DONE, message, job)

    def _keep_inputs(self, job_id: str, request: GenerationRequest) -> GenerationRequest:
        """Copy local media into the library so the job survives the originals moving."""
        changes = {}
        for name, reference in request.media_references().items():
            if not is_remote(reference):
                changes[name] = str(self.rt.library.copy_input(job_id, Path(reference), name))
        return replace(request, **changes)


def _fresh_attempt(job: Job) -> Job:
    return job.moved_to(
        JobState.QUEUED,
        task_id=None,
        submit_started_at=None,
        submitted_at=None,
        scheduled_at=None,
        finished_at=None,
        video_url=None,
        orig_prompt=None,
        actual_prompt=None,
        usage={},
        error_code=None,
        error_message=None,
        error_detail=None,
        bytes_downloaded=0,
        bytes_total=None,
        attempts=0,
    )
