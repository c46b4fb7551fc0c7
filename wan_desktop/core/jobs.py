"""The job: one paid video from request to file, and the states it may pass through.

States and transitions are explicit so that every change can be journaled *before* the action it
announces (see shared/DESIGN.md). ``Job`` is frozen: it crosses threads and is replaced, never mutated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum

from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.i18n import _


class JobState(str, Enum):
    QUEUED = "queued"  # waiting locally; nothing sent yet
    SUBMITTING = "submitting"  # journaled before the create request goes out
    PENDING = "pending"  # the service has the task and has not started it
    RUNNING = "running"
    SUCCEEDED = "succeeded"  # the service has the video; not yet on disk
    DOWNLOADING = "downloading"
    DONE = "done"  # the verified video, sidecar and thumbnail are in the library
    FAILED = "failed"
    CANCELED = "canceled"
    EXPIRED = "expired"  # the service forgot the task (24 h) before we had the video
    SUBMIT_UNCERTAIN = "submit_uncertain"  # the create may or may not have reached the service
    HELD_BY_BUDGET = "held_by_budget"  # not sent: it would pass a spending cap (or has no price to check)

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES

    @property
    def on_service(self) -> bool:
        """The service holds a task for this job that is not finished yet."""
        return self in (JobState.PENDING, JobState.RUNNING)

    @property
    def label(self) -> str:
        """The state as a person reads it, in the installed language."""
        return {
            JobState.QUEUED: _("Queued"),
            JobState.SUBMITTING: _("Submitting"),
            JobState.PENDING: _("Waiting on the service"),
            JobState.RUNNING: _("Generating"),
            JobState.SUCCEEDED: _("Ready to download"),
            JobState.DOWNLOADING: _("Downloading"),
            JobState.DONE: _("Done"),
            JobState.FAILED: _("Failed"),
            JobState.CANCELED: _("Canceled"),
            JobState.EXPIRED: _("Expired"),
            JobState.SUBMIT_UNCERTAIN: _("Needs your decision"),
            JobState.HELD_BY_BUDGET: _("Held by budget"),
        }[self]


FINAL_STATES = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELED, JobState.EXPIRED})

S = JobState
ALLOWED_TRANSITIONS: Mapping[JobState, frozenset[JobState]] = {
    S.QUEUED: frozenset({S.SUBMITTING, S.CANCELED, S.FAILED, S.HELD_BY_BUDGET}),
    # a raised cap or a new day sends it (the claim takes it from here, with the budget checked again)
    S.HELD_BY_BUDGET: frozenset({S.SUBMITTING, S.QUEUED, S.CANCELED, S.FAILED}),
    # a create that surely did not arrive goes back to QUEUED for another try
    S.SUBMITTING: frozenset(
        {S.PENDING, S.RUNNING, S.SUCCEEDED, S.QUEUED, S.FAILED, S.SUBMIT_UNCERTAIN, S.HELD_BY_BUDGET}
    ),
    S.SUBMIT_UNCERTAIN: frozenset({S.PENDING, S.RUNNING, S.SUCCEEDED, S.FAILED, S.CANCELED, S.QUEUED, S.EXPIRED}),
    S.PENDING: frozenset({S.RUNNING, S.SUCCEEDED, S.FAILED, S.CANCELED, S.EXPIRED}),
    S.RUNNING: frozenset({S.SUCCEEDED, S.FAILED, S.CANCELED, S.EXPIRED}),
    S.SUCCEEDED: frozenset({S.DOWNLOADING, S.EXPIRED, S.FAILED}),
    S.DOWNLOADING: frozenset({S.DONE, S.SUCCEEDED, S.EXPIRED, S.FAILED}),
    S.DONE: frozenset(),
    # retry makes a fresh attempt from the same inputs
    S.FAILED: frozenset({S.QUEUED}),
    S.CANCELED: frozenset({S.QUEUED}),
    S.EXPIRED: frozenset({S.QUEUED}),
}
del S


class IllegalTransition(Exception):
    def __init__(self, job_id: str, current: JobState, wanted: JobState) -> None:
        super().__init__(f"job {job_id}: cannot go from {current.value} to {wanted.value}")
        self.current = current
        self.wanted = wanted


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Job:
    """Everything needed to follow, redo or remix one generation."""

    id: str
    request: GenerationRequest  # media fields point at the copies kept in the library's inputs folder
    state: JobState
    created_at: datetime
    updated_at: datetime
    region: str  # catalog.Region value the job is sent to
    task_id: str | None = None
    request_ids: tuple[str, ...] = ()  # every request id the service gave for this job, for support
    submit_started_at: datetime | None = None  # when the create went out (reconciliation window)
    submitted_at: datetime | None = None  # service submit_time
    scheduled_at: datetime | None = None
    finished_at: datetime | None = None  # service end_time
    video_url: str | None = None
    orig_prompt: str | None = None
    actual_prompt: str | None = None
    usage: Mapping[str, object] = field(default_factory=dict)
    cost: float | None = None
    currency: str | None = None
    error_code: str | None = None
    error_message: str | None = None  # the sentence shown to the person
    error_detail: str | None = None  # the service's own message
    video_path: str | None = None  # relative to the library folder once done
    thumbnail_path: str | None = None
    sidecar_path: str | None = None
    bytes_downloaded: int = 0
    bytes_total: int | None = None
    attempts: int = 0  # create attempts that surely did not arrive
    parent_job_id: str | None = None  # made from this job's last frame or clip (lineage)
    favourite: bool = False
    kept: bool | None = None  # the person's mark on a finished video: kept, rejected, or not marked yet
    project: str | None = None  # the batch or storyboard that queued it ("batch:<id>", "storyboard:<id>")

    @property
    def video_seconds(self) -> float | None:
        """How long the video is: what the service reports it made (each model family names it differently
        in ``usage``), else what was asked for."""
        for name in ("output_video_duration", "duration", "video_duration"):
            value = self.usage.get(name)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                return float(value)
        return float(self.request.duration) if self.request.duration else None

    def moved_to(self, state: JobState, **changes: object) -> Job:
        """A copy in ``state`` with ``changes``; refuses transitions the state machine does not allow."""
        if state is not self.state and state not in ALLOWED_TRANSITIONS[self.state]:
            raise IllegalTransition(self.id, self.state, state)
        return replace(self, state=state, updated_at=utc_now(), **changes)


class JobAction(str, Enum):
    """What a person (or a layer on their behalf) may ask to do to a job."""

    CANCEL = "cancel"
    RETRY = "retry"
    REMOVE = "remove"  # from the queue; nothing to trash
    DELETE = "delete"  # from the history; its files go to the trash
    DECIDE = "decide"
    FAVOURITE = "favourite"
    KEEP = "keep"  # the kept/rejected mark of a finished video


_RETRYABLE = frozenset({JobState.FAILED, JobState.CANCELED, JobState.EXPIRED})
_ALLOWED_IN: Mapping[JobAction, frozenset[JobState]] = {
    JobAction.CANCEL: frozenset(
        {JobState.QUEUED, JobState.PENDING, JobState.SUBMIT_UNCERTAIN, JobState.HELD_BY_BUDGET}
    ),
    JobAction.RETRY: _RETRYABLE,
    JobAction.REMOVE: _RETRYABLE | {JobState.QUEUED, JobState.HELD_BY_BUDGET},
    JobAction.DELETE: FINAL_STATES,
    JobAction.DECIDE: frozenset({JobState.SUBMIT_UNCERTAIN}),
    JobAction.FAVOURITE: frozenset({JobState.DONE}),
    JobAction.KEEP: frozenset({JobState.DONE}),
}
# Codes the engine sets on a submit_uncertain job once it stops searching and the person decides.
DECISION_CODES = frozenset({"TaskNotFound", "TaskAmbiguous"})


def job_label(job: Job) -> str:
    """How a job's state is worded for a person: the state's label, except that a job whose lost create the
    engine is still looking for does not need the person yet, so it does not say so."""
    if job.state is JobState.SUBMIT_UNCERTAIN and job.error_code not in DECISION_CODES:
        return _("Checking with the service")
    return job.state.label


def allowed_actions(job: Job) -> frozenset[JobAction]:
    return frozenset(action for action in JobAction if refusal(job, action) is None)


def refusal(job: Job, action: JobAction) -> str | None:
    """None when ``action`` may be done to ``job``, else a sentence for the person saying why not."""
    if action is JobAction.DECIDE and job.state is JobState.SUBMIT_UNCERTAIN:
        return None if job.error_code in DECISION_CODES else _("This job is not waiting for a decision yet.")
    if job.state in _ALLOWED_IN[action]:
        return None
    if action is JobAction.REMOVE and job.state is JobState.DONE:
        return _("A finished video is not removed from the queue; delete it from the history instead.")
    return _refusal_sentence(action).format(state=job.state.label.lower())


def _refusal_sentence(action: JobAction) -> str:
    return {
        JobAction.CANCEL: _("A job that is {state} can no longer be canceled."),
        JobAction.RETRY: _("A job that is {state} cannot be retried."),
        JobAction.REMOVE: _("A job that is {state} cannot be removed; cancel it first."),
        JobAction.DELETE: _("A job that is {state} cannot be deleted; cancel it first."),
        JobAction.DECIDE: _("This job is not waiting for a decision."),
        JobAction.FAVOURITE: _("Only a finished video can be a favourite; this job is {state}."),
        JobAction.KEEP: _("Only a finished video can be kept or rejected; this job is {state}."),
    }[action]
