"""The Wan video model catalog: look a model up by key or regional name, list a region's models, and work
out the size of a generated video.

The types are in ``specs``; the models are data (``resources/models.json``, plus a person's own
``models.json`` in the data folder, merged by ``use_home``), read by ``catalog_schema``. Every name is also
importable from here, which is where the rest of the app looks them up.

What the Wan 3.0 and media-array entries rest on (contract section 12, checked with `search` in 2026-12):

Confirmed
- Wan 3.0 workspace hosts for Beijing, Singapore, Virginia and Hong Kong: the official EN, ES and ID API
  references all list ``{WorkspaceId}.<region>.maas.aliyuncs.com`` (Frankfurt/Tokyo only on the CN page).
- Wan 3.0 is "currently in preview" (EN page; ES Oct 15, ID Sep 3 2026); 30 fps; up to 30 s.
- Media counts: first_frame 1, last_frame 1, reference_image 10, reference_video 5 and reference_audio 5,
  clips and audio each at most 15 s in total; frames never mix with references (ComfyUI's router docs and
  the ID/ES references agree); prompt up to 20000 characters; smart duration is ``duration: -1``.
- ``media=``, ``ratio=`` and ``enable_thinking=`` as SDK 2.0.2 sends them (contract 12.5, from the wheel).

Uncertain (kept as the contract has them; the catalog can be corrected without a release)
- Prices: Beijing 0.3/0.6/1.2 CNY and Singapore 0.05/0.10/0.20 USD per second for wan3.0-video are
  third-party; one reseller's list implies 0.06/0.12 USD at 720P/1080P. Prime prices are weaker still.
- Whether reference-video seconds are billed for Wan 3.0 (estimate on output, settle on ``usage``).
- Whether Wan 3.0 still takes ``negative_prompt`` and ``prompt_extend`` (one third party says both went),
  what ``enable_thinking`` does on the server, and whether ``21:9`` is offered (resellers list five ratios).
- Wan 3.0 rate limits (5 submits/s, 5 concurrent per account, as wan2.7) and its per-region model list.
- No Wan 2.x retirement date is published; none is set here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from types import MappingProxyType

from wan_desktop.core.i18n import _, format_date
from wan_desktop.core.phrases import sentences

from .models_table import _AS_OF, _MODELS, read_override
from .specs import (
    REGIONS,
    WAN27_MEDIA_COMBINATIONS,
    AudioLimits,
    AudioMode,
    Currency,
    Endpoint,
    ImageLimits,
    InputStyle,
    MediaKind,
    ModelFamily,
    ModelSpec,
    Price,
    RateLimits,
    Region,
    RegionInfo,
    VideoLimits,
    region_label,
    region_words,
)

__all__ = [
    "MODELS",
    "REGIONS",
    "RESOLUTION_PIXELS",
    "RESOLUTION_SIZES",
    "WAN27_MEDIA_COMBINATIONS",
    "_AS_OF",
    "AudioLimits",
    "AudioMode",
    "Currency",
    "Endpoint",
    "ImageLimits",
    "InputStyle",
    "MediaKind",
    "ModelFamily",
    "ModelSpec",
    "Price",
    "RateLimits",
    "Region",
    "RegionInfo",
    "VideoLimits",
    "find_model",
    "gone_sentence",
    "model",
    "models_in",
    "output_size",
    "ratio_size",
    "region_label",
    "region_words",
    "retirement_words",
    "use_home",
]

_SHIPPED: tuple[ModelSpec, ...] = _MODELS
_ALL: dict[str, ModelSpec] = {m.key: m for m in _MODELS}
_NAMES: dict[str, ModelSpec] = {}
MODELS: Mapping[str, ModelSpec] = MappingProxyType(_ALL)
_BY_REQUEST_NAME: Mapping[str, ModelSpec] = MappingProxyType(_NAMES)


def _index(specs: tuple[ModelSpec, ...]) -> None:
    # Mutated in place so every module holding MODELS sees an override (the mappings are read-only views).
    _ALL.clear()
    _ALL.update({m.key: m for m in specs})
    _NAMES.clear()
    _NAMES.update({name: m for m in specs for name in (m.key, *m.names_by_region.values(), *m.aliases)})


_index(_SHIPPED)


def use_home(home: Path) -> str:
    """Merge the person's catalog file in ``home`` over the shipped catalog (an entry with a shipped key
    replaces it; a new key adds a model). Returns "" or the sentence refusing the file, in which case only
    the shipped catalog is in use."""
    extra, refusal = read_override(home)
    merged = {m.key: m for m in _SHIPPED} | {m.key: m for m in extra}
    _index(tuple(merged.values()))
    return refusal


# Total pixels of each output tier; the output keeps the input's aspect ratio (contract 3.1).
RESOLUTION_PIXELS: Mapping[str, int] = MappingProxyType({"480P": 832 * 480, "720P": 1280 * 720, "1080P": 1920 * 1080})


def model(key_or_request_name: str) -> ModelSpec:
    """The spec for a catalog key or any regional request name; KeyError names the model."""
    try:
        return _BY_REQUEST_NAME[key_or_request_name]
    except KeyError:
        raise KeyError(f"unknown model {key_or_request_name!r}") from None


def find_model(name: str) -> ModelSpec | None:
    return _BY_REQUEST_NAME.get(name)


def models_in(region: Region) -> tuple[ModelSpec, ...]:
    return tuple(m for m in _ALL.values() if m.offered_in(region))


RESOLUTION_SIZES: Mapping[str, tuple[int, int]] = MappingProxyType(
    {"480P": (832, 480), "720P": (1280, 720), "1080P": (1920, 1080)}
)


def output_size(image_width: int, image_height: int, resolution: str) -> tuple[int, int]:
    """Width and height of the generated video: a picture at (within 3% of) the tier's own shape gets the
    tier's size exactly, landscape or portrait (16:9 at 1080P is 1920x1080, as the docs list it); any
    other shape gets the tier's pixel count at its aspect ratio, each side rounded down to a multiple of
    16 (750x1000 at 720P gives 816x1104, as the docs say)."""
    pixels = RESOLUTION_PIXELS[resolution]
    aspect = image_width / image_height
    long_side, short_side = RESOLUTION_SIZES[resolution]
    if abs(aspect / (long_side / short_side) - 1) <= 0.03:
        return long_side, short_side
    if abs(aspect / (short_side / long_side) - 1) <= 0.03:
        return short_side, long_side
    width = int((pixels * aspect) ** 0.5) // 16 * 16
    height = int((pixels / aspect) ** 0.5) // 16 * 16
    return max(width, 16), max(height, 16)


# Sizes the service gives each ratio (contract 12.2, wan2.7 pages); tiers or ratios not listed there get the
# tier's pixel count at that ratio, as any other picture shape does.
_LISTED_RATIO_SIZES: Mapping[tuple[str, str], tuple[int, int]] = MappingProxyType(
    {
        ("720P", "16:9"): (1280, 720),
        ("720P", "9:16"): (720, 1280),
        ("720P", "1:1"): (960, 960),
        ("720P", "4:3"): (1104, 832),
        ("720P", "3:4"): (832, 1104),
        ("1080P", "16:9"): (1920, 1080),
        ("1080P", "9:16"): (1080, 1920),
        ("1080P", "1:1"): (1440, 1440),
        ("1080P", "4:3"): (1648, 1248),
        ("1080P", "3:4"): (1248, 1648),
    }
)


def ratio_size(resolution: str, ratio: str) -> tuple[int, int]:
    """Width and height of a video made at ``ratio`` ("16:9"; not "adaptive") and ``resolution``."""
    listed = _LISTED_RATIO_SIZES.get((resolution, ratio))
    if listed is not None:
        return listed
    width, height = (int(part) for part in ratio.split(":"))
    return output_size(width * 100, height * 100, resolution)


def retirement_words(spec: ModelSpec) -> str:
    """ "Retires 15 Jan 2027; use Wan 3.0 instead" for the model list and the composer; "" if not retiring."""
    if not spec.status.retires_on:
        return ""
    successor = _ALL.get(spec.status.successor)
    day = _day_words(spec.status.retires_on)
    if successor is None:
        return _("Retires {date}").format(date=day)
    return _("Retires {date}; use {model} instead").format(date=day, model=successor.label)


def _day_words(text: str) -> str:
    """A catalog date (YYYY-MM-DD) as the person's language writes it; as written when it is no real day."""
    try:
        return format_date(date.fromisoformat(text))
    except ValueError:
        return text


def successor_of(spec: ModelSpec | None) -> ModelSpec | None:
    """The model named as successor, else the catalog's "Newest" model."""
    if spec is not None and spec.status.successor in _ALL:
        return _ALL[spec.status.successor]
    return next((m for m in _ALL.values() if m.badge == "Newest" and m is not spec), None)


def gone_sentence(model_name: str) -> str:
    """Why a job failed when the service no longer knows its model, naming what to use instead."""
    spec = find_model(model_name)
    label = spec.label if spec is not None else model_name
    if spec is not None and spec.status.retires_on:
        gone = _(
            "The service no longer offers {model} (it was retired on {date}), so this job was not made and "
            "nothing was charged."
        ).format(model=label, date=_day_words(spec.status.retires_on))
    else:
        gone = _("The service no longer offers {model}, so this job was not made and nothing was charged.").format(
            model=label
        )
    successor = successor_of(spec)
    if successor is None:
        return gone
    instead = _("Choose {model} ({key}) and send the job again.").format(model=successor.label, key=successor.key)
    return sentences(gone, instead)
