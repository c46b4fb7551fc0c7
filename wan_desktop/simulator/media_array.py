"""The media-array models (Wan 3.0, wan2.7-r2v, -videoedit, -t2v) as the service checks them.

The combination rules are the catalog's, read by the core's one checker (``media_rules.check_media``), so
the app and the simulator cannot disagree; this module only adds what the service does with real files
(their lengths, sizes and formats) and the service's own way of answering: mixing frames with references
gives a task that FAILS with the documented message (contract 12.1.10), anything else a 400.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..core.dashscope.catalog import ModelSpec, ratio_size
from ..core.dashscope.media_rules import MODES_EXCLUSIVE, MediaItem, check_media
from ..core.dashscope.specs import AudioLimits, VideoLimits
from . import media as media_mod
from .errors import invalid
from .render import placeholder_image

MODES_MESSAGE = (
    "The two modes are mutually exclusive. Do not pass reference_xx and first_frame/last_frame at the same time."
)
_IMAGE_ROLES = ("first_frame", "last_frame", "reference_image")
_VIDEO_ROLES = ("reference_video", "video")
_AUDIO_ROLES = ("reference_audio", "driving_audio")


@dataclass
class ArrayInputs:
    """A media-array create, resolved: what the video is made of, its length, and how the service answers."""

    first: bytes
    size: tuple[int, int] | None  # the first picture's size where the ratio follows it
    last: bytes | None = None
    audio: media_mod.Media | None = None
    input_video_seconds: float = 0.0
    duration: int = 5
    ratio: str = ""
    failure: tuple[str, str] | None = None
    hashes: dict[str, str] = field(default_factory=dict)
    media_types: tuple[str, ...] = ()  # input.media's types in order, for the admin view


def _items(inputs: dict) -> list[dict[str, Any]]:
    items = inputs.get("media")
    if items is None:
        return []
    if not isinstance(items, list) or len(items) > 50:
        raise invalid("input.media must be a list of media items.")
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise invalid("each input.media item must be an object with 'type' and 'url'.")
        if not isinstance(item.get("url"), str) or not item["url"]:
            raise invalid(f"Required parameter(media.{item['type']}.url) missing or invalid.")
    return items


def _resolve(spec: ModelSpec, item: dict, sources: media_mod.Sources, index: int) -> media_mod.Media | None:
    role, url, where = item["type"], item["url"], f"media[{index}].{item['type']}"
    if role in _IMAGE_ROLES:
        return media_mod.image(url, sources, spec.image_limits, where)
    if role in _VIDEO_ROLES:
        return media_mod.video(url, sources, spec.video_limits or VideoLimits(), where)
    if role in _AUDIO_ROLES:
        return media_mod.audio(url, sources, spec.audio_limits or AudioLimits(), where)
    return None  # a role this model does not take: the rules name it


def _smart_duration(spec: ModelSpec, prompt: str, input_seconds: float) -> int:
    """What "let the model choose" gives here: longer prompts make longer videos, within the model's range
    (deterministic, so a test can know it). An edit keeps its input's length."""
    if spec.auto_duration == 0:
        return max(spec.durations[0], min(spec.durations[-1], round(input_seconds) or spec.durations[0]))
    words = len(prompt.split())
    return max(spec.durations[0], min(spec.durations[-1], 5 + words // 12))


def plan_media_array(
    spec: ModelSpec, inputs: dict, parameters: dict, duration: int, prompt: str, sources: media_mod.Sources
) -> ArrayInputs:
    items = _items(inputs)
    resolved: list[tuple[str, media_mod.Media | None]] = []
    rule_items = []
    for index, item in enumerate(items):
        found = _resolve(spec, item, sources, index)
        voice = item.get("reference_voice")
        if voice is not None and not isinstance(voice, str):
            raise invalid(f"media[{index}].reference_voice must be a URL.")
        resolved.append((item["type"], found))
        rule_items.append(MediaItem(item["type"], found.seconds if found else None, bool(voice)))
    if "audio_url" in inputs:
        rule_items.append(MediaItem("audio_url"))
    result = ArrayInputs(first=b"", size=None, media_types=tuple(item["type"] for item in items))
    for rule in check_media(spec, rule_items, duration, prompt):
        if rule.rule == MODES_EXCLUSIVE:
            result.failure = ("InvalidParameter", MODES_MESSAGE)
            break
        raise invalid(f"input.media: {rule.sentence}")
    _pictures(result, resolved, prompt)
    seconds = sum(m.seconds or 0.0 for role, m in resolved if role in _VIDEO_ROLES and m is not None)
    result.input_video_seconds = round(seconds, 3)
    result.duration = duration if duration not in (-1, 0) else _smart_duration(spec, prompt, seconds)
    result.ratio = _ratio(spec, parameters)
    return result


def _pictures(result: ArrayInputs, resolved: list, prompt: str) -> None:
    """The first and last pictures the render uses: the frames, else the first reference image or the last
    picture of the first clip, else (text alone) a picture made from the prompt."""
    by_role: dict[str, media_mod.Media] = {}
    for role, found in resolved:
        if found is not None:
            by_role.setdefault(role, found)
            result.hashes[f"{role}_{len(result.hashes)}"] = found.sha256
    first = by_role.get("first_frame") or by_role.get("reference_image")
    if first is not None:
        result.first, result.size = first.data, first.size
    elif (clip := by_role.get("video") or by_role.get("reference_video")) is not None and clip.last_frame:
        result.first, result.size = clip.last_frame, clip.size
    else:
        result.first = placeholder_image(hashlib.sha256(prompt.encode()).hexdigest())
    if "last_frame" in by_role:
        result.last = by_role["last_frame"].data
    result.audio = by_role.get("reference_audio") or by_role.get("driving_audio")


def _ratio(spec: ModelSpec, parameters: dict) -> str:
    ratio = parameters.get("ratio", spec.default_ratio or "")
    if ratio and ratio not in spec.ratios:
        raise invalid(
            f"parameters.ratio {ratio!r} is not supported by {spec.key}; use one of {', '.join(spec.ratios)}."
        )
    return ratio or ""


def output_dimensions(arrays: ArrayInputs, resolution: str) -> tuple[int, int]:
    """A fixed ratio gives its listed size; adaptive (or none) follows the first picture, and text alone
    with adaptive makes 16:9."""
    from ..core.dashscope.catalog import output_size

    if arrays.ratio and arrays.ratio != "adaptive":
        return ratio_size(resolution, arrays.ratio)
    if arrays.size is not None:
        return output_size(arrays.size[0], arrays.size[1], resolution)
    return ratio_size(resolution, "16:9")


def resolved_ratio(width: int, height: int) -> str:
    """The ratio `usage` reports: the nearest of the service's named ratios."""
    named = ("21:9", "16:9", "4:3", "1:1", "3:4", "9:16")
    aspect = width / height
    return min(named, key=lambda r: abs(int(r.split(":")[0]) / int(r.split(":")[1]) - aspect))
