"""The one Job <-> JSON codec, shared by the journal (SQLite ``data`` column) and the library's sidecars.

Reading is strict because the text may come from a sidecar anyone can edit: every field's type is checked,
numbers are finite and not booleans, enums are known values, datetimes parse, ``usage`` is a flat mapping of
names to scalars, and lengths are bounded. Anything else raises ``CodecError`` naming the field, so one bad
row or note is reported instead of poisoning every later read. Writing never emits what reading refuses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import fields
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from wan_desktop.core.dashscope.types import GenerationRequest, MediaRef, ShotType
from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.jobs import Job, JobState

MAX_TEXT = 100_000  # prompts, error texts
MAX_NAME = 1_000  # ids, model names, codes
MAX_REFERENCE = 1 << 20  # a media reference may be a data: URL
MAX_LIST = 1_000
MAX_USAGE_KEYS = 100
MAX_USAGE_DEPTH = 3
_LENGTH_KEYS = ("output_video_duration", "duration", "video_duration")  # usage names of the video's length
MAX_INT = 2**63 - 1  # what SQLite can hold
_FIRST_YEAR, _LAST_YEAR = 1970, 9998  # epoch and local-time conversions stay in range

_DATETIME_FIELDS = frozenset(
    {"created_at", "updated_at", "submit_started_at", "submitted_at", "scheduled_at", "finished_at"}
)
_JOB_FIELDS = tuple(f.name for f in fields(Job))
_REQUEST_FIELDS = tuple(f.name for f in fields(GenerationRequest))


class CodecError(ValueError):
    """The data is not a job; the message names the field."""


# -- writing ------------------------------------------------------------------------------------------------
def request_to_dict(request: GenerationRequest) -> dict[str, Any]:
    data = {name: _plain(getattr(request, name)) for name in _REQUEST_FIELDS if name != "references"}
    data["references"] = [
        {"role": ref.role, "reference": ref.reference} | ({"voice": ref.voice} if ref.voice else {})
        for ref in request.references
    ]
    return data


def job_to_dict(job: Job) -> dict[str, Any]:
    """Every field of ``job`` as JSON-ready values (enums by value, datetimes as ISO 8601 with offset)."""
    data: dict[str, Any] = {}
    for name in _JOB_FIELDS:
        value = getattr(job, name)
        if name == "request":
            data[name] = request_to_dict(value)
        elif name == "usage":
            data[name] = flat_usage(value)
        else:
            data[name] = _plain(value)
    return data


def flat_usage(value: Mapping[str, object]) -> dict[str, object]:
    """The entries of a usage block (the service's counts) that reading accepts; anything else is dropped,
    so what is written can always be read back."""
    kept: dict[str, object] = {}
    for key, item in dict(value).items():
        try:
            kept[str(key)] = _usage("usage", {str(key): item})[str(key)]
        except CodecError:
            continue
    return kept


def _is_scalar(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    return value is None or isinstance(value, (str, bool, int))


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


# -- reading ------------------------------------------------------------------------------------------------
def request_from_dict(data: Any) -> GenerationRequest:
    if not isinstance(data, Mapping):
        raise CodecError(_("the field 'request' is not an object"))
    values = {name: _REQUEST_CHECKS[name](f"request.{name}", data[name]) for name in _REQUEST_FIELDS if name in data}
    if "model" not in values:
        raise CodecError(_("the field 'request.model' is missing"))
    return GenerationRequest(**values)


def job_from_dict(data: Any) -> Job:
    """The inverse of ``job_to_dict``; unknown keys are ignored, missing optional ones take defaults.

    Raises CodecError (a ValueError) naming the first field that is not what a job holds."""
    if not isinstance(data, Mapping):
        raise CodecError(_("the job is not an object"))
    values = {name: _JOB_CHECKS.get(name, _plain_value)(name, data[name]) for name in _JOB_FIELDS if name in data}
    for name in ("id", "request", "state", "created_at", "updated_at", "region"):
        if name not in values:
            raise CodecError(_("the field '{name}' is missing").format(name=name))
    return Job(**values)


def _text(limit: int, *, optional: bool = True, empty: bool = True) -> Callable[[str, Any], str | None]:
    def check(name: str, value: Any) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise CodecError(_("the field '{name}' is not text").format(name=name))
        if not value.isascii() and not encodable(value):
            raise CodecError(
                _("the field '{name}' holds characters that are not text (a lone surrogate)").format(name=name)
            )
        if len(value) > limit:
            raise CodecError(
                _("the field '{name}' is longer than {limit} characters").format(name=name, limit=format_number(limit))
            )
        if not value and not empty:
            raise CodecError(_("the field '{name}' is empty").format(name=name))
        return value

    return check


def encodable(value: str) -> bool:
    """Whether SQLite and JSON can store ``value`` (a lone surrogate cannot be written as UTF-8)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _integer(*, optional: bool = True, minimum: int = -MAX_INT) -> Callable[[str, Any], int | None]:
    def check(name: str, value: Any) -> int | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise CodecError(_("the field '{name}' is not a whole number").format(name=name))
        if not minimum <= value <= MAX_INT:
            raise CodecError(_("the field '{name}' is out of range").format(name=name))
        return value

    return check


def _number(name: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise CodecError(_("the field '{name}' is not a number").format(name=name))
    if not math.isfinite(value) or abs(value) > MAX_INT:
        raise CodecError(_("the field '{name}' is out of range").format(name=name))
    return float(value)


def _flag(*, optional: bool) -> Callable[[str, Any], bool | None]:
    def check(name: str, value: Any) -> bool | None:
        if value is None and optional:
            return None
        if not isinstance(value, bool):
            raise CodecError(_("the field '{name}' is not true or false").format(name=name))
        return value

    return check


def _enum(kind: type[Enum], *, optional: bool) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise CodecError(_("the field '{name}' is not text").format(name=name))
        try:
            return kind(value)
        except ValueError:
            raise CodecError(
                _("the field '{name}' has an unknown value {value!r}").format(name=name, value=value[:40])
            ) from None

    return check


def _text_list(name: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise CodecError(
            _("the field '{name}' is not a list of at most {n} texts").format(name=name, n=format_number(MAX_LIST))
        )
    check = _text(MAX_NAME, optional=False)
    return tuple(str(check(name, item)) for item in value)


def _references(name: str, value: Any) -> tuple[MediaRef, ...]:
    """A media-array model's extra inputs: a list of {role, reference, voice?} objects, at most MAX_LIST."""
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise CodecError(
            _("the field '{name}' is not a list of at most {n} inputs").format(name=name, n=format_number(MAX_LIST))
        )
    role_check, ref_check = _text(MAX_NAME, optional=False, empty=False), _text(MAX_REFERENCE, optional=False)
    refs = []
    for index, item in enumerate(value):
        where = f"{name}.{index}"
        if not isinstance(item, Mapping) or set(item) - {"role", "reference", "voice"}:
            raise CodecError(_("the field '{name}' is not an input with a role and a reference").format(name=where))
        voice = _text(MAX_REFERENCE)(f"{where}.voice", item.get("voice"))
        refs.append(
            MediaRef(
                str(role_check(f"{where}.role", item.get("role"))),
                str(ref_check(f"{where}.reference", item.get("reference"))),
                voice or None,
            )
        )
    return tuple(refs)


def _usage(name: str, value: Any) -> dict[str, object]:
    """The service's counts: names to plain values. The lengths the gallery sorts and shows by must be
    numbers; other entries may nest a little (lists and objects of plain values), never deeply."""
    if value is None:
        return {}
    _usage_value(name, value, 0)
    if not isinstance(value, Mapping):
        raise CodecError(_("the field '{name}' is not a mapping").format(name=name))
    for key in _LENGTH_KEYS:
        if key in value:
            _number(f"{name}.{key}", value[key])
    return dict(value)


def _usage_value(name: str, value: Any, depth: int) -> None:
    if depth > MAX_USAGE_DEPTH:
        raise CodecError(_("the field '{name}' nests too deeply").format(name=name))
    if isinstance(value, Mapping):
        if len(value) > MAX_USAGE_KEYS or not all(_is_name(key) for key in value):
            raise CodecError(
                _("the field '{name}' is not a mapping of at most {n} named entries").format(
                    name=name, n=format_number(MAX_USAGE_KEYS)
                )
            )
        for key, item in value.items():
            _usage_value(f"{name}.{key[:40]}", item, depth + 1)
    elif isinstance(value, list):
        if len(value) > MAX_USAGE_KEYS:
            raise CodecError(_("the field '{name}' is too long").format(name=name))
        for item in value:
            _usage_value(name, item, depth + 1)
    elif isinstance(value, str):
        if len(value) > MAX_NAME or not encodable(value):
            raise CodecError(_("the field '{name}' is too long or not text").format(name=name))
    elif not _is_scalar(value) or (isinstance(value, int) and abs(value) > MAX_INT):
        raise CodecError(_("the field '{name}' is not a plain value").format(name=name))


def _is_name(key: object) -> bool:
    return isinstance(key, str) and len(key) <= MAX_NAME and encodable(key)


def _plain_value(name: str, value: Any) -> object:
    """A field this codec has no rule for yet (added to Job later): a plain JSON value at most."""
    _usage_value(name, value, MAX_USAGE_DEPTH)
    if isinstance(value, (list, dict)):
        raise CodecError(_("the field '{name}' is not a plain value").format(name=name))
    return value


def _datetime_check(name: str) -> Callable[[str, Any], datetime | None]:
    optional = name not in ("created_at", "updated_at")

    def check(field_name: str, value: Any) -> datetime | None:
        if value is None and optional:
            return None
        return parse_datetime(field_name, value)

    return check


def parse_datetime(name: str, value: Any) -> datetime:
    if not isinstance(value, str) or len(value) > 64:
        raise CodecError(_("the field '{name}' is not a date and time").format(name=name))
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CodecError(_("the field '{name}' is not a date and time").format(name=name)) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)  # every time we write carries its offset; assume UTC
    if not _FIRST_YEAR <= parsed.year <= _LAST_YEAR:
        raise CodecError(_("the field '{name}' is out of range").format(name=name))
    return parsed


_REQUEST_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "model": _text(MAX_NAME, optional=False, empty=False),
    "first_frame": _text(MAX_REFERENCE),
    "prompt": _text(MAX_TEXT, optional=False),
    "negative_prompt": _text(MAX_TEXT, optional=False),
    "last_frame": _text(MAX_REFERENCE),
    "audio": _text(MAX_REFERENCE),
    "first_clip": _text(MAX_REFERENCE),
    "resolution": _text(MAX_NAME),
    "duration": _integer(minimum=-1),  # -1 (Wan 3.0) lets the model choose the length
    "seed": _integer(minimum=0),
    "prompt_extend": _flag(optional=False),
    "watermark": _flag(optional=False),
    "audio_enabled": _flag(optional=True),
    "shot_type": _enum(ShotType, optional=True),
    "template": _text(MAX_NAME),
    "references": lambda name, value: _references(name, value),
    "ratio": _text(MAX_NAME),
    "enable_thinking": _flag(optional=True),
}

_JOB_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "id": _text(MAX_NAME, optional=False, empty=False),
    "request": lambda name, value: request_from_dict(value),
    "state": _enum(JobState, optional=False),
    "region": _text(MAX_NAME, optional=False),
    "task_id": _text(MAX_NAME),
    "request_ids": _text_list,
    "video_url": _text(MAX_REFERENCE),
    "orig_prompt": _text(MAX_TEXT),
    "actual_prompt": _text(MAX_TEXT),
    "usage": _usage,
    "cost": _number,
    "currency": _text(MAX_NAME),
    "error_code": _text(MAX_NAME),
    "error_message": _text(MAX_TEXT),
    "error_detail": _text(MAX_TEXT),
    "video_path": _text(MAX_NAME * 4),
    "thumbnail_path": _text(MAX_NAME * 4),
    "sidecar_path": _text(MAX_NAME * 4),
    "bytes_downloaded": _integer(optional=False, minimum=0),
    "bytes_total": _integer(minimum=0),
    "attempts": _integer(optional=False, minimum=0),
    "parent_job_id": _text(MAX_NAME),
    "favourite": _flag(optional=False),
    "kept": _flag(optional=True),  # used when Job has the field (kept/rejected mark)
    "project": _text(MAX_NAME),
}
_JOB_CHECKS.update({name: _datetime_check(name) for name in _DATETIME_FIELDS})
