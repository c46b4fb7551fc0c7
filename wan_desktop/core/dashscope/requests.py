"""Local checks of a GenerationRequest and the JSON body each model family expects.

Everything here works without a network: a bad option must never cost a network call (or money). Each
Problem says which field, what value, and what the model allows, in words a person understands.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.phrases import either

from .catalog import (
    REGIONS,
    WAN27_MEDIA_COMBINATIONS,
    AudioMode,
    InputStyle,
    MediaKind,
    ModelSpec,
    Region,
    find_model,
)
from .errors import Problem
from .inputs import local_path
from .media_rules import MediaItem, check_media, words
from .request_files import (
    ImageCheck,
    field_words,
    local_file_problems,
    media_seconds,
    reference_file_problems,
)
from .types import GenerationRequest, MediaRef

SEED_MAX = 2147483647
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


def _durations_words(values: tuple[int, ...]) -> str:
    if len(values) > 3 and list(values) == list(range(values[0], values[-1] + 1)):
        return _("any whole number of seconds from {low} to {high}").format(
            low=format_number(values[0]), high=format_number(values[-1])
        )
    return _("{durations} seconds").format(durations=either(format_number(v) for v in values))


# -- validation ------------------------------------------------------------------------------------


def request_problems(request: GenerationRequest, region: Region, *, image_check: ImageCheck | None) -> list[Problem]:
    """Everything wrong with the request that can be known without the network; empty when it may be sent.
    Local images are checked with ``image_check`` (None: only that they exist). Callers outside this package
    use ``core.request_checks.validate_request``, which gives the app's image check."""
    spec = find_model(request.model)
    if spec is None:
        return [Problem("model", request.model, _("choose one of the models in the list"))]
    if not spec.offered_in(region):
        offered = either(REGIONS[r].label for r in spec.names_by_region)
        allowed = _("{model} is not offered in {region}; it is offered in {regions}").format(
            model=spec.label, region=REGIONS[region].label, regions=offered
        )
        return [Problem("model", request.model, allowed)]
    problems = _option_problems(request, spec, region)
    if uses_media_rules(spec):
        problems += media_rule_problems(request, spec)
        problems += reference_file_problems(request, spec, image_check)
    else:
        problems += _media_presence_problems(request, spec)
    problems += local_file_problems(request, spec, image_check)
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
            seconds = media_seconds(path)
        items.append(MediaItem(ref.role, seconds, bool(ref.voice)))
    return items


def media_rule_problems(request: GenerationRequest, spec: ModelSpec) -> list[Problem]:
    duration = request.duration if request.duration is not None else spec.default_duration
    breaks = check_media(spec, media_items(request, spec), duration, request.prompt)
    return [Problem(b.role, words(b.role), b.sentence) for b in breaks]


def _option_problems(request: GenerationRequest, spec: ModelSpec, region: Region) -> list[Problem]:
    problems: list[Problem] = []
    if request.resolution is not None and request.resolution not in spec.resolutions:
        allowed = _("{model} makes {resolutions}").format(model=spec.label, resolutions=either(spec.resolutions))
        problems.append(Problem("resolution", request.resolution, allowed))
    durations = spec.allowed_durations(region)
    if request.duration is not None and request.duration not in durations and request.duration != spec.auto_duration:
        allowed = _("{model} in {region} makes {durations}").format(
            model=spec.label, region=REGIONS[region].label, durations=_durations_words(durations)
        )
        problems.append(Problem("duration", request.duration, allowed))
    problems += _text_problems(request, spec)
    if request.seed is not None and not (0 <= request.seed <= SEED_MAX):  # -1 is "random": leave it unset
        allowed = _("the seed must be a whole number from 0 to {most}").format(most=SEED_MAX)
        problems.append(Problem("seed", request.seed, allowed))
    if request.shot_type is not None and not spec.shot_type:
        allowed = _("{model} has no single/multi-shot option; leave it unset").format(model=spec.label)
        problems.append(Problem("shot_type", request.shot_type.value, allowed))
    if request.audio_enabled is not None and spec.audio_mode is not AudioMode.SWITCHABLE:
        allowed = _("sound cannot be switched on or off for {model}; leave it unset").format(model=spec.label)
        problems.append(Problem("audio_enabled", request.audio_enabled, allowed))
    problems += _media_option_problems(request, spec)
    if request.template is not None and request.template not in spec.templates:
        if spec.templates:
            allowed = _("{model} offers the effects {effects}").format(model=spec.label, effects=either(spec.templates))
        else:
            allowed = _("{model} has no effect templates").format(model=spec.label)
        problems.append(Problem("template", request.template, allowed))
    return problems


def _characters(count: int) -> str:
    return _("{n} characters").format(n=format_number(count))


def _text_problems(request: GenerationRequest, spec: ModelSpec) -> list[Problem]:
    problems: list[Problem] = []
    if len(request.prompt) > spec.prompt_max:
        allowed = _("{model} reads at most {n} characters (a Chinese character counts as one)").format(
            model=spec.label, n=format_number(spec.prompt_max)
        )
        problems.append(Problem("prompt", _characters(len(request.prompt)), allowed))
    if len(request.negative_prompt) > spec.negative_prompt_max:
        allowed = _("the negative prompt may have at most {n} characters").format(
            n=format_number(spec.negative_prompt_max)
        )
        problems.append(Problem("negative_prompt", _characters(len(request.negative_prompt)), allowed))
    return problems


def _media_option_problems(request: GenerationRequest, spec: ModelSpec) -> list[Problem]:
    problems: list[Problem] = []
    if request.ratio is not None and request.ratio not in spec.ratios:
        if spec.ratios:
            allowed = _("{model} offers the ratios {ratios}").format(model=spec.label, ratios=either(spec.ratios))
        else:
            allowed = _("{model} has no ratio option; the video follows its input").format(model=spec.label)
        problems.append(Problem("ratio", request.ratio, allowed))
    if request.enable_thinking is not None and not spec.thinking:
        allowed = _("{model} has no thinking mode; leave it unset").format(model=spec.label)
        problems.append(Problem("enable_thinking", request.enable_thinking, allowed))
    if request.references and not uses_media_rules(spec):
        allowed = _("{model} takes no references").format(model=spec.label)
        problems.append(Problem("references", len(request.references), allowed))
    return problems


def _media_presence_problems(request: GenerationRequest, spec: ModelSpec) -> list[Problem]:
    problems: list[Problem] = []
    model = spec.label
    if request.audio and not (spec.accepts_audio_url or spec.audio_mode is AudioMode.DRIVING):
        allowed = _("{model} takes no audio file; remove it").format(model=model)
        problems.append(Problem("audio", request.audio, allowed))
    if request.last_frame and not spec.takes_last_frame:
        allowed = _("{model} takes no last-frame image").format(model=model)
        problems.append(Problem("last_frame", request.last_frame, allowed))
    if request.first_clip and not spec.takes_first_clip:
        allowed = _("{model} cannot continue a video clip").format(model=model)
        problems.append(Problem("first_clip", request.first_clip, allowed))
    if spec.input_style is InputStyle.MEDIA:
        kinds = frozenset(_MEDIA_KIND[name] for name in request.media_references())
        if kinds and kinds not in WAN27_MEDIA_COMBINATIONS:
            given = either(field_words(n) for n in request.media_references())
            allowed = _(
                "{model} takes a first-frame image (optionally with a last-frame image and/or driving audio), or "
                "a video clip to continue (optionally with a last-frame image)"
            ).format(model=model)
            problems.append(Problem("media", given, allowed))
        elif not kinds:
            allowed = _("{model} needs a first-frame image or a video clip to continue").format(model=model)
            problems.append(Problem("first_frame", None, allowed))
    elif not request.first_frame:
        problems.append(Problem("first_frame", None, _("{model} needs a first-frame image").format(model=model)))
    return problems


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
                raise ValueError(f"the local {field_words(name)} {reference!r} was not uploaded or encoded")
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
                    raise ValueError(f"the local {words(ref.role)} {reference!r} was not uploaded")
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
