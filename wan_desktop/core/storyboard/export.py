"""One MP4 of a storyboard's picked takes, in order, with a chapter per shot and each shot's generation
metadata (PyAV).

When every take has the same codec, size and frame rate, the video packets are copied as they are (no
re-encode, no loss); otherwise every picture is re-encoded (H.264) to the most common size, letterboxed
where the shape differs, and the result says so. Sound: when any take has sound, the film has an AAC track
in which each take keeps its own sound and a take without sound gets silence of its length (the sound is
always re-encoded, which costs little and keeps the seams in sync).

The file is written under a temporary name beside the destination and renamed only when complete, so a
full or read-only disk leaves no partial file; ``ExportError`` says what went wrong, in words."""

from __future__ import annotations

import errno
import json
import os
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.error import FFmpegError
from PIL import ImageOps

from wan_desktop.core.i18n import _, format_number, format_seconds_value
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library, fsync_directory

from .export_audio import AudioTrack
from .metadata import chapter_title, shot_metadata
from .model import Storyboard

_MEDIA_ERRORS = (FFmpegError, ValueError, IndexError, EOFError)


class ExportError(Exception):
    """The export did not happen; ``str()`` is a sentence for the person (no partial file is left)."""


@dataclass(frozen=True)
class Clip:
    path: Path
    title: str  # the chapter's name
    codec: str
    width: int
    height: int
    rate: Fraction  # frames per second
    frames: int
    seconds: float
    has_audio: bool


@dataclass(frozen=True)
class ExportResult:
    path: Path
    copied: bool  # the pictures were copied as they were, without re-encoding
    size: tuple[int, int]
    seconds: float
    chapters: int
    message: str


def picked_videos(board: Storyboard, jobs: Mapping[str, Job], library: Library) -> list[tuple[Path, str]]:
    """Each shot's picked video with its chapter title; ExportError naming the first shot without one."""
    rows = shot_metadata(board, jobs)
    found = []
    for shot, row in zip(board.shots, rows, strict=True):
        job = jobs.get(shot.picked_job_id or "")
        path = library.video_path(job) if job is not None and job.state is JobState.DONE else None
        if path is None or not path.is_file():
            raise ExportError(
                _("Shot {number} ({prompt}) has no video to export yet.").format(
                    number=row["shot"], prompt=row["prompt"][:40] or _("untitled")
                )
            )
        found.append((path, chapter_title(row)))
    if not found:
        raise ExportError(_("The storyboard {name} has no shots to export.").format(name=repr(board.name)))
    return found


def probe(path: Path, title: str) -> Clip:
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or Fraction(30)
            # MP4 headers count the frames; a file that does not (or a damaged count) is counted packet by packet
            frames = stream.frames or sum(1 for packet in container.demux(stream) if packet.size)
            seconds = float(frames / rate)
            return Clip(
                path,
                title,
                stream.codec_context.name,
                stream.codec_context.width,
                stream.codec_context.height,
                Fraction(rate),
                frames,
                seconds,
                bool(container.streams.audio),
            )
    except (*_MEDIA_ERRORS, OSError) as error:
        raise ExportError(
            _("'{name}' cannot be read as a video ({reason}).").format(name=path.name, reason=error)
        ) from None


def export_mp4(
    videos: Sequence[tuple[Path, str]], dest: Path, metadata: Sequence[Mapping[str, Any]] = ()
) -> ExportResult:
    clips = [probe(path, title) for path, title in videos]
    dest = Path(dest)
    temp = dest.with_name(f".{dest.name}.part")
    copied = len({(c.codec, c.width, c.height, c.rate) for c in clips}) == 1
    size = Counter((c.width, c.height) for c in clips).most_common(1)[0][0]
    try:
        _write(clips, temp, copied, size, metadata)
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, dest)
        fsync_directory(dest.parent)
    except OSError as error:
        _remove(temp)
        raise ExportError(disk_sentence(error, dest)) from None
    except _MEDIA_ERRORS as error:
        _remove(temp)
        code = getattr(error, "errno", None)
        if isinstance(error, FFmpegError) and code in (errno.ENOSPC, errno.EROFS):
            raise ExportError(disk_sentence(OSError(code, str(error)), dest)) from None
        raise ExportError(
            _("The film could not be put together ({reason}); nothing was written.").format(reason=error)
        ) from None
    seconds = round(sum(c.seconds for c in clips), 3)
    return ExportResult(dest, copied, size, seconds, len(clips), _exported(len(clips), seconds, dest, copied, size))


def _exported(shots: int, seconds: float, dest: Path, copied: bool, size: tuple[int, int]) -> str:
    words = {"shots": format_number(shots), "seconds": format_seconds_value(seconds), "name": dest.name}
    if copied:
        return _(
            "Exported {shots} shots ({seconds} s) to {name}: the pictures were copied without re-encoding."
        ).format(**words)
    return _(
        "Exported {shots} shots ({seconds} s) to {name}: the takes differ in codec, size or frame rate, so every "
        "picture was re-encoded at {width}x{height}."
    ).format(**words, width=size[0], height=size[1])


def disk_sentence(error: OSError, dest: Path) -> str:
    if error.errno == errno.ENOSPC:
        return _("The disk holding {folder} is full; the film was not exported and no partial file was left.").format(
            folder=dest.parent
        )
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return _("{folder} cannot be written to (read-only or not yours); the film was not exported.").format(
            folder=dest.parent
        )
    return _("The film could not be written to {path} ({reason}); no partial file was left.").format(
        path=dest, reason=error.strerror or error
    )


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass


# -- writing ------------------------------------------------------------------------------------------------
def _write(
    clips: Sequence[Clip], temp: Path, copied: bool, size: tuple[int, int], metadata: Sequence[Mapping[str, Any]]
) -> None:
    with av.open(str(temp), "w", format="mp4") as out:
        if metadata:
            out.metadata["comment"] = json.dumps(list(metadata), ensure_ascii=False)
        out.metadata["title"] = clips[0].title
        out.set_chapters(_chapters(clips))
        audio = AudioTrack(out) if any(c.has_audio for c in clips) else None
        if copied:
            _copy_pictures(out, clips, audio)
        else:
            _reencode_pictures(out, clips, size, audio)
        if audio is not None:
            audio.finish()


def _chapters(clips: Sequence[Clip]) -> list[Any]:  # av.container.Chapter dicts
    chapters, start = [], Fraction(0)
    for number, clip in enumerate(clips, 1):
        end = start + clip.frames / clip.rate
        base = Fraction(1, 1000)
        chapters.append(
            {
                "id": number,
                "start": round(start / base),
                "end": round(end / base),
                "time_base": base,
                "metadata": {"title": clip.title},
            }
        )
        start = end
    return chapters


def _copy_pictures(out: Any, clips: Sequence[Clip], audio: AudioTrack | None) -> None:
    stream, base, offset, last_dts = None, Fraction(1), 0, None  # offset: where the clip starts, in ``base``
    for clip in clips:
        with av.open(str(clip.path)) as source:
            video = source.streams.video[0]
            if stream is None:
                stream, base = out.add_stream_from_template(video), _base(video)
            scale = _base(video) / base  # 1 unless the takes' time bases differ
            clip_end = offset
            for packet in _packets(source, video):
                pts, dts = _shifted(packet.pts, scale, offset), _shifted(packet.dts, scale, offset)
                if last_dts is not None and dts is not None and dts <= last_dts:
                    dts = last_dts + 1  # a seam between takes whose first decode time starts before zero
                    pts = max(pts if pts is not None else dts, dts)
                packet.pts, packet.dts, packet.time_base, packet.stream = pts, dts, base, stream
                clip_end = max(clip_end, (pts or 0) + (_shifted(packet.duration or 0, scale, 0) or 0))
                last_dts = dts
                out.mux(packet)
            if audio is not None:
                audio.add(source if clip.has_audio else None, clip.frames / clip.rate)
        offset = clip_end


def _packets(source: Any, video: Any) -> Iterator[Any]:
    first = None
    for packet in source.demux(video):
        if packet.dts is None and packet.pts is None:
            continue  # the flush packet
        if first is None:
            first = min(v for v in (packet.pts, packet.dts) if v is not None)
        packet.pts = None if packet.pts is None else packet.pts - first
        packet.dts = None if packet.dts is None else packet.dts - first
        yield packet


def _base(stream: Any) -> Fraction:
    return Fraction(stream.time_base or Fraction(1, 90000))


def _shifted(value: int | None, scale: Fraction, offset: int) -> int | None:
    if value is None:
        return None
    return (value if scale == 1 else round(value * scale)) + offset


def _reencode_pictures(out: Any, clips: Sequence[Clip], size: tuple[int, int], audio: AudioTrack | None) -> None:
    rate = Counter(c.rate for c in clips).most_common(1)[0][0]
    stream = out.add_stream("libx264", rate=rate)
    stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
    stream.codec_context.time_base = 1 / rate
    start, last = Fraction(0), -1
    for clip in clips:
        with av.open(str(clip.path)) as source:
            video = source.streams.video[0]
            first_time = None
            for frame in source.decode(video):
                time = frame.pts * _base(video) if frame.pts is not None else Fraction(last + 1) / rate
                first_time = time if first_time is None else first_time
                index = round((start + time - first_time) * rate)
                if index <= last:
                    continue  # a faster take: the frames between output ticks are dropped
                picture = _fitted(frame, size)
                picture.pts, picture.time_base, last = index, 1 / rate, index
                for packet in stream.encode(picture):
                    out.mux(packet)
            if audio is not None:
                audio.add(source if clip.has_audio else None, clip.frames / clip.rate)
        start += Fraction(clip.frames) / clip.rate
    for packet in stream.encode(None):
        out.mux(packet)


def _fitted(frame: Any, size: tuple[int, int]) -> Any:
    if (frame.width, frame.height) == size:
        return frame.reformat(format="yuv420p")
    picture = ImageOps.pad(frame.to_image(), size, color=(0, 0, 0))
    return av.VideoFrame.from_image(picture).reformat(format="yuv420p")
