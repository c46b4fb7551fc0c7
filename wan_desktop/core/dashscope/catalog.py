"""The Wan image-to-video model catalog, kept as data.

Every figure here comes from ``shared/dashscope-contract.md`` (sections 1.2, 3, 4, 7, 8). Prices carry the
date and source they were read from, because they change and the person pays them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from typing import Mapping


class Region(str, Enum):
    BEIJING = "cn-beijing"
    SINGAPORE = "ap-southeast-1"
    VIRGINIA = "us-east-1"
    FRANKFURT = "eu-central-1"
    CUSTOM = "custom"


class Currency(str, Enum):
    CNY = "CNY"
    USD = "USD"


@dataclass(frozen=True)
class RegionInfo:
    region: Region
    label: str
    base_url_template: str  # may hold "{workspace}"
    currency: Currency
    needs_workspace: bool = False

    def base_url(self, workspace: str = "") -> str:
        if self.needs_workspace and not workspace:
            raise ValueError(f"{self.label} needs a workspace id in its host name")
        return self.base_url_template.format(workspace=workspace)


REGIONS: Mapping[Region, RegionInfo] = MappingProxyType(
    {
        Region.BEIJING: RegionInfo(
            Region.BEIJING, "China (Beijing)", "https://dashscope.aliyuncs.com/api/v1", Currency.CNY
        ),
        Region.SINGAPORE: RegionInfo(
            Region.SINGAPORE, "Singapore", "https://dashscope-intl.aliyuncs.com/api/v1", Currency.USD
        ),
        Region.VIRGINIA: RegionInfo(
            Region.VIRGINIA, "US (Virginia)", "https://dashscope-us.aliyuncs.com/api/v1", Currency.USD
        ),
        Region.FRANKFURT: RegionInfo(
            Region.FRANKFURT,
            "Germany (Frankfurt)",
            "https://{workspace}.eu-central-1.maas.aliyuncs.com/api/v1",
            Currency.USD,
            needs_workspace=True,
        ),
        # A simulator or a proxy: prices are shown in USD, the international list.
        Region.CUSTOM: RegionInfo(Region.CUSTOM, "Custom base URL", "", Currency.USD),
    }
)


class Endpoint(str, Enum):
    VIDEO_SYNTHESIS = "/services/aigc/video-generation/video-synthesis"
    IMAGE2VIDEO = "/services/aigc/image2video/video-synthesis"  # first+last-frame (kf2v) models


class InputStyle(str, Enum):
    IMG_URL = "img_url"  # legacy first-frame models: input.img_url (+ audio_url, template)
    MEDIA = "media"  # wan2.7: input.media = [{type, url}, ...]
    KEYFRAMES = "keyframes"  # kf2v: input.first_frame_url / last_frame_url


class ModelFamily(str, Enum):
    """Decides the usage block and a few behaviours the service keys on."""

    WAN27 = "wan2.7"
    WAN26 = "wan2.6"
    WAN25 = "wan2.5"
    WAN22 = "wan2.2"
    WAN21 = "wan2.1"
    KF2V = "kf2v"


class AudioMode(str, Enum):
    SILENT = "silent"  # the model makes no sound
    AUTOMATIC = "automatic"  # always with sound: generated, or the given audio_url
    SWITCHABLE = "switchable"  # parameters.audio true/false (wan2.6-i2v-flash)
    DRIVING = "driving"  # wan2.7: an optional driving_audio media item


class MediaKind(str, Enum):
    """wan2.7 media item types."""

    FIRST_FRAME = "first_frame"
    LAST_FRAME = "last_frame"
    DRIVING_AUDIO = "driving_audio"
    FIRST_CLIP = "first_clip"


WAN27_MEDIA_COMBINATIONS: frozenset[frozenset[MediaKind]] = frozenset(
    frozenset(combo)
    for combo in (
        {MediaKind.FIRST_FRAME},
        {MediaKind.FIRST_FRAME, MediaKind.DRIVING_AUDIO},
        {MediaKind.FIRST_FRAME, MediaKind.LAST_FRAME},
        {MediaKind.FIRST_FRAME, MediaKind.LAST_FRAME, MediaKind.DRIVING_AUDIO},
        {MediaKind.FIRST_CLIP},
        {MediaKind.FIRST_CLIP, MediaKind.LAST_FRAME},
    )
)


@dataclass(frozen=True)
class ImageLimits:
    formats: tuple[str, ...] = ("JPEG", "PNG", "BMP", "WEBP")  # Pillow format names
    min_side: int = 240
    max_side: int = 8000
    max_bytes: int = 20 * 1024 * 1024
    min_aspect: float | None = None  # width / height
    max_aspect: float | None = None
    alpha_allowed: bool = False


@dataclass(frozen=True)
class AudioLimits:
    extensions: tuple[str, ...] = ("wav", "mp3")
    min_seconds: float = 3.0
    max_seconds: float = 30.0
    max_bytes: int = 15 * 1024 * 1024


@dataclass(frozen=True)
class VideoLimits:
    extensions: tuple[str, ...] = ("mp4", "mov")
    min_seconds: float = 2.0
    max_seconds: float = 10.0
    min_side: int = 240
    max_side: int = 4096
    min_aspect: float = 1 / 8
    max_aspect: float = 8.0
    max_bytes: int = 100 * 1024 * 1024


@dataclass(frozen=True)
class Price:
    resolution: str
    per_second: float
    currency: Currency
    source: str
    as_of: str  # when the figure was read
    audio: bool | None = None  # None: the price does not depend on sound


@dataclass(frozen=True)
class RateLimits:
    submit_per_second: float
    concurrent_tasks: int


@dataclass(frozen=True)
class ModelSpec:
    key: str  # the catalog key, also the Beijing request name
    family: ModelFamily
    label: str
    description: str
    endpoint: Endpoint
    input_style: InputStyle
    resolutions: tuple[str, ...]
    default_resolution: str
    durations: tuple[int, ...]
    default_duration: int
    prompt_max: int
    names_by_region: Mapping[Region, str]  # request `model` value in each region that offers it
    rate_limits: RateLimits
    image_limits: ImageLimits
    negative_prompt_max: int = 500
    audio_mode: AudioMode = AudioMode.SILENT
    accepts_audio_url: bool = False
    shot_type: bool = False
    templates: tuple[str, ...] = ()
    takes_last_frame: bool = False
    takes_first_clip: bool = False
    audio_limits: AudioLimits | None = None
    video_limits: VideoLimits | None = None
    prices: tuple[Price, ...] = ()
    durations_by_region: Mapping[Region, tuple[int, ...]] = field(default_factory=lambda: MappingProxyType({}))
    rate_limits_by_region: Mapping[Region, RateLimits] = field(default_factory=lambda: MappingProxyType({}))
    returns_actual_prompt: bool = True  # the 2.6/2.7 docs say they return only orig_prompt

    # -- region-aware views --------------------------------------------------------------------
    def offered_in(self, region: Region) -> bool:
        return region is Region.CUSTOM or region in self.names_by_region

    def request_name(self, region: Region) -> str:
        if region is Region.CUSTOM:
            return self.key
        try:
            return self.names_by_region[region]
        except KeyError:
            raise ValueError(f"{self.key} is not offered in {REGIONS[region].label}") from None

    def allowed_durations(self, region: Region) -> tuple[int, ...]:
        return self.durations_by_region.get(region, self.durations)

    def limits_in(self, region: Region) -> RateLimits:
        return self.rate_limits_by_region.get(region, self.rate_limits)

    def price_per_second(self, resolution: str, currency: Currency, audio: bool | None = None) -> Price | None:
        for price in self.prices:
            if price.resolution != resolution or price.currency != currency:
                continue
            if price.audio is None or audio is None or price.audio == audio:
                return price
        return None

    @property
    def has_templates(self) -> bool:
        return bool(self.templates)


# -- shared figures ------------------------------------------------------------------------------
_AS_OF = "2026-11 (contract section 8)"
_IMG_20MB = ImageLimits(max_bytes=20 * 1024 * 1024)
_IMG_10MB = ImageLimits(max_bytes=10 * 1024 * 1024)
_IMG_WAN27 = ImageLimits(max_bytes=20 * 1024 * 1024, min_aspect=1 / 8, max_aspect=8.0)
_IMG_KF2V = ImageLimits(min_side=360, max_side=2000, max_bytes=10 * 1024 * 1024)
_FAST = RateLimits(submit_per_second=5, concurrent_tasks=5)
_SLOW = RateLimits(submit_per_second=2, concurrent_tasks=2)

_WAN21_TEMPLATES_COMMON = (
    "squish", "rotation", "poke", "inflate", "dissolve", "carousel", "singleheart",
    "dance1", "dance2", "dance3", "dance4", "dance5", "mermaid", "graduation", "dragon",
    "money", "jellyfish", "pupil", "hug", "frenchkiss", "coupleheart", "flying",
)  # fmt: skip
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
            _cny("720P", 0.6, _S13), _cny("1080P", 1.0, _S13),
            _usd("720P", 0.10, "runware (S13)"), _usd("1080P", 0.15, "runware (S13)"),
        ),
    ),  # fmt: skip
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
            _cny("720P", 0.6, "inferred from aggregators (S13)"), _cny("1080P", 1.0, "inferred from aggregators (S13)"),
            _usd("720P", 0.10, "runpod/lumenfall (S13)"), _usd("1080P", 0.15, "runpod/lumenfall (S13)"),
        ),
    ),  # fmt: skip
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
            _cny("720P", 0.3, _S13, True), _cny("1080P", 0.5, _S13, True),
            _cny("720P", 0.15, _S13, False), _cny("1080P", 0.25, _S13, False),
            _usd("720P", 0.05, "empiriolabs (S13)", True), _usd("1080P", 0.075, "empiriolabs (S13)", True),
            _usd("720P", 0.025, "empiriolabs (S13)", False), _usd("1080P", 0.0375, "empiriolabs (S13)", False),
        ),
    ),  # fmt: skip
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
            _cny("480P", 0.3, _CRAZY), _cny("720P", 0.6, _CRAZY), _cny("1080P", 1.0, _CRAZY),
            _usd("480P", 0.05, "aggregator pages (S13)"), _usd("720P", 0.10, "aggregator pages (S13)"),
            _usd("1080P", 0.15, "aggregator pages (S13)"),
        ),
    ),  # fmt: skip
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
            _cny("480P", 0.14, _CRAZY), _cny("1080P", 0.70, _CRAZY),
            _usd("480P", 0.02, "aggregator pages (S13)"), _usd("1080P", 0.10, "aggregator pages (S13)"),
        ),
    ),  # fmt: skip
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
        templates=_WAN21_TEMPLATES_COMMON + ("melt", "icecream"),
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
            _cny("480P", 0.24, _CRAZY), _cny("720P", 0.24, _CRAZY),
            _usd("480P", 0.036, _S9), _usd("720P", 0.036, _S9),
        ),
    ),  # fmt: skip
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
