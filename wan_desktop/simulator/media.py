"""Input media: where it comes from (data: URL, oss:// upload, this simulator's own files, or the
internet) and whether it is acceptable to the model.

The simulator cannot reach the internet: an external http(s) URL is accepted at create and stands in as a
generated placeholder picture (a tone for audio, a 5 s placeholder clip for video), so SDK examples with
``https://example.com/...`` inputs work. Media that is actually present (data: URLs, uploads, our own
result files) is checked like the service does: format, pixel bounds, size, alpha, durations.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import av
from av.error import FFmpegError
from PIL import Image, UnidentifiedImageError

from ..core.dashscope.catalog import AudioLimits, ImageLimits, VideoLimits
from .errors import BAD_URL, DOWNLOAD_FAILED, ApiError, invalid
from .render import placeholder_image
from .uploads import UploadStore

DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)$", re.DOTALL)
IMAGE_MIMES = {"image/jpeg", "image/jpg", "image/png", "image/bmp", "image/webp"}
DATA_URL_MAX = 10 * 1024 * 1024  # the gateway's ceiling on an inline data URI


@dataclass(frozen=True)
class Media:
    """One resolved input. ``data`` is None only for stand-ins of external media."""

    url: str
    data: bytes
    sha256: str
    placeholder: bool = False
    size: tuple[int, int] | None = None  # image or video frame size
    seconds: float | None = None  # audio or video length
    last_frame: bytes | None = None  # video: its last picture, PNG


@dataclass
class Sources:
    """What a create request may draw media from."""

    uploads: UploadStore
    model_key: str
    api_key: str
    now: float
    oss_enabled: bool
    own_netlocs: frozenset[str]
    own_file: Callable[[str], bytes | None]  # path+query on this server -> bytes (None when not served)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fetch(url: str, sources: Sources, field: str, allow_data: bool) -> tuple[bytes | None, str | None]:
    """(bytes, mime) of present media; (None, None) for an external URL the simulator stands in for."""
    if url.startswith("data:"):
        if not allow_data:
            raise invalid(f"{field}: a base64 data URL is not accepted here; use an http(s) or oss:// URL.")
        if len(url) > DATA_URL_MAX:
            raise invalid(f"{field}: the data URL is larger than 10 MB; keep the file below about 7 MB.")
        match = DATA_URL.match(url)
        if not match:
            raise invalid(f"{field}: {BAD_URL}")
        try:
            return base64.b64decode(match["data"], validate=True), match["mime"].lower()
        except (binascii.Error, ValueError):
            raise invalid(f"{field}: the data URL's base64 content is damaged.") from None
    if url.startswith("oss://"):
        if not sources.oss_enabled:
            raise invalid(
                f"{field}: {DOWNLOAD_FAILED} (oss:// URLs need the header X-DashScope-OssResourceResolve: enable)"
            )
        stored = sources.uploads.lookup(url[len("oss://") :], sources.now)
        if stored is None or stored.api_key != sources.api_key:
            raise invalid(f"{field}: {DOWNLOAD_FAILED} (no such temporary file, or it has expired)")
        if stored.model_key != sources.model_key:
            raise invalid(f"{field}: {DOWNLOAD_FAILED} (the temporary file was uploaded for another model)")
        return stored.path.read_bytes(), stored.content_type
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(f"{field}: {BAD_URL}")
    if parts.netloc in sources.own_netlocs:
        data = sources.own_file(parts.path + ("?" + parts.query if parts.query else ""))
        if data is None:
            raise invalid(f"{field}: {DOWNLOAD_FAILED}")
        return data, None
    return None, None


def image(url: str, sources: Sources, limits: ImageLimits, field: str) -> Media:
    data, mime = _fetch(url, sources, field, allow_data=True)
    if data is None:
        data = placeholder_image(url)
        return Media(url, data, _digest(data), placeholder=True, size=(1280, 720))
    if url.startswith("data:") and mime not in IMAGE_MIMES:
        raise invalid(f"{field}: the data URL type {mime} is not an image type (JPEG, PNG, BMP or WEBP).")
    check_image(data, limits, field)
    with Image.open(io.BytesIO(data)) as picture:
        size = picture.size
    return Media(url, data, _digest(data), size=size)


def check_image(data: bytes, limits: ImageLimits, field: str) -> None:
    if len(data) > limits.max_bytes:
        raise invalid(f"{field}: the image is {len(data) / 1e6:.1f} MB; at most {limits.max_bytes // 2**20} MB.")
    try:
        with Image.open(io.BytesIO(data)) as picture:
            picture.verify()
        with Image.open(io.BytesIO(data)) as picture:
            fmt, (width, height), mode = picture.format, picture.size, picture.mode
            has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in picture.info
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ApiError(400, "InvalidImage.FileFormat", f"{field}: the file is not a readable image.") from None
    if fmt not in limits.formats:
        raise ApiError(
            400, "InvalidImage.FileFormat", f"{field}: {fmt} images are not supported; use {', '.join(limits.formats)}."
        )
    if has_alpha and not limits.alpha_allowed:
        raise invalid(f"{field}: the image has an alpha (transparency) channel, which this model does not accept.")
    for side in (width, height):
        if not limits.min_side <= side <= limits.max_side:
            raise invalid(
                f"{field}: the image is {width}x{height} pixels; each side must be "
                f"{limits.min_side}-{limits.max_side} pixels."
            )
    aspect = width / height
    if (limits.min_aspect and aspect < limits.min_aspect - 1e-9) or (
        limits.max_aspect and aspect > limits.max_aspect + 1e-9
    ):
        raise invalid(f"{field}: the image's aspect ratio {width}:{height} is outside 1:8 to 8:1.")


def _probe_seconds(data: bytes, kind: str, field: str) -> tuple[float, tuple[int, int] | None, bytes | None]:
    """Length (and for video: frame size and last picture) of audio or video PyAV can read."""
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            streams = container.streams.video if kind == "video" else container.streams.audio
            if not streams:
                raise ValueError("no stream")
            stream = streams[0]
            seconds = float(container.duration / 1e6) if container.duration else 0.0
            if stream.duration and stream.time_base:
                seconds = float(stream.duration * stream.time_base)
            if kind != "video":
                return seconds, None, None
            last = None
            for frame in container.decode(video=0):
                last = frame
            if last is None:
                raise ValueError("no frames")
            buffer = io.BytesIO()
            last.to_image().save(buffer, format="PNG")
            return seconds, (last.width, last.height), buffer.getvalue()
    except (FFmpegError, ValueError, OSError):
        raise invalid(f"{field}: the file is not readable {kind}.") from None


def _extension(url: str) -> str:
    path = urlsplit(url).path if not url.startswith("oss://") else url
    return path.rsplit(".", 1)[-1].lower() if "." in path.rsplit("/", 1)[-1] else ""


def _check_file(url: str, data: bytes, limits: AudioLimits | VideoLimits, kind: str, field: str) -> None:
    ext = _extension(url)
    if ext and ext not in limits.extensions:
        raise invalid(f"{field}: .{ext} {kind} is not supported; use {' or '.join(limits.extensions)}.")
    if len(data) > limits.max_bytes:
        raise invalid(f"{field}: the {kind} is larger than {limits.max_bytes // 2**20} MB.")


def stand_in_seconds(url: str, default: float | None) -> float | None:
    """How long the stand-in for an external clip or audio lasts: ``#seconds=N`` on its URL, so a test can
    give the simulator lengths without serving files (a URL fragment never reaches a real server)."""
    fragment = urlsplit(url).fragment
    if fragment.startswith("seconds="):
        try:
            return max(0.0, min(float(fragment[len("seconds=") :]), 3600.0))
        except ValueError:
            return default
    return default


def audio(url: str, sources: Sources, limits: AudioLimits, field: str) -> Media:
    data, _ = _fetch(url, sources, field, allow_data=False)
    if data is None:
        return Media(url, b"", _digest(url.encode()), placeholder=True, seconds=stand_in_seconds(url, None))
    _check_file(url, data, limits, "audio", field)
    seconds, _, _ = _probe_seconds(data, "audio", field)
    if not limits.min_seconds <= seconds <= limits.max_seconds:
        raise invalid(
            f"{field}: the audio lasts {seconds:.1f} s; it must last {limits.min_seconds:g}-{limits.max_seconds:g} s."
        )
    return Media(url, data, _digest(data), seconds=seconds)


def video(url: str, sources: Sources, limits: VideoLimits, field: str) -> Media:
    data, _ = _fetch(url, sources, field, allow_data=False)
    if data is None:
        frame = placeholder_image(url)
        seconds = stand_in_seconds(url, 5.0)
        return Media(
            url, b"", _digest(url.encode()), placeholder=True, size=(1280, 720), seconds=seconds, last_frame=frame
        )
    _check_file(url, data, limits, "video", field)
    seconds, size, last = _probe_seconds(data, "video", field)
    if not limits.min_seconds - 0.05 <= seconds <= limits.max_seconds + 0.05:
        raise invalid(
            f"{field}: the clip lasts {seconds:.1f} s; it must last {limits.min_seconds:g}-{limits.max_seconds:g} s."
        )
    assert size is not None
    if not all(limits.min_side <= side <= limits.max_side for side in size):
        raise invalid(
            f"{field}: the clip is {size[0]}x{size[1]}; each side must be {limits.min_side}-{limits.max_side} pixels."
        )
    return Media(url, data, _digest(data), size=size, seconds=seconds, last_frame=last)
