"""The Wan image-to-video model catalog: look a model up by key or regional name, list a region's models,
and work out the size of a generated video.

The types are in ``specs`` and the figures in ``models_table``; every name is also importable from here,
which is where the rest of the app looks them up.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .models_table import _AS_OF, _MODELS
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
    "model",
    "models_in",
    "output_size",
]

MODELS: Mapping[str, ModelSpec] = MappingProxyType({m.key: m for m in _MODELS})
_BY_REQUEST_NAME: Mapping[str, ModelSpec] = MappingProxyType(
    {name: m for m in _MODELS for name in (m.key, *m.names_by_region.values())}
    | {"wan2.7-i2v-2026-04-25": MODELS["wan2.7-i2v"]}  # the dated snapshot behaves as wan2.7-i2v
)

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
    return tuple(m for m in _MODELS if m.offered_in(region))


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
