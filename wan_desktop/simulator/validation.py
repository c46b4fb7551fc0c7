"""Checks a create request the way the service does and turns it into a plan for the task and its video.

Where the contract is unsure (section 11) the stricter choice is made: ``size`` / ``ratio`` parameters are
refused on image-to-video models, an image with an alpha channel is refused. A negative prompt longer than
500 characters is cut to 500, as the API reference says the service does (``SimulatorConfig`` can make it
an error instead).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..core.dashscope.catalog import (
    WAN27_MEDIA_COMBINATIONS,
    AudioLimits,
    AudioMode,
    Endpoint,
    InputStyle,
    MediaKind,
    ModelSpec,
    VideoLimits,
    output_size,
)
from ..core.dashscope.requests import uses_media_rules
from . import media as media_mod
from .errors import URL_ERROR, invalid
from .media_array import ArrayInputs, output_dimensions, plan_media_array, resolved_ratio
from .render import RenderSpec

SEED_MAX = 2147483647
NEGATIVE_PROMPT_MAX = 500
_REFUSED_PARAMETERS = ("size", "ratio")


@dataclass(frozen=True)
class Plan:
    """A validated create: what the task reports and what its video is made of."""

    spec: ModelSpec
    model_name: str
    prompt: str
    negative_prompt: str
    resolution: str
    duration: int
    prompt_extend: bool
    watermark: bool
    with_audio: bool
    input_video_seconds: float
    render: RenderSpec
    input_sha256: dict[str, str] = field(default_factory=dict)
    failure: tuple[str, str] | None = None  # a create the service takes, then FAILS (contract 12.1.10)
    ratio: str = ""  # the resolved ratio `usage` reports (media-array models)
    media_types: tuple[str, ...] = ()


def _bool(parameters: dict, name: str, default: bool) -> bool:
    value = parameters.get(name, default)
    if not isinstance(value, bool):
        raise invalid(f"parameters.{name} must be true or false, got {value!r}.")
    return value


def _text(container: dict, name: str) -> str:
    value = container.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"input.{name} must be a string.")
    return value


def check_endpoint(spec: ModelSpec, path_endpoint: Endpoint) -> None:
    if spec.endpoint is not path_endpoint:
        raise invalid(URL_ERROR)


def _options(spec: ModelSpec, parameters: dict, inputs: dict) -> tuple[str, int]:
    resolution = parameters.get("resolution", spec.default_resolution)
    if resolution not in spec.resolutions:
        raise invalid(
            f"parameters.resolution {resolution!r} is not supported by {spec.key}; "
            f"use one of {', '.join(spec.resolutions)}."
        )
    duration = parameters.get("duration", spec.default_duration)
    allowed = (*spec.durations, spec.auto_duration) if spec.auto_duration is not None else spec.durations
    if not isinstance(duration, int) or isinstance(duration, bool) or duration not in allowed:
        allowed = ", ".join(str(d) for d in spec.durations)
        raise invalid(
            f"parameters.duration {duration!r} is not supported by {spec.key}; use one of {allowed} (seconds)."
        )
    if "seed" in parameters:
        seed = parameters["seed"]
        lowest = -1 if spec.ratios else 0  # the media-array models take -1 as "random" (contract 12.1.6)
        if not isinstance(seed, int) or isinstance(seed, bool) or not lowest <= seed <= SEED_MAX:
            raise invalid(f"parameters.seed must be an integer from 0 to {SEED_MAX}, got {seed!r}.")
    if "shot_type" in parameters:
        if not spec.shot_type:
            raise invalid(f"parameters.shot_type is not supported by {spec.key}.")
        if parameters["shot_type"] not in ("single", "multi"):
            raise invalid("parameters.shot_type must be 'single' or 'multi'.")
    if "audio" in parameters:
        if spec.audio_mode is not AudioMode.SWITCHABLE:
            raise invalid(f"parameters.audio is not supported by {spec.key}.")
        _bool(parameters, "audio", True)
    if "enable_thinking" in parameters:
        if not spec.thinking:
            raise invalid(f"parameters.enable_thinking is not supported by {spec.key}.")
        _bool(parameters, "enable_thinking", False)
    for name in _REFUSED_PARAMETERS:
        if name == "ratio" and spec.ratios:
            continue
        if name in parameters:
            raise invalid(f"parameters.{name} is not supported by image-to-video models; the video follows the image.")
    template = inputs.get("template")
    if template is not None:
        if not spec.templates:
            raise invalid(f"input.template is not supported by {spec.key}.")
        if template not in spec.templates:
            raise invalid(f"input.template {template!r} is not one of {spec.key}'s effect templates.")
    if "audio_url" in inputs and not spec.accepts_audio_url:
        raise invalid(f"input.audio_url is not supported by {spec.key}.")
    return resolution, duration


def _prompts(spec: ModelSpec, inputs: dict, truncate_negative: bool) -> tuple[str, str]:
    prompt = _text(inputs, "prompt")
    if spec.prompt_truncated:
        prompt = prompt[: spec.prompt_max]  # silently, as the reference says (contract 12.1.3)
    if len(prompt) > spec.prompt_max:
        raise invalid(f"input.prompt is {len(prompt)} characters; {spec.key} accepts at most {spec.prompt_max}.")
    negative = _text(inputs, "negative_prompt")
    if len(negative) > NEGATIVE_PROMPT_MAX:
        if not truncate_negative:
            raise invalid(f"input.negative_prompt is {len(negative)} characters; at most {NEGATIVE_PROMPT_MAX}.")
        negative = negative[:NEGATIVE_PROMPT_MAX]
    return prompt, negative


def _url(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value:
        raise invalid(f"Required parameter({field_name}) missing or invalid, please check the request parameters.")
    return value


def _wan27_media(inputs: dict) -> dict[MediaKind, str]:
    if "img_url" in inputs:
        raise invalid("input.img_url is not supported by wan2.7; give the pictures in input.media.")
    items = inputs.get("media")
    if not isinstance(items, list) or not items:
        raise invalid("Required parameter(media) missing or invalid, please check the request parameters.")
    found: dict[MediaKind, str] = {}
    for item in items:
        if not isinstance(item, dict):
            raise invalid("each input.media item must be an object with 'type' and 'url'.")
        try:
            kind = MediaKind(item.get("type"))
        except ValueError:
            raise invalid(f"input.media type {item.get('type')!r} is unknown.") from None
        if kind in found:
            raise invalid(f"input.media may hold only one {kind.value}.")
        found[kind] = _url(item.get("url"), f"media.{kind.value}.url")
    if frozenset(found) not in WAN27_MEDIA_COMBINATIONS:
        names = "+".join(sorted(k.value for k in found))
        raise invalid(
            f"input.media combination {names} is not supported; use first_frame (optionally with last_frame and/or "
            "driving_audio), or first_clip (optionally with last_frame)."
        )
    return found


@dataclass
class _Inputs:
    """The media of one create, resolved: what the video is made of and the hashes the admin view shows."""

    first: bytes | None = None
    size: tuple[int, int] | None = None
    last: media_mod.Media | None = None
    audio: media_mod.Media | None = None
    with_audio: bool = False
    clip_seconds: float = 0.0
    hashes: dict[str, str] = field(default_factory=dict)


def _media_inputs(spec: ModelSpec, inputs: dict, duration: int, sources: media_mod.Sources) -> _Inputs:
    """wan2.7's ``input.media`` list: a first frame or a first clip, optionally a last frame and audio."""
    found = _wan27_media(inputs)
    resolved = _Inputs()
    limits = spec.image_limits
    if MediaKind.FIRST_CLIP in found:
        video_limits = spec.video_limits or VideoLimits()
        clip = media_mod.video(found[MediaKind.FIRST_CLIP], sources, video_limits, "media.first_clip")
        resolved.hashes["first_clip"] = clip.sha256
        resolved.first, resolved.size = clip.last_frame, clip.size
        resolved.clip_seconds = round(clip.seconds or 0.0, 3)
        if duration <= resolved.clip_seconds:
            raise invalid(
                f"parameters.duration ({duration} s) must be longer than the first_clip ({resolved.clip_seconds:g} s)."
            )
    else:
        first = media_mod.image(found[MediaKind.FIRST_FRAME], sources, limits, "media.first_frame")
        resolved.hashes["first_frame"], resolved.first, resolved.size = first.sha256, first.data, first.size
    if MediaKind.LAST_FRAME in found:
        resolved.last = media_mod.image(found[MediaKind.LAST_FRAME], sources, limits, "media.last_frame")
        resolved.hashes["last_frame"] = resolved.last.sha256
    if MediaKind.DRIVING_AUDIO in found:
        audio_limits = spec.audio_limits or AudioLimits()
        resolved.audio = media_mod.audio(found[MediaKind.DRIVING_AUDIO], sources, audio_limits, "media.driving_audio")
        resolved.hashes["driving_audio"] = resolved.audio.sha256
    resolved.with_audio = resolved.audio is not None
    return resolved


def _keyframe_inputs(spec: ModelSpec, inputs: dict, sources: media_mod.Sources) -> _Inputs:
    limits = spec.image_limits
    first = media_mod.image(_url(inputs.get("first_frame_url"), "first_frame_url"), sources, limits, "first_frame_url")
    resolved = _Inputs(first=first.data, size=first.size, hashes={"first_frame_url": first.sha256})
    if inputs.get("last_frame_url") is not None and not inputs.get("template"):
        last_url = _url(inputs["last_frame_url"], "last_frame_url")
        resolved.last = media_mod.image(last_url, sources, limits, "last_frame_url")
        resolved.hashes["last_frame_url"] = resolved.last.sha256
    return resolved


def _image_inputs(spec: ModelSpec, inputs: dict, parameters: dict, sources: media_mod.Sources) -> _Inputs:
    first = media_mod.image(_url(inputs.get("img_url"), "img_url"), sources, spec.image_limits, "img_url")
    resolved = _Inputs(first=first.data, size=first.size, hashes={"img_url": first.sha256})
    resolved.with_audio = spec.audio_mode is AudioMode.AUTOMATIC or (
        spec.audio_mode is AudioMode.SWITCHABLE and parameters.get("audio", True)
    )
    if resolved.with_audio and inputs.get("audio_url") is not None:
        audio_limits = spec.audio_limits or AudioLimits()
        resolved.audio = media_mod.audio(_url(inputs["audio_url"], "audio_url"), sources, audio_limits, "audio_url")
        resolved.hashes["audio_url"] = resolved.audio.sha256
    return resolved


def plan_create(
    spec: ModelSpec, model_name: str, body: dict, sources: media_mod.Sources, *, truncate_negative: bool = True
) -> Plan:
    inputs = body.get("input")
    if not isinstance(inputs, dict):
        raise invalid("Required parameter(input) missing or invalid, please check the request parameters.")
    parameters = body.get("parameters") or {}
    if not isinstance(parameters, dict):
        raise invalid("parameters must be an object.")
    resolution, duration = _options(spec, parameters, inputs)
    prompt, negative = _prompts(spec, inputs, truncate_negative)
    prompt_extend = _bool(parameters, "prompt_extend", True)
    watermark = _bool(parameters, "watermark", False)
    if uses_media_rules(spec):
        arrays = plan_media_array(spec, inputs, parameters, duration, prompt, sources)
        return _array_plan(
            spec, model_name, (prompt, negative), resolution, (prompt_extend, watermark), parameters, arrays
        )
    if spec.input_style is InputStyle.MEDIA:
        resolved = _media_inputs(spec, inputs, duration, sources)
    elif spec.input_style is InputStyle.KEYFRAMES:
        resolved = _keyframe_inputs(spec, inputs, sources)
    else:
        resolved = _image_inputs(spec, inputs, parameters, sources)
    assert resolved.first is not None and resolved.size is not None
    audio = resolved.audio
    width, height = output_size(resolved.size[0], resolved.size[1], resolution)
    render = RenderSpec(
        first=resolved.first,
        width=width,
        height=height,
        duration=duration,
        last=resolved.last.data if resolved.last is not None else None,
        audio=audio.data if audio is not None and not audio.placeholder else None,
        tone=resolved.with_audio and (audio is None or audio.placeholder),
        watermark=watermark,
    )
    return Plan(
        spec=spec,
        model_name=model_name,
        prompt=prompt,
        negative_prompt=negative,
        resolution=resolution,
        duration=duration,
        prompt_extend=prompt_extend,
        watermark=watermark,
        with_audio=resolved.with_audio,
        input_video_seconds=resolved.clip_seconds,
        render=render,
        input_sha256=resolved.hashes,
    )


def _array_plan(
    spec: ModelSpec,
    model_name: str,
    prompts: tuple[str, str],
    resolution: str,
    flags: tuple[bool, bool],
    parameters: dict,
    arrays: ArrayInputs,
) -> Plan:
    with_audio = _bool(parameters, "audio", True) if spec.audio_mode is AudioMode.SWITCHABLE else True
    width, height = output_dimensions(arrays, resolution)
    audio = arrays.audio
    render = RenderSpec(
        first=arrays.first,
        width=width,
        height=height,
        duration=arrays.duration,
        last=arrays.last,
        audio=audio.data if with_audio and audio is not None and not audio.placeholder else None,
        tone=with_audio and (audio is None or audio.placeholder),
        watermark=flags[1],
    )
    return Plan(
        spec=spec,
        model_name=model_name,
        prompt=prompts[0],
        negative_prompt=prompts[1],
        resolution=resolution,
        duration=arrays.duration,
        prompt_extend=flags[0],
        watermark=flags[1],
        with_audio=with_audio,
        input_video_seconds=arrays.input_video_seconds,
        render=render,
        input_sha256=arrays.hashes,
        failure=arrays.failure,
        ratio=resolved_ratio(width, height),
        media_types=arrays.media_types,
    )
