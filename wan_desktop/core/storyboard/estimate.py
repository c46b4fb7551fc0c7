"""The one confirmation before a render: the whole film's estimated cost and length (core/cost.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from wan_desktop.core import cost
from wan_desktop.core.dashscope.catalog import REGIONS, Region, find_model
from wan_desktop.core.i18n import _, format_number, format_seconds_value, ngettext
from wan_desktop.core.jobs import Job

from .model import Storyboard
from .planner import ShotState, plan


@dataclass(frozen=True)
class FilmEstimate:
    to_render: int  # shots that render would queue
    cost: cost.CostEstimate  # of those shots
    film_seconds: float  # the whole film once rendered (rendered takes count as they are)

    def sentence(self) -> str:
        seconds = format_seconds_value(self.film_seconds)
        if not self.to_render:
            return _("Every shot already has a take; the film is about {seconds} s.").format(seconds=seconds)
        return ngettext(
            "This renders {n} shot for {cost} (estimated); the film will be about {seconds} s long.",
            "This renders {n} shots for {cost} (estimated); the film will be about {seconds} s long.",
            self.to_render,
        ).format(n=format_number(self.to_render), cost=self.cost.text(), seconds=seconds)


def film_estimate(board: Storyboard, jobs: Mapping[str, Job], region: Region) -> FilmEstimate:
    plans = plan(board, jobs)
    pending = [item for item in plans if item.state in (ShotState.READY, ShotState.WAITING)]
    estimates = [cost.estimate(item.shot.request, region) for item in pending]
    seconds = 0.0
    for item in plans:
        job = jobs.get(item.shot.picked_job_id or "")
        seconds += (job.video_seconds if job else None) or _asked_seconds(item.shot.request)
    total = cost.total(estimates) if estimates else cost.CostEstimate(0.0, REGIONS[region].currency, None, 0)
    return FilmEstimate(len(pending), total, round(seconds, 3))


def _asked_seconds(request) -> float:
    spec = find_model(request.model)
    return float(request.duration or (spec.default_duration if spec else 0))
