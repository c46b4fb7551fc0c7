"""What each shot of a board needs next, derived from the board and the states of its jobs only, so that
working it out again after a crash gives the same answer (render is idempotent: a shot with any take is
never given another job unless a person asks for one)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import FINAL_STATES, Job, JobState

from .model import Shot, Storyboard


class ShotState(str, Enum):
    READY = "ready"  # nothing rendered yet and its input is there: render can queue it
    WAITING = "waiting"  # waits for the shot it continues
    BLOCKED = "blocked"  # the shot it continues failed or has no usable video
    RENDERING = "rendering"  # a take is in the queue or on the service
    UNPICKED = "unpicked"  # at least one take is done; none is picked yet
    FAILED = "failed"  # every take failed (or was canceled / expired)
    DONE = "done"  # the picked take is done
    STALE = "stale"  # the picked take was made from a take of the previous shot that is no longer picked

    @property
    def label(self) -> str:
        return state_label(self)

    @property
    def has_video(self) -> bool:
        return self in (ShotState.DONE, ShotState.STALE)


def state_label(state: ShotState) -> str:
    labels = {
        ShotState.READY: _("Ready to render"),
        ShotState.WAITING: _("Waits for the shot before"),
        ShotState.BLOCKED: _("Cannot start: the shot before has no video"),
        ShotState.RENDERING: _("Rendering"),
        ShotState.UNPICKED: _("Pick a take"),
        ShotState.FAILED: _("Failed"),
        ShotState.DONE: _("Done"),
        ShotState.STALE: _("Stale: the shot before changed"),
    }
    return labels[state]


@dataclass(frozen=True)
class ShotPlan:
    shot: Shot
    number: int  # 1-based
    state: ShotState
    basis: Job | None = None  # the previous shot's picked take, for a shot that joins it


def plan(board: Storyboard, jobs: Mapping[str, Job]) -> tuple[ShotPlan, ...]:
    plans: list[ShotPlan] = []
    for number, shot in enumerate(board.shots, 1):
        previous = plans[-1] if plans else None
        basis = _picked_job(previous.shot, jobs) if previous else None
        plans.append(ShotPlan(shot, number, _state(board, shot, jobs, previous), basis))
    return tuple(plans)


def _state(board: Storyboard, shot: Shot, jobs: Mapping[str, Job], previous: ShotPlan | None) -> ShotState:
    own = _own_state(shot, jobs)
    if own is ShotState.DONE and board.is_stale(shot.id):
        return ShotState.STALE
    if own is not ShotState.READY or not shot.join.needs_previous:
        return own
    if previous is None:
        return ShotState.BLOCKED
    if previous.state.has_video:
        return ShotState.READY
    if previous.state in (ShotState.FAILED, ShotState.BLOCKED):
        return ShotState.BLOCKED
    return ShotState.WAITING


def _own_state(shot: Shot, jobs: Mapping[str, Job]) -> ShotState:
    picked = _picked_job(shot, jobs)
    if picked is not None:
        return ShotState.DONE
    if not shot.takes:
        # a reserved shot counts as rendering until its job is found (see render.attach_orphans)
        return ShotState.RENDERING if shot.reserved_at else ShotState.READY
    takes = [jobs[take.job_id] for take in shot.takes if take.job_id in jobs]
    if any(job.state not in FINAL_STATES for job in takes):
        return ShotState.RENDERING
    if any(job.state is JobState.DONE for job in takes):
        return ShotState.UNPICKED
    return ShotState.FAILED


def _picked_job(shot: Shot, jobs: Mapping[str, Job]) -> Job | None:
    job = jobs.get(shot.picked_job_id or "")
    return job if job is not None and job.state is JobState.DONE else None


def ready(plans: tuple[ShotPlan, ...]) -> list[ShotPlan]:
    return [item for item in plans if item.state is ShotState.READY]


def finished(plans: tuple[ShotPlan, ...]) -> bool:
    """Nothing more that render can do: every shot has a video, or failed, or waits on one that failed."""
    return all(item.state not in (ShotState.READY, ShotState.WAITING, ShotState.RENDERING) for item in plans)


def board_jobs(board: Storyboard, jobs: Iterable[Job]) -> dict[str, Job]:
    """The jobs of a board: those it queued (``Job.project``) and those its takes name (a board made from a
    lineage takes jobs that were queued by hand)."""
    named = {take.job_id for shot in board.shots for take in shot.takes}
    return {job.id: job for job in jobs if job.project == board.project or job.id in named}
