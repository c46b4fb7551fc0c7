"""The generation settings carried inside every finished MP4, so a copied or shared video keeps them.

Writing: the streams are copied (never re-encoded) into a temp file beside the video with standard tags a
player shows (title = the prompt, comment, date, description) plus one JSON tag the app reads back
(``synopsis``, the MP4 long-description atom: the mov muxer keeps it without custom-key mode). The copy is
checked (it decodes to its end, same length, the tag reads back) before it atomically replaces the video; a
failure leaves the untagged video as it was.

Reading is untrusted input: the tag is bounded in size and nesting, and the request goes through the strict
codec (``request_from_dict``); a video that is not ours, or whose tag is damaged, gives ``None``.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from glob import escape as glob_escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import GenerationRequest, is_remote
from wan_desktop.core.job_codec import CodecError, parse_datetime, request_from_dict, request_to_dict
from wan_desktop.core.jobs import Job, JobState, utc_now

if TYPE_CHECKING:
    from wan_desktop.core.library import Library

log = logging.getLogger(__name__)

SETTINGS_FORMAT = "wan-desktop-settings"
SETTINGS_VERSION = 1
SETTINGS_TAG = "synopsis"
TEMP_SUFFIX = ".tagging.mp4"
MAX_TAG_CHARS = 256 * 1024  # a prompt is at most a few thousand characters; anything larger is not ours
MAX_VIDEO_BYTES = 4 << 30  # never open something this large as "a video of ours"
_DEPTH_LIMIT = 8


class TagError(Exception):
    """The tags could not be written; the video stays untagged. ``str(error)`` is a sentence."""


@dataclass(frozen=True)
class VideoSettings:
    """What a video of ours says about how it was made."""

    request: GenerationRequest
    job_id: str | None
    task_id: str | None
    region: str | None
    created_at: datetime | None
    app_version: str


def app_version() -> str:
    import wan_desktop

    return str(wan_desktop.__version__)


# -- writing --------------------------------------------------------------------------------------------------
def settings_payload(job: Job, library: Library | None = None) -> dict[str, Any]:
    """The JSON the app reads back; local media paths are relative to the library (never this machine's)."""
    request = request_to_dict(job.request)
    for name, reference in job.request.media_references().items():
        if not is_remote(reference):
            request[name] = library.relative(reference) if library else Path(reference).name
    return {
        "format": SETTINGS_FORMAT,
        "version": SETTINGS_VERSION,
        "job_id": job.id,
        "task_id": job.task_id,
        "region": job.region,
        "created_at": job.created_at.isoformat(),
        "date": (job.finished_at or utc_now()).isoformat(),
        "app_version": app_version(),
        "request": request,
    }


def player_tags(job: Job, payload: Mapping[str, Any]) -> dict[str, str]:
    """The standard tags a player shows, plus the JSON one. The app's version is in the comment: the muxer
    always writes its own name into ``encoder``, whatever is asked."""
    request = job.request
    seed = "random" if request.seed is None else str(request.seed)
    comment = f"Made with Wan Desktop {payload['app_version']}: {request.model}, seed {seed}"
    if request.resolution:
        comment += f", {request.resolution}"
    if request.duration:
        comment += f", {request.duration} s"
    if job.task_id:
        comment += f", task {job.task_id}"
    tags = {
        "title": request.prompt[:1000] or "(no prompt)",
        "comment": comment,
        "date": str(payload["date"])[:10],
        SETTINGS_TAG: json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
    }
    if request.negative_prompt:
        tags["description"] = f"Negative prompt: {request.negative_prompt[:1000]}"
    return tags


def write_settings(video: Path, job: Job, library: Library | None = None) -> bool:
    """Tag ``video`` with ``job``'s settings in place. True when tagged (or already tagged alike); False when
    it could not be, in which case the video is untouched and a notice is logged."""
    video = Path(video)
    payload = settings_payload(job, library)
    current = read_settings(video)
    if current is not None and current.job_id == job.id and current.request == _read_request(payload):
        return True
    try:
        _remux_with_tags(video, player_tags(job, payload))
    except TagError as error:
        log.warning("the settings could not be written into %s: %s (the video is kept as it is)", video.name, error)
        return False
    return True


def _read_request(payload: Mapping[str, Any]) -> GenerationRequest | None:
    try:
        return request_from_dict(payload["request"])
    except (CodecError, KeyError):
        return None


def _remux_with_tags(video: Path, tags: Mapping[str, str]) -> None:
    from wan_desktop.core import media
    from wan_desktop.core.library import fsync_directory

    for stale in video.parent.glob(f".{glob_escape(video.name)}.*{TEMP_SUFFIX}"):
        stale.unlink(missing_ok=True)  # left by a run killed mid-copy: the app's own name, never the video
    fd, temp_name = tempfile.mkstemp(dir=video.parent, prefix=f".{video.name}.", suffix=TEMP_SUFFIX)
    os.close(fd)
    temp = Path(temp_name)
    try:
        _copy_streams(video, temp, tags)
        original = media.verify_video(video)
        media.verify_video(temp, expected_duration=original.duration)
        if read_settings(temp) is None:
            raise TagError("the written tag does not read back")
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, video)
        fsync_directory(video.parent)
    except (media.MediaError, OSError, ValueError) as error:
        raise TagError(str(error) or type(error).__name__) from None
    finally:
        temp.unlink(missing_ok=True)


def _copy_streams(source: Path, target: Path, tags: Mapping[str, str]) -> None:
    """Packets copied as they are (no decode, no encode); only the container's tags change."""
    import av
    from av.error import FFmpegError

    try:
        with (
            av.open(str(source)) as src,
            av.open(str(target), "w", format="mp4", options={"movflags": "faststart"}) as dst,
        ):
            dst.metadata.update(tags)
            streams = {s.index: dst.add_stream_from_template(s) for s in src.streams if s.type in ("video", "audio")}
            for packet in src.demux(*[s for s in src.streams if s.index in streams]):
                if packet.dts is None:  # the demuxer's end-of-stream marker
                    continue
                packet.stream = streams[packet.stream.index]
                dst.mux(packet)
    except (FFmpegError, IndexError, KeyError) as error:
        raise TagError(f"the streams could not be copied ({error})") from None


# -- reading --------------------------------------------------------------------------------------------------
def read_tags(path: Path) -> dict[str, str]:
    """The container's tags, bounded; {} for anything that is not a readable MP4 of a sane size."""
    import av
    from av.error import FFmpegError

    path = Path(path)
    try:
        if not path.is_file() or path.stat().st_size > MAX_VIDEO_BYTES:
            return {}
        with av.open(str(path)) as container:
            return {str(k)[:100]: str(v)[: MAX_TAG_CHARS + 1] for k, v in list(container.metadata.items())[:100]}
    except (FFmpegError, OSError, ValueError, UnicodeDecodeError):
        return {}


def read_settings(path: Path) -> VideoSettings | None:
    """The settings a video of ours carries, checked like any untrusted input; None when it carries none."""
    text = read_tags(path).get(SETTINGS_TAG)
    if not text or len(text) > MAX_TAG_CHARS or text.count("{") + text.count("[") > 10_000:
        return None
    try:
        data = json.loads(text)
        return _settings_from(data)
    except (ValueError, RecursionError, TypeError):
        return None


def _settings_from(data: Any) -> VideoSettings | None:
    if not isinstance(data, dict) or data.get("format") != SETTINGS_FORMAT:
        return None
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version <= SETTINGS_VERSION:
        return None
    if _depth(data) > _DEPTH_LIMIT:
        return None
    request = request_from_dict(data.get("request"))  # CodecError is a ValueError: caught by the caller
    created = data.get("created_at")
    return VideoSettings(
        request=request,
        job_id=_short_text(data.get("job_id")),
        task_id=_short_text(data.get("task_id")),
        region=_region(data.get("region")),
        created_at=parse_datetime("created_at", created) if created is not None else None,
        app_version=_short_text(data.get("app_version")) or "unknown",
    )


def _depth(value: Any, level: int = 0) -> int:
    if level > _DEPTH_LIMIT:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _short_text(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 200 else None


def _region(value: Any) -> str | None:
    try:
        return Region(value).value if isinstance(value, str) else None
    except ValueError:
        return None


# -- restoring ------------------------------------------------------------------------------------------------
def job_from_video(library: Library, video: Path) -> Job | None:
    """A finished job for a video of ours that has no note: paths confined to the library, media to its
    inputs folder (anything else is dropped), state DONE, never anything to send."""
    from wan_desktop.core.library import UnsafePath

    settings = read_settings(video)
    if settings is None or not library.is_inside(video):
        return None
    media = {}
    for name, reference in settings.request.media_references().items():
        if is_remote(reference):
            continue
        try:
            media[name] = str(library.confined(reference, within=library.inputs_dir))
        except UnsafePath:
            media[name] = None
    created = settings.created_at or utc_now()
    thumbnail = video.with_suffix(".jpg")
    return Job(
        id=settings.job_id or f"video-{video.stem[:60]}",
        request=replace(settings.request, **media),
        state=JobState.DONE,
        created_at=created,
        updated_at=created,
        region=settings.region or Region.SINGAPORE.value,
        task_id=settings.task_id,
        video_path=library.relative(video),
        thumbnail_path=library.relative(thumbnail) if thumbnail.is_file() and library.is_inside(thumbnail) else None,
    )


def remix_request(settings: VideoSettings) -> GenerationRequest:
    """The settings to put back in the composer: local media paths are dropped (they belong to the machine
    or library the video came from); remote ones and every option stay."""
    local = {name: None for name, ref in settings.request.media_references().items() if not is_remote(ref)}
    return replace(settings.request, **local)


def adopt_video(library: Library, video: Path) -> Job | None:
    """A video of ours dropped on the library: copied in when it lies outside (the original stays where it
    is), then restored as a finished job. None, with nothing left behind, when it carries no settings."""
    import shutil

    from wan_desktop.core import media
    from wan_desktop.core.library import free_name

    video = Path(video)
    if read_settings(video) is None:
        return None
    target = video
    if not library.is_inside(video):
        library.root.mkdir(parents=True, exist_ok=True)
        target = free_name(library.root / video.name)
        partial = target.with_name(f".{target.name}.copy")
        shutil.copyfile(video, partial)
        os.replace(partial, target)
    job = job_from_video(library, target)
    if job is None:
        return None
    thumbnail = target.with_suffix(".jpg")
    if job.thumbnail_path is None and not thumbnail.exists():
        try:
            made = media.make_thumbnail(target, thumbnail)
            job = replace(job, thumbnail_path=library.relative(made))
        except (media.MediaError, OSError):
            pass  # a video without a thumbnail is still the video
    return job
