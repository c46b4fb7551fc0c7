"""What a Wan image-to-video model is, as types: regions, currencies, input styles, media limits, prices
and the model spec itself. The figures live in ``models_table``; ``catalog`` is where the rest of the app
looks them up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType

from wan_desktop.core.i18n import _


class Region(str, Enum):
    BEIJING = "cn-beijing"
    SINGAPORE = "ap-southeast-1"
    VIRGINIA = "us-east-1"
    FRANKFURT = "eu-central-1"
    HONG_KONG = "cn-hongkong"
    CUSTOM = "custom"


class Currency(str, Enum):
    CNY = "CNY"
    USD = "USD"


@dataclass(frozen=True)
class RegionInfo:
    """A region's two kinds of host (contract 12.3): the shared DashScope host, which any key of the region
    may use, and the workspace-dedicated host, which holds the workspace id in its name. A region with no
    shared host needs the workspace id."""

    region: Region
    base_url_template: str  # the shared host's API root; "" where the region has none
    currency: Currency
    workspace_template: str = ""  # holds "{workspace}"

    @property
    def label(self) -> str:
        """The region's name as the Model Studio console gives it, in the person's language."""
        return region_label(self.region)

    @property
    def needs_workspace(self) -> bool:
        return not self.base_url_template and bool(self.workspace_template)

    def base_url(self, workspace: str = "") -> str:
        """The workspace host once a workspace id is given, else the shared host."""
        if workspace and self.workspace_template:
            return self.workspace_template.format(workspace=workspace)
        if self.needs_workspace:
            raise ValueError(_("{region} needs a workspace id in its host name").format(region=self.label))
        return self.base_url_template


def region_label(region: Region) -> str:
    """ "China (Beijing)" / "华北2（北京）": the console's own name for the region."""
    return {
        Region.BEIJING: _("China (Beijing)"),
        Region.SINGAPORE: _("Singapore"),
        Region.VIRGINIA: _("US (Virginia)"),
        Region.FRANKFURT: _("Germany (Frankfurt)"),
        Region.HONG_KONG: _("China (Hong Kong)"),
        Region.CUSTOM: _("Custom base URL"),
    }[region]


def region_words(code: str) -> str:
    """A region code read back from a job ("cn-beijing") as the console names the region; a code the app does
    not know (an older or newer version wrote it) as it is."""
    try:
        return region_label(Region(code))
    except ValueError:
        return code


def _workspace_host(region: Region) -> str:
    return "https://{workspace}." + region.value + ".maas.aliyuncs.com/api/v1"


REGIONS: Mapping[Region, RegionInfo] = MappingProxyType(
    {
        Region.BEIJING: RegionInfo(
            Region.BEIJING,
            "https://dashscope.aliyuncs.com/api/v1",
            Currency.CNY,
            _workspace_host(Region.BEIJING),
        ),
        Region.SINGAPORE: RegionInfo(
            Region.SINGAPORE,
            "https://dashscope-intl.aliyuncs.com/api/v1",
            Currency.USD,
            _workspace_host(Region.SINGAPORE),
        ),
        Region.VIRGINIA: RegionInfo(
            Region.VIRGINIA,
            "https://dashscope-us.aliyuncs.com/api/v1",
            Currency.USD,
            _workspace_host(Region.VIRGINIA),
        ),
        Region.FRANKFURT: RegionInfo(
            Region.FRANKFURT,
            "",
            Currency.USD,
            _workspace_host(Region.FRANKFURT),
        ),
        # Hong Kong bills in USD on the international price list (contract 12.1.2, 12.3).
        Region.HONG_KONG: RegionInfo(
            Region.HONG_KONG,
            "https://cn-hongkong.dashscope.aliyuncs.com/api/v1",
            Currency.USD,
            _workspace_host(Region.HONG_KONG),
        ),
        # A simulator or a proxy: prices are shown in USD, the international list.
        Region.CUSTOM: RegionInfo(Region.CUSTOM, "", Currency.USD),
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

    WAN30 = "wan3.0"
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
    REFERENCE_IMAGE = "reference_image"
    REFERENCE_VIDEO = "reference_video"
    REFERENCE_AUDIO = "reference_audio"
    VIDEO = "video"  # wan2.7-videoedit: the video to edit


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
    min_fps: float | None = None


@dataclass(frozen=True)
class Price:
    resolution: str
    per_second: float
    currency: Currency
    source: str
    as_of: str  # when the figure was read (the catalog's valid_from)
    audio: bool | None = None  # None: the price does not depend on sound
    region: Region | None = None  # None: any region billing in this currency


@dataclass(frozen=True)
class RateLimits:
    submit_per_second: float
    concurrent_tasks: int


class Status(str, Enum):
    GA = "ga"
    PREVIEW = "preview"  # may need an access application
    RETIRING = "retiring"  # works until `retires_on`, then the service no longer knows it


@dataclass(frozen=True)
class ModelStatus:
    state: Status = Status.GA
    retires_on: str = ""  # YYYY-MM-DD
    successor: str = ""  # a catalog key
    apply_url: str = ""  # where to ask for access (preview)
    note: str = ""


@dataclass(frozen=True)
class RoleSpec:
    """One kind of input a model takes: how many, and whether each may carry a voice (wan2.7-r2v)."""

    name: str
    max_count: int = 1
    min_count: int = 0
    voice: bool = False


@dataclass(frozen=True)
class MediaRules:
    """The combinations a model accepts, as rules over role names (checked by ``media_rules``)."""

    one_of: tuple[str, ...] = ()  # at least one of these roles must be given (empty: text alone is fine)
    exclusive: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()  # the two sides never mix
    requires: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    max_total: tuple[tuple[frozenset[str], int], ...] = ()  # at most N items of these roles together
    total_seconds: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    duration_max_with: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    input_plus_output_max: int | None = None  # seconds of input video plus output


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
    badge: str = ""  # "Newest" and the like, from the catalog data
    status: ModelStatus = ModelStatus()
    roles: Mapping[str, RoleSpec] = field(default_factory=lambda: MappingProxyType({}))
    rules: MediaRules = MediaRules()
    ratios: tuple[str, ...] = ()
    default_ratio: str | None = None
    auto_duration: int | None = None  # the duration value that lets the model choose (-1, or 0 = keep input)
    thinking: bool = False
    prompt_required: bool = False
    prompt_truncated: bool = False
    fps: int | None = None
    workspace_host_only: bool = False
    bills_input_video: bool = False
    aliases: tuple[str, ...] = ()
    has_prompt_extend: bool = True
    has_negative_prompt: bool = True

    # -- region-aware views --------------------------------------------------------------------
    def offered_in(self, region: Region) -> bool:
        return region is Region.CUSTOM or region in self.names_by_region

    def request_name(self, region: Region) -> str:
        if region is Region.CUSTOM:
            return self.key
        try:
            return self.names_by_region[region]
        except KeyError:
            raise ValueError(
                _("{model} is not offered in {region}").format(model=self.key, region=REGIONS[region].label)
            ) from None

    def allowed_durations(self, region: Region) -> tuple[int, ...]:
        return self.durations_by_region.get(region, self.durations)

    def limits_in(self, region: Region) -> RateLimits:
        return self.rate_limits_by_region.get(region, self.rate_limits)

    def price_per_second(
        self, resolution: str, currency: Currency, audio: bool | None = None, region: Region | None = None
    ) -> Price | None:
        """The region's own price where the catalog has one, else any price in the region's currency."""
        candidates = [p for p in self.prices if p.resolution == resolution and p.currency == currency]
        if region is not None and any(p.region is region for p in candidates):
            candidates = [p for p in candidates if p.region is region]
        for price in candidates:
            if price.audio is None or audio is None or price.audio == audio:
                return price
        return None

    def takes(self, role: str) -> bool:
        return role in self.roles

    @property
    def text_only_allowed(self) -> bool:
        return not self.rules.one_of

    @property
    def duration_choices(self) -> tuple[int, ...]:
        """The durations a person may pick, with the "let the model choose" value first where offered."""
        return ((self.auto_duration,) if self.auto_duration is not None else ()) + self.durations

    @property
    def has_templates(self) -> bool:
        return bool(self.templates)
