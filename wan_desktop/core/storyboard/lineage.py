"""A storyboard from a lineage made by hand (a clip, the clip continued from it, ...): each clip of the
sequence becomes a shot whose picked take is that clip, joined the way it was made."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from wan_desktop.core.history import Lineage
from wan_desktop.core.i18n import _

from .edits import check_name
from .model import Join, Shot, Storyboard, Take


def board_from_lineage(lineage: Lineage, name: str, now: datetime) -> Storyboard:
    shots: list[Shot] = []
    previous = None
    for job in lineage.sequence:
        continues = previous is not None and job.parent_job_id == previous.id
        join = (Join.CLIP if job.request.first_clip else Join.LAST_FRAME) if continues else Join.CUT
        request = job.request if join is Join.CUT else replace(job.request, first_frame=None, first_clip=None)
        take = Take(job.id, previous.id if continues and previous is not None else None)
        shots.append(Shot(uuid.uuid4().hex, request, join, takes=(take,), picked_job_id=job.id))
        previous = job
    if not shots:
        raise ValueError(_("That video has no finished clips in its lineage to make a storyboard of."))
    return Storyboard(uuid.uuid4().hex, check_name(name), tuple(shots), now, now)
