"""Edits of a storyboard: each returns a new board, or raises ``EditRefused`` with a sentence when the edit
would leave a shot that its model cannot join (checked against the catalog at edit time)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.i18n import _, format_number

from .joins import join_refusal
from .model import Join, Shot, Storyboard, Take

MAX_SHOTS = 200
MAX_NOTES = 2000
MAX_NAME = 120


class EditRefused(ValueError):
    """The edit was not made; ``str()`` is a sentence for the person."""


def new_board(name: str, now: datetime) -> Storyboard:
    return Storyboard(uuid.uuid4().hex, check_name(name), (), now, now)


def check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        raise EditRefused(_("A storyboard needs a name of 1 to {limit} printable characters.").format(limit=MAX_NAME))
    return name


def new_shot(request: GenerationRequest, join: Join, notes: str = "") -> Shot:
    if len(notes) > MAX_NOTES:
        raise EditRefused(_too_long_notes())
    return Shot(uuid.uuid4().hex, request, join, notes)


def add_shot(board: Storyboard, shot: Shot, region: Region, now: datetime, *, at: int | None = None) -> Storyboard:
    if len(board.shots) >= MAX_SHOTS:
        raise EditRefused(_("A storyboard holds at most {limit} shots.").format(limit=format_number(MAX_SHOTS)))
    shots = list(board.shots)
    shots.insert(len(shots) if at is None else max(0, min(at, len(shots))), shot)
    return _checked(board, tuple(shots), region, now, changed=(shot.id,))


def move_shot(board: Storyboard, shot_id: str, to: int, region: Region, now: datetime) -> Storyboard:
    shots = list(board.shots)
    shot = shots.pop(board.index(shot_id))
    shots.insert(max(0, min(to, len(shots))), shot)
    return _checked(board, tuple(shots), region, now, changed=tuple(s.id for s in shots))


def duplicate_shot(board: Storyboard, shot_id: str, region: Region, now: datetime) -> Storyboard:
    """A copy right after the original, with its prompt, model, options and join but none of its takes."""
    original = board.shots[board.index(shot_id)]
    copy = replace(original, id=uuid.uuid4().hex, takes=(), picked_job_id=None, reserved_at=None)
    return add_shot(board, copy, region, now, at=board.index(shot_id) + 1)


def remove_shot(board: Storyboard, shot_id: str, region: Region, now: datetime) -> Storyboard:
    number = board.index(shot_id)
    shots = board.shots[:number] + board.shots[number + 1 :]
    return _checked(board, shots, region, now, changed=tuple(s.id for s in shots[number : number + 1]))


def update_shot(board: Storyboard, shot_id: str, region: Region, now: datetime, **changes: object) -> Storyboard:
    """Change a shot's request, join or notes (its takes stay; a new take uses the new request)."""
    number = board.index(shot_id)
    shot = replace(board.shots[number], **changes)
    if len(shot.notes) > MAX_NOTES:
        raise EditRefused(_too_long_notes())
    shots = (*board.shots[:number], shot, *board.shots[number + 1 :])
    return _checked(board, shots, region, now, changed=(shot_id, *(s.id for s in shots[number + 1 : number + 2])))


def update_shot_unchecked(board: Storyboard, shot_id: str, **changes: object) -> Storyboard:
    """Bookkeeping that changes no input (a reservation), so needs no check."""
    shot = replace(board.shots[board.index(shot_id)], **changes)
    return _replace_shot(board, shot_id, shot, board.updated_at)


def add_take(board: Storyboard, shot_id: str, take: Take, now: datetime) -> Storyboard:
    return _replace_shot(board, shot_id, board.shots[board.index(shot_id)].with_take(take), now)


def reserve(board: Storyboard, shot_id: str, now: datetime) -> Storyboard:
    return _replace_shot(board, shot_id, replace(board.shots[board.index(shot_id)], reserved_at=now), now)


def pick_take(board: Storyboard, shot_id: str, job_id: str, now: datetime) -> Storyboard:
    shot = board.shots[board.index(shot_id)]
    if job_id not in {take.job_id for take in shot.takes}:
        raise EditRefused(_("That video is not a take of this shot."))
    return _replace_shot(board, shot_id, replace(shot, picked_job_id=job_id), now)


def rename(board: Storyboard, name: str, now: datetime) -> Storyboard:
    return replace(board, name=check_name(name), updated_at=now)


def _replace_shot(board: Storyboard, shot_id: str, shot: Shot, now: datetime) -> Storyboard:
    number = board.index(shot_id)
    return replace(board, shots=(*board.shots[:number], shot, *board.shots[number + 1 :]), updated_at=now)


def _checked(
    board: Storyboard, shots: tuple[Shot, ...], region: Region, now: datetime, *, changed: tuple[str, ...]
) -> Storyboard:
    """Only the shots whose own request or whose neighbour changed are checked again."""
    for number, shot in enumerate(shots):
        if shot.id not in changed:
            continue
        previous = shots[number - 1].request if number > 0 else None
        refusal = join_refusal(shot.request, shot.join, previous=previous, region=region)
        if refusal:
            raise EditRefused(shot_sentence(number + 1, refusal))
    return replace(board, shots=shots, updated_at=now)


def shot_sentence(number: int, sentence: str) -> str:
    """What is wrong with one shot, with its number: "Shot 2: ..."."""
    return _("Shot {number}: {problem}").format(number=number, problem=sentence)


def _too_long_notes() -> str:
    return _("Notes may have at most {limit} characters.").format(limit=format_number(MAX_NOTES))
