"""Local checks of a GenerationRequest and the JSON body each model family expects.

Everything here works without a network: a bad option must never cost a network call (or money). Each
Problem says which field, what value, and what the model allows, in words a person understands.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .catalog import (
    REGIONS,
    WAN27_MEDIA_COMBINATIONS,
    AudioLimits,
    AudioMode,
    ImageLimits,
    InputStyle,
    MediaKind,
    ModelSpec,
    Region,
    VideoLimits,
    find_model,
)
from .errors import Problem
from .inputs import local_path
from .media_rules import ROLE_WORDS, MediaItem, check_media
from .types import GenerationRequest, MediaRef

SEED_MAX = 2147483647
_MB = 1024 * 1024

_FIELD_LABELS = {
    "first_frame": "first-frame image",
    "last_frame": "last-frame image",
    "audio": "audio",
    "first_clip": "video clip to continue",
}
_MEDIA_KIND = {
    "first_frame": MediaKind.FIRST_FRAME,
    "last_frame": MediaKind.LAST_FRAME,
    "audio": MediaKind.DRIVING_AUDIO,
    "first_clip": MediaKind.FIRST_CLIP,
}


@dataclass(frozen=True)
class PreparedRequest:
    """A create call ready to send: media resolved to URLs, body serialised, nothing left to decide."""

    model_name: str  # the regional request name
    path: str  # relative to the endpoint's base URL
    body_json: str
    oss_resolve: bool  # some URL is oss:// (needs X-DashScope-OssResourceResolve)


def _words(values: tuple) -> str:
    items = [str(v) for v in values]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _durations_words(values: tuple[int, ...]) -> str:
    if len(values) > 3 and list(values) == list(range(values[0], values[-1] + 1)):
        return f"any whole number of seconds from {values[0]} to {values[-1]}"
    return _words(values) + " seconds"


# -- validation ------------------------------------------------------------------------------------
# What is wrong with a local image file for these limits, as sentences. It lives above this package (core/images,
# Pillow), so the caller hands it in: core/request_checks.py gives the app's, the client none (see prepare).
ImageCheck = Callable[[Path, ImageLimits], list[str]]


def request_problems(request: GenerationRequest, region: Region, *, image_check: ImageCheck | None) -> list[Problem]:
    """Everything wrong with the request that can be known without the network; empty when it may be sent.
    Local images are checked with ``image_check`` (None: only that they exist). Callers outside this package
    use ``core.request_checks.validate_request``, which gives the app's image check."""
    spec = find_model(request.model)
    if spec is None:
        return [Problem("model", request.model, "choose one of the models in the list")]
    if not spec.offered_in(region):
        offered = _words(tuple(REGIONS[r].label for r in spec.names_by_region))
        return [
            Problem(
                "model",
                request.model,
                f"{spec.label} is not offered in {REGIONS[region].label}; it is offered in {offered}",
            )
        ]
    problems = _option_problems(request, spec, region)
    if uses_media_rules(spec):
        problems += media_rule_problems(request, spec)
        problems += reference_file_problems(request, spec, image_check)
    else:
        problems += _media_presence_problems(request, spec)
    problems += _local_file_problems(request, spec, image_check)
    return problems


def uses_media_rules(spec: ModelSpec) -> bool:
    """The media-array models the catalog's role rules describe. wan2.7-i2v (the model that continues a
    clip) keeps its own table of combinations, whose sentences people already know."""
    return spec.input_style is InputStyle.MEDIA and not spec.takes("first_clip")


def request_role(request_field: str, spec: ModelSpec) -> str:
    """The catalog role a GenerationRequest field fills for this model (``audio`` is two roles)."""
    if request_field == "audio":
        return "driving_audio" if spec.takes("driving_audio") else "audio_url"
    return request_field


def media_items(request: GenerationRequest, spec: ModelSpec, *, probe: bool = True) -> list[MediaItem]:
    """The request's inputs as the rules see them; lengths of local clips and audio are read when ``probe``."""
    items = [MediaItem(request_role(name, spec)) for name in request.media_references()]
    for ref in request.references:
        seconds = None
        path = (
            local_path(ref.reference) if probe and ref.role in ("reference_video", "reference_audio", "video") else None
        )
        if path is not None and path.is_file():
            seconds = _media_seconds(path)
        items.append(MediaItem(ref.role, seconds, bool(ref.voice)))
    return items


def media_rule_problems(request: GenerationRequest, spec: ModelSpec) -> list[Problem]:
    duration = request.duration if request.duration is not None else spec.default_duration
    breaks = check_media(spec, media_items(request, spec), duration, request.prompt)
    return [Problem(b.role, ROLE_WORDS.get(b.role, b.role), b.sentence) for b in breaks]


def reference_file_problems(
    request: GenerationRequest, spec: ModelSpec, image_check: ImageCheck | None
) -> list[Problem]:
    problems: list[Problem] = []
    for ref in request.references:
        path = local_path(ref.reference)
        word = ROLE_WORDS.get(ref.role, ref.role)
        if path is None:
            if ref.reference.startswith("data:") and ref.role != "reference_image":
                problems.append(
                    Problem(ref.role, ref.reference[:40] + "…", f"the {word} must be a file or an http(s)/oss URL")
                )
            continue
        if not path.is_file():
            problems.append(
                Problem(ref.role, str(path), f"the {word} file does not exist or is not a file; choose it again")
            )
        elif ref.role == "reference_image":
            problems += _image_problems("first_frame", path, spec.image_limits, image_check)
        elif ref.role in ("reference_video", "video") and spec.video_limits is not None:
            limits = spec.video_limits
            problems += _file_problems(
                ref.role, path, limits.extensions, limits.max_bytes, (limits.min_seconds, limits.max_seconds)
            )
        elif ref.role == "reference_audio" and spec.audio_limits is not None:
            limits = spec.audio_limits
            problems += _file_problems(
                ref.role, path, limits.extensions, limits.max_bytes, (limits.min_seconds, limits.max_seconds)
            )
    return problems


def _option_problems(request: GenerationRequest, spec: ModelSpec, region: Region) -> list[Problem]:
    problems: list[Problem] = []
    if request.resolution is not None and request.resolution not in spec.resolutions:
        problems.append(Problem("resolution", request.resolution, f"{spec.label} makes {_words(spec.resolutions)}"))
    durations = spec.allowed_durations(region)
    if request.duration is not None and request.duration not in durations and request.duration != spec.auto_duration:
        problems.append(
            Problem(
                "duration",
                request.duration,
                f"{spec.label} in {REGIONS[region].label} makes {_durations_words(durations)}",
            )
        )
    if len(request.prompt) > spec.prompt_max:
        problems.append(
            Problem(
                "prompt",
                f"{len(request.prompt)} characters",
                f"{spec.label} reads at most {spec.prompt_max} characters (a Chinese character counts as one)",
            )
        )
    if len(request.negative_prompt) > spec.negative_prompt_max:
        problems.append(
            Problem(
                "negative_prompt",
                f"{len(request.negative_prompt)} characters",
                f"the negative prompt may have at most {spec.negative_prompt_max} characters",
            )
        )
    if request.seed is not None and not (0 <= request.seed <= SEED_MAX):  # -1 is "random": leave it unset
        problems.append(Problem("seed", request.seed, f"the seed must be a whole number from 0 to {SEED_MAX}"))
    if request.shot_type is not None and not spec.shot_type:
        problems.append(
            Problem(
                "shot_type", request.shot_type.value, f"{spec.label} has no single/multi-shot option; leave it unset"
            )
        )
    if request.audio_enabled is not None and spec.audio_mode is not AudioMode.SWITCHABLE:
        problems.append(
            Problem(
                "audio_enabled",
                request.audio_enabled,
                f"sound cannot be switched on or off for {spec.label}; leave it unset",
            )
        )
    problems += _media_option_problems(request, spec)
    if request.template is not None and request.template not in spec.templates:
        allowed = (
            f"{spec.label} offers the effects {_words(spec.templates)}"
            if spec.templates
            else f"{spec.label} has no effect templates"
        )
        problems.append(Problem("template", request.template, allowed))
    return problems


def _media_option_problems(request: GenerationRequest, spec: ModelSpec) -> list[Problem]:
    problems: list[Problem] = []
    if request.ratio is not None and request.ratio not in spec.ratios:
        allowed = (
            f"{spec.label} offers the ratios {_words(spec.ratios)}"
            if spec.ratios
            else f"{spec.label} has no ratio option; the video follows its input"
        )
        problems.append(Problem("ratio", request.ratio, allowed))
    if request.enable_thinking is not None and not spec.thinking:
        problems.append(
            Problem("enable_thinking", request.enable_thinking, f"{spec.label} has no thinking mode; leave it unset")
        )
    if request.references and not uses_media_rules(spec):
        problems.append(Problem("references", len(request.references), f"{spec.label} takes no references"))
    return problems


def _media_presence_problems(request: GenerationRequest, spec: ModelSpec) -> list[Problem]:
    problems: list[Problem] = []
    if request.audio and not (spec.accepts_audio_url or spec.audio_mode is AudioMode.DRIVING):
        problems.append(Problem("audio", request.audio, f"{spec.label} takes no audio file; remove it"))
    if request.last_frame and not spec.takes_last_frame:
        problems.append(Problem("last_frame", request.last_frame, f"{spec.label} takes no last-frame image"))
    if request.first_clip and not spec.takes_first_clip:
        problems.append(Problem("first_clip", request.first_clip, f"{spec.label} cannot continue a video clip"))
    if spec.input_style is InputStyle.MEDIA:
        kinds = frozenset(_MEDIA_KIND[name] for name in request.media_references())
        if kinds and kinds not in WAN27_MEDIA_COMBINATIONS:
            given = _words(tuple(_FIELD_LABELS[n] for n in request.media_references()))
            problems.append(
                Problem(
                    "media",
                    given,
                    f"{spec.label} takes a first-frame image (optionally with a last-frame image "
                    "and/or driving audio), or a video clip to continue (optionally with a "
                    "last-frame image)",
                )
            )
        elif not kinds:
            problems.append(
                Problem("first_frame", None, f"{spec.label} needs a first-frame image or a video clip to continue")
            )
    elif not request.first_frame:
        problems.append(Problem("first_frame", None, f"{spec.label} needs a first-frame image"))
    return problems


# -- local files -------------------------------------------------------------------------------------
def _local_file_problems(request: GenerationRequest, spec: ModelSpec, image_check: ImageCheck | None) -> list[Problem]:
    problems: list[Problem] = []
    for name, reference in request.media_references().items():
        if reference.startswith("data:") and name in ("audio", "first_clip"):
            problems.append(
                Problem(
                    name,
                    reference[:40] + "…",
                    f"the {_FIELD_LABELS[name]} must be a file or an http(s)/oss URL, not base64",
                )
            )
            continue
        path = local_path(reference)
        if path is None:
            continue
        if not path.is_file():
            problems.append(
                Problem(
                    name, str(path), f"the {_FIELD_LABELS[name]} file does not exist or is not a file; choose it again"
                )
            )
            continue
        if name in ("first_frame", "last_frame"):
            problems += _image_problems(name, path, spec.image_limits, image_check)
        elif name == "audio" and spec.audio_limits is not None:
            problems += _audio_problems(path, spec.audio_limits)
        elif name == "first_clip" and spec.video_limits is not None:
            problems += _video_problems(path, spec.video_limits)
    return problems


def _image_problems(name: str, path: Path, limits: ImageLimits, image_check: ImageCheck | None) -> list[Problem]:
    if image_check is None:
        return []
    label = _FIELD_LABELS.get(name, name)
    return [Problem(name, path.name, f"the {label} is not usable: {message}") for message in image_check(path, limits)]


def _media_seconds(path: Path) -> float | None:
    """Length of an audio or video file via PyAV; None when it cannot be read."""
    import av
    import av.error

    try:
        with av.open(str(path)) as container:
            if container.duration is not None:
                return container.duration / 1_000_000  # av.time_base
            for stream in container.streams:
                if stream.duration is not None and stream.time_base is not None:
                    return float(stream.duration * stream.time_base)
            return None
    except (av.error.FFmpegError, OSError, ValueError):
        return None


def _file_problems(
    name: str, path: Path, extensions: tuple[str, ...], max_bytes: int, seconds_range: tuple[float, float]
) -> list[Problem]:
    label = _FIELD_LABELS.get(name) or ROLE_WORDS.get(name, name)
    suffix = path.suffix.lower().lstrip(".")
    if suffix not in extensions:
        return [Problem(name, path.name, f"the {label} must be a {_words(tuple(e.upper() for e in extensions))} file")]
    problems: list[Problem] = []
    size = path.stat().st_size
    if size > max_bytes:
        problems.append(
            Problem(name, f"{path.name} ({size / _MB:.1f} MB)", f"the {label} may be at most {max_bytes // _MB} MB")
        )
    seconds = _media_seconds(path)
    low, high = seconds_range
    if seconds is None:
        problems.append(
            Problem(
                name,
                path.name,
                f"the {label} could not be read; use a valid {_words(tuple(e.upper() for e in extensions))} file",
            )
        )
    elif not (low - 0.05 <= seconds <= high + 0.05):  # container durations are rounded
        problems.append(
            Problem(name, f"{path.name} ({seconds:.1f} s)", f"the {label} must last {low:g} to {high:g} seconds")
        )
    return problems


def _audio_problems(path: Path, limits: AudioLimits) -> list[Problem]:
    return _file_problems("audio", path, limits.extensions, limits.max_bytes, (limits.min_seconds, limits.max_seconds))


def _video_problems(path: Path, limits: VideoLimits) -> list[Problem]:
    return _file_problems(
        "first_clip", path, limits.extensions, limits.max_bytes, (limits.min_seconds, limits.max_seconds)
    )


# -- body builders ------------------------------------------------------------------------------------
def build_body(request: GenerationRequest, region: Region, media_urls: Mapping[str, str]) -> PreparedRequest:
    """The create call for a validated request. ``media_urls`` maps media field names to resolved URLs
    (a remote reference not in it is used as given).

    Resolution and duration are always sent (what the person saw in the form, else the catalog default),
    so the bill never depends on a service default changing; prompt_extend and watermark likewise; seed,
    shot_type and audio only when chosen."""
    spec = find_model(request.model)
    if spec is None:
        raise ValueError(f"unknown model {request.model!r}")
    urls = _resolved_urls(request, media_urls)
    text: dict[str, Any] = {}
    if request.prompt:
        text["prompt"] = request.prompt
    if request.negative_prompt:
        text["negative_prompt"] = request.negative_prompt
    builders = {
        InputStyle.IMG_URL: _img_url_input,
        InputStyle.MEDIA: _media_input,
        InputStyle.KEYFRAMES: _keyframes_input,
    }
    body = {
        "model": spec.request_name(region),
        "input": text | builders[spec.input_style](request, urls),
        "parameters": _parameters(request, spec),
    }
    return PreparedRequest(
        model_name=body["model"],
        path=spec.endpoint.value,
        body_json=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        oss_resolve=any(url.startswith("oss://") for url in urls.values()),
    )


def _resolved_urls(request: GenerationRequest, media_urls: Mapping[str, str]) -> dict[str, str]:
    urls: dict[str, str] = _reference_urls(request.references, media_urls)
    for name, reference in request.media_references().items():
        url = media_urls.get(name)
        if url is None:
            if local_path(reference) is not None:
                raise ValueError(f"the local {_FIELD_LABELS[name]} {reference!r} was not uploaded or encoded")
            url = reference
        urls[name] = url
    return urls


def _reference_urls(references: tuple[MediaRef, ...], media_urls: Mapping[str, str]) -> dict[str, str]:
    urls: dict[str, str] = {}
    for index, ref in enumerate(references):
        for key, reference in ((f"ref:{index}", ref.reference), (f"ref:{index}:voice", ref.voice)):
            if not reference:
                continue
            url = media_urls.get(key)
            if url is None:
                if local_path(reference) is not None:
                    raise ValueError(f"the local {ROLE_WORDS.get(ref.role, ref.role)} {reference!r} was not uploaded")
                url = reference
            urls[key] = url
    return urls


def _img_url_input(request: GenerationRequest, urls: Mapping[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {"img_url": urls["first_frame"]}
    if "audio" in urls:
        fields["audio_url"] = urls["audio"]
    if request.template:
        fields["template"] = request.template
    return fields


def _media_input(request: GenerationRequest, urls: Mapping[str, str]) -> dict[str, Any]:
    """input.media in the order the prompt numbers them (contract 12.1.3): frames first, then the
    references as given. The wan2.7-t2v audio is input.audio_url, not a media item."""
    spec = find_model(request.model)
    assert spec is not None
    order = ("first_clip", "first_frame", "last_frame", "audio")
    fields: dict[str, Any] = {}
    media: list[dict[str, str]] = []
    for name in order:
        if name not in urls:
            continue
        role = request_role(name, spec)
        if role == "audio_url":
            fields["audio_url"] = urls[name]
        else:
            media.append({"type": role, "url": urls[name]})
    for index, ref in enumerate(request.references):
        item = {"type": ref.role, "url": urls[f"ref:{index}"]}
        if ref.voice:
            item["reference_voice"] = urls[f"ref:{index}:voice"]
        media.append(item)
    if media:
        fields["media"] = media
    return fields


def _keyframes_input(request: GenerationRequest, urls: Mapping[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {"first_frame_url": urls["first_frame"]}
    if "last_frame" in urls:
        fields["last_frame_url"] = urls["last_frame"]
    if request.template:
        fields["template"] = request.template
    return fields


def _parameters(request: GenerationRequest, spec: ModelSpec) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "resolution": request.resolution or spec.default_resolution,
        "duration": request.duration if request.duration is not None else spec.default_duration,
        "prompt_extend": request.prompt_extend,
        "watermark": request.watermark,
    }
    if request.seed is not None:
        parameters["seed"] = request.seed
    if request.shot_type is not None and spec.shot_type:
        parameters["shot_type"] = request.shot_type.value
    if request.audio_enabled is not None and spec.audio_mode is AudioMode.SWITCHABLE:
        parameters["audio"] = request.audio_enabled
    if spec.ratios:
        ratio = request.ratio or spec.default_ratio
        if ratio is not None:
            parameters["ratio"] = ratio
    if request.enable_thinking is not None and spec.thinking:
        parameters["enable_thinking"] = request.enable_thinking
    return parameters
