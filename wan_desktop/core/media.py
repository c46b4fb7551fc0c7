"""Videos and audio through PyAV: probe, verify a download, thumbnails and frames.

A downloaded video counts as done only when it decodes to its end: a truncated file must fail here, while the
service still holds the task and the download can be repeated.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
from av.error import FFmpegError
from PIL import Image

from wan_desktop.core.i18n import _, format_number, format_seconds
from wan_desktop.core.library import atomic_write_bytes

# Errors PyAV raises for files that are missing, truncated or not media at all.
_DECODE_ERRORS = (FFmpegError, OSError, ValueError, IndexError, EOFError)


class MediaError(Exception):
    """A media file that cannot be used; ``str(error)`` is a sentence for the person."""


@dataclass(frozen=True)
class VideoInfo:
    duration: float  # seconds
    width: int
    height: int
    fps: float
    frame_count: int
    has_audio: bool
    codec: str


def probe_video(path: Path) -> VideoInfo:
    """Read the video's shape and decode its first frame; MediaError if it does not decode."""
    path = Path(path)
    with _open(path) as container:
        stream = _video_stream(container, path)
        info = _info(container, stream)
        if _first(_decode(container, stream, path)) is None:
            raise MediaError(_no_picture(path))
        return info


def verify_video(
    path: Path,
    *,
    expected_bytes: int | None = None,
    expected_duration: float | None = None,
    tolerance: float = 0.5,
) -> VideoInfo:
    """Check a finished download: the size, that the last frames decode, and the duration."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise MediaError(_("The video '{name}' is missing.").format(name=path.name)) from None
    if expected_bytes is not None and size != expected_bytes:
        raise MediaError(
            _(
                "The video '{name}' is incomplete: {size} of {expected} bytes arrived. It will be downloaded again."
            ).format(name=path.name, size=format_number(size), expected=format_number(expected_bytes))
        )
    missing = _mp4_bytes_missing(path, size)
    if missing:
        raise MediaError(
            _(
                "The video '{name}' is cut short: {missing} bytes of it are missing. It will be downloaded again."
            ).format(name=path.name, missing=format_number(missing))
        )
    with _open(path) as container:
        stream = _video_stream(container, path)
        info = _info(container, stream)
        last_time = _last_frame_time(container, stream, info, path)
    frame_step = 1 / info.fps if info.fps > 0 else 0.1
    # The last frame starts one frame before the end; allow the tolerance beyond that.
    if info.duration > 0 and last_time < info.duration - frame_step - tolerance:
        raise MediaError(
            _(
                "The video '{name}' stops at {stop} of {length}; the file is damaged and will be downloaded again."
            ).format(name=path.name, stop=_tenths(last_time), length=_tenths(info.duration))
        )
    if expected_duration is not None and abs(info.duration - expected_duration) > tolerance:
        raise MediaError(
            _("The video '{name}' lasts {length} but {expected} were expected.").format(
                name=path.name, length=_tenths(info.duration), expected=format_seconds(expected_duration)
            )
        )
    return info


def probe_audio_seconds(path: Path) -> float:
    """The length of an audio file (or a video's sound) in seconds; MediaError if it has no sound."""
    path = Path(path)
    with _open(path) as container:
        if not container.streams.audio:
            raise MediaError(_("'{name}' has no sound that Wan Desktop can read.").format(name=path.name))
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / av.time_base
        # No duration in the headers (some raw streams): count what decodes.
        seconds = 0.0
        try:
            for frame in container.decode(stream):
                seconds += frame.samples / frame.sample_rate
        except _DECODE_ERRORS as error:
            raise MediaError(
                _("The sound in '{name}' cannot be decoded ({reason}).").format(name=path.name, reason=error)
            ) from None
        return seconds


def make_thumbnail(video: Path, dest: Path, *, max_side: int = 320, at_seconds: float = 0.5) -> Path:
    """A JPEG still of ``video`` no larger than ``max_side``, written atomically to ``dest``."""
    video, dest = Path(video), Path(dest)
    with _open(video) as container:
        stream = _video_stream(container, video)
        info = _info(container, stream)
        frame = _frame_at(container, stream, min(at_seconds, max(0.0, info.duration - 0.05)), video)
    picture = frame.to_image()
    picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="JPEG", quality=85)
    atomic_write_bytes(dest, buffer.getvalue())
    return dest


def extract_frame(video: Path, dest: Path, *, at_seconds: float | None = None) -> Path:
    """A full-size PNG of one frame (None = the last frame, to continue from there)."""
    video, dest = Path(video), Path(dest)
    with _open(video) as container:
        stream = _video_stream(container, video)
        if at_seconds is None:
            info = _info(container, stream)
            frame = _last_frame(container, stream, info, video)
        else:
            frame = _frame_at(container, stream, at_seconds, video)
    buffer = io.BytesIO()
    frame.to_image().save(buffer, format="PNG")
    atomic_write_bytes(dest, buffer.getvalue())
    return dest


def extract_frames(video: Path | str, count: int, max_side: int) -> list[Image.Image]:
    """``count`` evenly spaced frames, scaled to ``max_side``, for hover previews."""
    video = Path(video)
    if count <= 0:
        return []
    with _open(video) as container:
        stream = _video_stream(container, video)
        info = _info(container, stream)
        # Centre each sample in its slice so the first and last are not black fade frames.
        times = [info.duration * (index + 0.5) / count for index in range(count)]
        pictures = []
        for seconds in times:
            picture = _frame_at(container, stream, seconds, video).to_image()
            picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            pictures.append(picture)
        return pictures


# -- helpers ------------------------------------------------------------------------------------------------
def _open(path: Path):
    if not path.exists():
        raise MediaError(_("'{name}' could not be found; it may have been moved or deleted.").format(name=path.name))
    try:
        return av.open(str(path), mode="r")
    except _DECODE_ERRORS as error:
        unreadable = _("'{name}' is not a video or sound file that can be read ({reason}).")
        raise MediaError(unreadable.format(name=path.name, reason=_reason(error))) from None


def _video_stream(container, path: Path):
    if not container.streams.video:
        raise MediaError(_("'{name}' has no picture track.").format(name=path.name))
    return container.streams.video[0]


def _info(container, stream) -> VideoInfo:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    fps = float(rate) if rate else 0.0
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    else:
        duration = 0.0
    frame_count = stream.frames or round(duration * fps)
    context = stream.codec_context
    return VideoInfo(
        duration=duration,
        width=context.width,
        height=context.height,
        fps=fps,
        frame_count=frame_count,
        has_audio=bool(container.streams.audio),
        codec=context.name,
    )


def _decode(container, stream, path: Path) -> Iterator:
    try:
        yield from container.decode(stream)
    except _DECODE_ERRORS as error:
        damaged = _("The video '{name}' is damaged and cannot be decoded ({reason}).")
        raise MediaError(damaged.format(name=path.name, reason=_reason(error))) from None


def _first(frames: Iterator):
    for frame in frames:
        return frame
    return None


def _seconds(frame, stream) -> float:
    if frame.pts is None:
        return 0.0
    return float(frame.pts * (frame.time_base or stream.time_base or Fraction(1, 1)))


def _seek(container, stream, seconds: float) -> None:
    """Go to the key frame at or before ``seconds``; decoding then runs forward to the wanted time."""
    target = int(max(0.0, seconds) / stream.time_base) if stream.time_base else 0
    try:
        container.seek(target, stream=stream, backward=True, any_frame=False)
    except _DECODE_ERRORS as error:
        raise MediaError(_("The video cannot be searched ({reason}).").format(reason=_reason(error))) from None


def _frame_at(container, stream, seconds: float, path: Path):
    _seek(container, stream, seconds)
    half_frame = 0.5 / float(stream.average_rate) if stream.average_rate else 0.0
    last = None
    for frame in _decode(container, stream, path):
        last = frame
        if _seconds(frame, stream) >= seconds - half_frame:
            return frame
    if last is None:
        raise MediaError(_no_picture(path))
    return last  # past the end: the last picture there is


def _last_frame(container, stream, info: VideoInfo, path: Path):
    _seek(container, stream, info.duration - 1.0)
    last = None
    for frame in _decode(container, stream, path):
        last = frame
    if last is None:
        raise MediaError(_no_picture(path))
    return last


def _no_picture(path: Path) -> str:
    return _("'{name}' holds no picture that can be decoded.").format(name=path.name)


def _tenths(seconds: float) -> str:
    """A length to a tenth of a second ("4.9 s"), as a damaged download's sentence gives it."""
    return _("{n} s").format(n=format_number(seconds, 1))


def _last_frame_time(container, stream, info: VideoInfo, path: Path) -> float:
    return _seconds(_last_frame(container, stream, info, path), stream)


_MP4_TOP_LEVEL = frozenset(
    {
        b"ftyp",
        b"moov",
        b"mdat",
        b"free",
        b"skip",
        b"wide",
        b"uuid",
        b"meta",
        b"moof",
        b"mfra",
        b"styp",
        b"sidx",
        b"pdin",
    }
)


def _mp4_bytes_missing(path: Path, size: int) -> int:
    """How many bytes the MP4/MOV top-level boxes declare beyond the end of the file (0 if none, or not MP4).

    FFmpeg may still play a file whose last box was cut, so the box sizes are checked directly."""
    offset = 0
    with path.open("rb") as handle:
        while offset < size:
            handle.seek(offset)
            header = handle.read(16)
            if len(header) < 8:
                return 8 - len(header)
            box_size, box_type = int.from_bytes(header[:4], "big"), header[4:8]
            if offset == 0 and box_type not in _MP4_TOP_LEVEL:
                return 0  # not an MP4: leave it to the decoder
            if box_size == 1:
                if len(header) < 16:
                    return 16 - len(header)
                box_size = int.from_bytes(header[8:16], "big")
            elif box_size == 0:
                return 0  # "runs to the end of the file"
            if box_size < 8:
                return 0  # not a box structure we understand; the decoder decides
            offset += box_size
    return offset - size


def _reason(error: BaseException) -> str:
    text = getattr(error, "strerror", None) or str(error)
    return text.split(": '")[0].strip() or type(error).__name__
