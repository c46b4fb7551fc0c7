"""Storyboard <-> JSON, strict both ways: the same codec serves the database row and the sidecar in the
library (which anyone can write), so every field is checked for its type and size; requests go through the
job codec's own request check. Raises ``CodecError`` naming the first field that is wrong."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from wan_desktop.core.i18n import _
from wan_desktop.core.job_codec import CodecError, encodable, parse_datetime, request_from_dict, request_to_dict

from .edits import MAX_NAME, MAX_NOTES, MAX_SHOTS
from .model import Join, Shot, Storyboard, Take

MAX_TAKES = 100
_ID = re.compile(r"^[0-9a-f]{32}$")


def board_to_dict(board: Storyboard) -> dict[str, Any]:
    return {
        "id": board.id,
        "name": board.name,
        "created_at": board.created_at.isoformat(),
        "updated_at": board.updated_at.isoformat(),
        "render_requested": board.render_requested,
        "shots": [_shot_to_dict(shot) for shot in board.shots],
    }


def _shot_to_dict(shot: Shot) -> dict[str, Any]:
    return {
        "id": shot.id,
        "request": request_to_dict(shot.request),
        "join": shot.join.value,
        "notes": shot.notes,
        "takes": [{"job_id": take.job_id, "basis_job_id": take.basis_job_id} for take in shot.takes],
        "picked_job_id": shot.picked_job_id,
        "reserved_at": shot.reserved_at.isoformat() if shot.reserved_at else None,
    }


def board_from_dict(data: Any) -> Storyboard:
    data = _mapping("storyboard", data)
    shots = data.get("shots")
    if not isinstance(shots, list) or len(shots) > MAX_SHOTS:
        raise CodecError(
            _("the field '{field}' is not a list of at most {limit} shots").format(field="shots", limit=MAX_SHOTS)
        )
    parsed = tuple(_shot_from_dict(number, item) for number, item in enumerate(shots, 1))
    if len({shot.id for shot in parsed}) != len(parsed):
        raise CodecError(_("two shots have the same id"))
    render_requested = data.get("render_requested", False)
    if not isinstance(render_requested, bool):
        raise CodecError(_("the field '{field}' is not true or false").format(field="render_requested"))
    return Storyboard(
        id=_id("id", data.get("id")),
        name=_text("name", data.get("name"), MAX_NAME, empty=False),
        shots=parsed,
        created_at=parse_datetime("created_at", data.get("created_at")),
        updated_at=parse_datetime("updated_at", data.get("updated_at")),
        render_requested=render_requested,
    )


def _shot_from_dict(number: int, data: Any) -> Shot:
    where = f"shots[{number}]"
    data = _mapping(where, data)
    try:
        join = Join(data.get("join"))
    except ValueError:
        raise CodecError(_("the field '{field}' is not a known join").format(field=f"{where}.join")) from None
    takes = data.get("takes", [])
    if not isinstance(takes, list) or len(takes) > MAX_TAKES:
        raise CodecError(
            _("the field '{field}' is not a list of at most {limit} takes").format(
                field=f"{where}.takes", limit=MAX_TAKES
            )
        )
    picked = data.get("picked_job_id")
    shot = Shot(
        id=_id(f"{where}.id", data.get("id")),
        request=request_from_dict(data.get("request")),
        join=join,
        notes=_text(f"{where}.notes", data.get("notes", ""), MAX_NOTES),
        takes=tuple(_take(f"{where}.takes", item) for item in takes),
        picked_job_id=None if picked is None else _id(f"{where}.picked_job_id", picked),
        reserved_at=_when(f"{where}.reserved_at", data.get("reserved_at")),
    )
    if shot.picked_job_id is not None and shot.picked is None:
        raise CodecError(_("the field '{field}' names no take of the shot").format(field=f"{where}.picked_job_id"))
    return shot


def _take(where: str, data: Any) -> Take:
    data = _mapping(where, data)
    basis = data.get("basis_job_id")
    return Take(_id(f"{where}.job_id", data.get("job_id")), None if basis is None else _id(f"{where}.basis", basis))


def _mapping(where: str, data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise CodecError(_("the field '{field}' is not an object").format(field=where))
    return data


def _id(where: str, value: Any) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise CodecError(_("the field '{field}' is not an id").format(field=where))
    return value


def _text(where: str, value: Any, limit: int, *, empty: bool = True) -> str:
    if not isinstance(value, str) or len(value) > limit or (not empty and not value.strip()):
        raise CodecError(
            _("the field '{field}' is not text of at most {limit} characters").format(field=where, limit=limit)
        )
    if not encodable(value):
        raise CodecError(_("the field '{field}' holds characters that are not text").format(field=where))
    return value


def _when(where: str, value: Any) -> datetime | None:
    return None if value is None else parse_datetime(where, value)
