"""The Wan image-to-video models, one spec each, kept as data.

Every figure here comes from ``shared/dashscope-contract.md`` (sections 1.2, 3, 4, 7, 8). Prices carry the
date and source they were read from, because they change and the person pays them.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .specs import (
    AudioLimits,
    AudioMode,
    Currency,
    Endpoint,
    ImageLimits,
    InputStyle,
    ModelFamily,
    ModelSpec,
    Price,
    RateLimits,
    Region,
    VideoLimits,
)

# -- shared figures ------------------------------------------------------------------------------
_AS_OF = "2026-11 (contract section 8)"
_IMG_20MB = ImageLimits(max_bytes=20 * 1024 * 1024)
_IMG_10MB = ImageLimits(max_bytes=10 * 1024 * 1024)
_IMG_WAN27 = ImageLimits(max_bytes=20 * 1024 * 1024, min_aspect=1 / 8, max_aspect=8.0)
_IMG_KF2V = ImageLimits(min_side=360, max_side=2000, max_bytes=10 * 1024 * 1024)
_FAST = RateLimits(submit_per_second=5, concurrent_tasks=5)
_SLOW = RateLimits(submit_per_second=2, concurrent_tasks=2)

_WAN21_TEMPLATES_COMMON = (
    "squish",
    "rotation",
    "poke",
    "inflate",
    "dissolve",
    "carousel",
    "singleheart",
    "dance1",
    "dance2",
    "dance3",
    "dance4",
    "dance5",
    "mermaid",
    "graduation",
    "dragon",
    "money",
    "jellyfish",
    "pupil",
    "hug",
    "frenchkiss",
    "coupleheart",
    "flying",
)
_KF2V_TEMPLATES = ("hanfu-1", "solaron", "magazine", "mech1", "mech2")


def _names(key: str, **overrides: str) -> Mapping[Region, str]:
    regions = {Region.BEIJING: key, Region.SINGAPORE: key}
    for region_name, name in overrides.items():
        region = Region[region_name.upper()]
        if name:
            regions[region] = name
        else:
            regions.pop(region, None)
    return MappingProxyType(regions)


def _cny(resolution: str, value: float, source: str, audio: bool | None = None) -> Price:
    return Price(resolution, value, Currency.CNY, source, _AS_OF, audio)


def _usd(resolution: str, value: float, source: str, audio: bool | None = None) -> Price:
    return Price(resolution, value, Currency.USD, source, _AS_OF, audio)


_S13 = "third-party page quoting the official price (S13)"
_S9 = "official EN API reference, Jun 2025 (S9)"
_CRAZY = "crazyrouter price list (S13)"

_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        key="wan2.7-i2v",
        family=ModelFamily.WAN27,
        label="Wan 2.7",
        description="Newest: first frame, first+last frame, driving audio, or continue a clip.",
        endpoint=Endpoint.VIDEO_SYNTHESIS,
        input_style=InputStyle.MEDIA,
        resolutions=("720P", "1080P"),
        default_resolution="1080P",
        durations=tuple(range(2, 16)),
        default_duration=5,
        prompt_max=5000,
        names_by_region=_names("wan2.7-i2v"),
        rate_limits=_FAST,
        image_limits=_IMG_WAN27,
        audio_mode=AudioMode.DRIVING,
        takes_last_frame=True,
        takes_first_clip=True,
        audio_limits=AudioLimits(min_seconds=2.0),
        video_limits=VideoLimits(),
        returns_actual_prompt=False,
        prices=(
            _cny("720P", 0.6, _S13),
            _cny("1080P", 1.0, _S13),
            _usd("720P", 0.10, "runware (S13)"),
            _usd("1080P", 0.15, "runware (S13)"),
        ),
    ),
    ModelSpec(
        key="wan2.6-i2v",
        family=ModelFamily.WAN26,
        label="Wan 2.6",
        description="Sound by default (generated, or your audio), multi-shot storytelling.",
        endpoint=Endpoint.VIDEO_SYNTHESIS,
        input_style=InputStyle.IMG_URL,
        resolutions=("720P", "1080P"),
        default_resolution="1080P",
        durations=tuple(range(2, 16)),
        default_duration=5,
        prompt_max=1500,
        names_by_region=_names("wan2.6-i2v", virginia="wan2.6-i2v", frankfurt="wan2.6-i2v"),
        rate_limits=_FAST,
        image_limits=_IMG_20MB,
        audio_mode=AudioMode.AUTOMATIC,
        accepts_audio_url=True,
        shot_type=True,
        audio_limits=AudioLimits(),
        returns_actual_prompt=False,
        durations_by_region=MappingProxyType({Region.VIRGINIA: (5, 10, 15), Region.FRANKFURT: (5, 10, 15)}),
        prices=(
            _cny("720P", 0.6, "inferred from aggregators (S13)"),
            _cny("1080P", 1.0, "inferred from aggregators (S13)"),
            _usd("720P", 0.10, "runpod/lumenfall (S13)"),
            _usd("1080P", 0.15, "runpod/lumenfall (S13)"),
        ),
    ),
    ModelSpec(
        key="wan2.6-i2v-flash",
        family=ModelFamily.WAN26,
        label="Wan 2.6 Flash",
        description="Fast and cheaper; sound can be switched off to halve the price.",
        endpoint=Endpoint.VIDEO_SYNTHESIS,
        input_style=InputStyle.IMG_URL,
        resolutions=("720P", "1080P"),
        default_resolution="1080P",
        durations=tuple(range(2, 16)),
        default_duration=5,
        prompt_max=1500,
        names_by_region=_names("wan2.6-i2v-flash"),
        rate_limits=_FAST,
        image_limits=_IMG_20MB,
        audio_mode=AudioMode.SWITCHABLE,
        accepts_audio_url=True,
        shot_type=True,
        audio_limits=AudioLimits(),
        returns_actual_prompt=False,
        prices=(
            _cny("720P", 0.3, _S13, True),
            _cny("1080P", 0.5, _S13, True),
            _cny("720P", 0.15, _S13, False),
            _cny("1080P", 0.25, _S13, False),
            _usd("720P", 0.05, "empiriolabs (S13)", True),
            _usd("1080P", 0.075, "empiriolabs (S13)", True),
            _usd("720P", 0.025, "empiriolabs (S13)", False),
            _usd("1080P", 0.0375, "empiriolabs (S13)", False),
        ),
    ),
    ModelSpec(
        key="wan2.6-i2v-us",
        family=ModelFamily.WAN26,
        label="Wan 2.6 (US)",
        description="Wan 2.6 served from the US (Virginia) region.",
        endpoint=Endpoint.VIDEO_SYNTHESIS,
        input_style=InputStyle.IMG_URL,
        resolutions=("720P", "1080P"),
        default_resolution="1080P",
        durations=(5, 10, 15),
        default_duration=5,
        prompt_max=1500,
        names_by_region=MappingProxyType({Region.VIRGINIA: "wan2.6-i2v-us"}),
        rate_limits=_FAST,
        image_limits=_IMG_20MB,
        audio_mode=AudioMode.AUTOMATIC,
        accepts_audio_url=True,
        audio_limits=AudioLimits(),
        returns_actual_prompt=False,
        prices=(_usd("720P", 0.10, "as wan2.6-i2v (S13)"), _usd("1080P", 0.15, "as wan2.6-i2v (S13)")),
    ),
    ModelSpec(
        key="wan2.5-i2v-preview",
        family=ModelFamily.WAN25,
        label="Wan 2.5 Preview",
        description="Sound generated with the picture, or driven by your audio; 5 or 10 s.",
        endpoint=Endpoint.VIDEO_SYNTHESIS,
        input_style=InputStyle.IMG_URL,
        resolutions=("480P", "720P", "1080P"),
        default_resolution="1080P",
        durations=(5, 10),
        default_duration=5,
        prompt_max=1500,
        names_by_region=_names("wan2.5-i2v-preview"),
        rate_limits=_FAST,
        image_limits=_IMG_20MB,
        audio_mode=AudioMode.AUTOMATIC,
        accepts_audio_url=True,
        audio_limits=AudioLimits(),
        prices=(
            _cny("480P", 0.3, _CRAZY),
            _cny("720P", 0.6, _CRAZY),
            _cny("1080P", 1.0, _CRAZY),
            _usd("480P", 0.05, "aggregator pages (S13)"),
            _usd("720P", 0.10, "aggregator pages (S13)"),
            _usd("1080P", 0.15, "aggregator pages (S13)"),
        ),
    ),
    ModelSpec(
        key="wan2.2-i2v-plus",
        family=ModelFamily.WAN22,
        label="Wan 2.2 Plus",
        description="Silent 5 s clips with rich motion, 480P or 1080P.",
        endpoint=Endpoint.VIDEO_SYNTHESIS,
        input_style=InputStyle.IMG_URL,
        resolutions=("480P", "1080P"),
        default_resolution="1080P",
        durations=(5,),
        default_duration=5,
        prompt_max=800,
        names_by_region=_names("wan2.2-i2v-plus"),
        rate_limits=_SLOW,
        image_limits=_IMG_10MB,
        prices=(
            _cny("480P", 0.14, _CRAZY),
            _cny("1080P", 0.70, _CRAZY),
            _usd("480P", 0.02, "aggregator pages (S13)"),
            _usd("1080P", 0.10, "aggregator pages (S13)"),
        ),
    ),
    ModelSpec(
        key="wan2.2-i2v-flash",
        family=ModelFamily.WAN22,
        label="Wan 2.2 Flash",
        description="The cheapest silent 5 s clips, fast.",
        endpoint=Endpoint.VIDEO_SYNTHESIS,
        input_style=InputStyle.IMG_URL,
        resolutions=("480P", "720P", "1080P"),
        default_resolution="720P",
        durations=(5,),
        default_duration=5,
        prompt_max=800,
        names_by_region=_names("wan2.2-i2v-flash"),
        rate_limits=_SLOW,
        image_limits=_IMG_10MB,
        prices=(_cny("480P", 0.10, _CRAZY), _cny("720P", 0.20, _CRAZY), _cny("1080P", 0.48, _CRAZY)),
    ),
    ModelSpec(
        key="wanx2.1-i2v-plus",
        family=ModelFamily.WAN21,
        label="Wan 2.1 Plus",
        description="Silent 720P clips; supports effect templates.",
        endpoint=Endpoint.VIDEO_SYNTHESIS,
        input_style=InputStyle.IMG_URL,
        resolutions=("720P",),
        default_resolution="720P",
        durations=(5,),
        default_duration=5,
        prompt_max=800,
        names_by_region=_names("wanx2.1-i2v-plus", singapore="wan2.1-i2v-plus"),
        rate_limits=_SLOW,
        image_limits=_IMG_10MB,
        templates=(*_WAN21_TEMPLATES_COMMON, "melt", "icecream"),
        prices=(_cny("720P", 0.70, _CRAZY), _usd("720P", 0.10, _S9)),
    ),
    ModelSpec(
        key="wanx2.1-i2v-turbo",
        family=ModelFamily.WAN21,
        label="Wan 2.1 Turbo",
        description="Quick silent 3-5 s clips; supports effect templates.",
        endpoint=Endpoint.VIDEO_SYNTHESIS,
        input_style=InputStyle.IMG_URL,
        resolutions=("480P", "720P"),
        default_resolution="720P",
        durations=(3, 4, 5),
        default_duration=5,
        prompt_max=800,
        names_by_region=_names("wanx2.1-i2v-turbo", singapore="wan2.1-i2v-turbo"),
        rate_limits=_SLOW,
        image_limits=_IMG_10MB,
        templates=_WAN21_TEMPLATES_COMMON,
        prices=(
            _cny("480P", 0.24, _CRAZY),
            _cny("720P", 0.24, _CRAZY),
            _usd("480P", 0.036, _S9),
            _usd("720P", 0.036, _S9),
        ),
    ),
    ModelSpec(
        key="wanx2.1-kf2v-plus",
        family=ModelFamily.KF2V,
        label="Wan 2.1 First+Last Frame",
        description="Moves from a first frame to a last frame; 720P, 5 s.",
        endpoint=Endpoint.IMAGE2VIDEO,
        input_style=InputStyle.KEYFRAMES,
        resolutions=("720P",),
        default_resolution="720P",
        durations=(5,),
        default_duration=5,
        prompt_max=800,
        names_by_region=_names("wanx2.1-kf2v-plus", singapore="wan2.1-kf2v-plus"),
        rate_limits=_SLOW,
        rate_limits_by_region=MappingProxyType({Region.SINGAPORE: RateLimits(1, 2)}),
        image_limits=_IMG_KF2V,
        takes_last_frame=True,
        templates=_KF2V_TEMPLATES,
        prices=(_cny("720P", 0.70, _CRAZY), _usd("720P", 0.10, _S9)),
    ),
    ModelSpec(
        key="wan2.2-kf2v-flash",
        family=ModelFamily.KF2V,
        label="Wan 2.2 First+Last Frame Flash",
        description="Fast first-to-last-frame clips, 480P to 1080P, 5 s (Beijing).",
        endpoint=Endpoint.IMAGE2VIDEO,
        input_style=InputStyle.KEYFRAMES,
        resolutions=("480P", "720P", "1080P"),
        default_resolution="720P",
        durations=(5,),
        default_duration=5,
        prompt_max=800,
        names_by_region=MappingProxyType({Region.BEIJING: "wan2.2-kf2v-flash"}),
        rate_limits=_SLOW,
        image_limits=_IMG_KF2V,
        takes_last_frame=True,
        templates=_KF2V_TEMPLATES,
        prices=(_cny("480P", 0.10, _CRAZY), _cny("720P", 0.20, _CRAZY), _cny("1080P", 0.48, _CRAZY)),
    ),
)
