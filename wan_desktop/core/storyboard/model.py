"""A storyboard: a named, ordered list of shots that render into one film. Frozen values; every edit makes
a new board (see ``edits``), so a board can cross threads like a Job."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum

from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.i18n import _


class Join(str, Enum):
    """How a shot begins from the one before it."""

    CLIP = "clip"  # the model continues the previous clip itself (wan2.7 first_clip)
    LAST_FRAME = "last_frame"  # the previous clip's last frame is this shot's first frame
    REFERENCE = "reference"  # the previous clip is a reference for this one (models that take one)
    CUT = "cut"  # a hard cut: the shot has its own first frame

    @property
    def label(self) -> str:
        """The join in the person's words; sentences put it after "a shot that ..."."""
        return join_label(self)

    @property
    def needs_previous(self) -> bool:
        return self is not Join.CUT


def join_label(join: Join) -> str:
    labels = {
        Join.CLIP: _("continues the clip"),
        Join.LAST_FRAME: _("starts from the last frame"),
        Join.REFERENCE: _("uses the clip as a reference"),
        Join.CUT: _("hard cut"),
    }
    return labels[join]


@dataclass(frozen=True)
class Take:
    """One job rendered for a shot, and the take of the previous shot its input was made from."""

    job_id: str
    basis_job_id: str | None = None  # None for a hard cut


@dataclass(frozen=True)
class Shot:
    id: str
    request: GenerationRequest  # the template: a cut holds its own first frame; joined inputs are filled in
    join: Join = Join.CUT
    notes: str = ""
    takes: tuple[Take, ...] = ()
    picked_job_id: str | None = None
    reserved_at: datetime | None = None  # a render of this shot was about to be queued (crash recovery)

    @property
    def picked(self) -> Take | None:
        return next((take for take in self.takes if take.job_id == self.picked_job_id), None)

    def with_take(self, take: Take) -> Shot:
        return replace(self, takes=(*self.takes, take), reserved_at=None)


@dataclass(frozen=True)
class Storyboard:
    id: str
    name: str
    shots: tuple[Shot, ...]
    created_at: datetime
    updated_at: datetime
    render_requested: bool = False  # "render all" was asked and not everything is rendered yet

    @property
    def project(self) -> str:
        """The ``Job.project`` of every job rendered for this board."""
        return project_of(self.id)

    def shot(self, shot_id: str) -> Shot | None:
        return next((shot for shot in self.shots if shot.id == shot_id), None)

    def index(self, shot_id: str) -> int:
        for number, shot in enumerate(self.shots):
            if shot.id == shot_id:
                return number
        raise KeyError(f"no shot {shot_id!r} in {self.name!r}")

    def previous(self, shot_id: str) -> Shot | None:
        number = self.index(shot_id)
        return self.shots[number - 1] if number > 0 else None

    def is_stale(self, shot_id: str) -> bool:
        """The shot's picked take was made from a take of the previous shot that is no longer the picked one
        (or the shot joins a shot that moved)."""
        shot = self.shots[self.index(shot_id)]
        take = shot.picked
        if take is None or not shot.join.needs_previous:
            return False
        previous = self.previous(shot_id)
        return previous is None or previous.picked_job_id != take.basis_job_id


PROJECT_PREFIX = "storyboard:"


def project_of(board_id: str) -> str:
    return f"{PROJECT_PREFIX}{board_id}"


def board_of_project(project: str | None) -> str | None:
    if project and project.startswith(PROJECT_PREFIX):
        return project[len(PROJECT_PREFIX) :]
    return None
