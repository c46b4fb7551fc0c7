"""Fetching a finished video into the library: stream to ``.part``, resume, verify, rename, thumbnail.

Runs on a download thread; touches only files (never the store) and returns what happened as a frozen
``DownloadOutcome`` for the engine thread to journal.
"""

from __future__ import annotations

import errno
import threading
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Callable

from wan_desktop.core import media
from wan_desktop.core.dashscope.errors import DashScopeError, LinkExpiredError
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library


class DownloadStatus(str, Enum):
    SAVED = "saved"  # verified video in place, thumbnail made
    STOPPED = "stopped"  # the engine is shutting down; the .part stays for next time
    LINK_EXPIRED = "link_expired"
    NETWORK = "network"  # the transfer broke; resume from the .part
    DAMAGED = "damaged"  # the complete file does not decode; it was deleted
    DISK = "disk"  # the library folder cannot be written
    REFUSED = "refused"  # the link or its reply can never work (bad scheme, private address, too large, 404)


@dataclass(frozen=True)
class DownloadOutcome:
    job_id: str
    status: DownloadStatus
    message: str = ""
    video_path: Path | None = None
    thumbnail_path: Path | None = None
    bytes_written: int = 0
    bytes_total: int | None = None
    duration: float | None = None


ProgressCallback = Callable[[str, int, int | None], None]


def fetch_video(
    job: Job,
    client,
    library: Library,
    stop: threading.Event,
    on_progress: ProgressCallback | None = None,
) -> DownloadOutcome:
    final = library.video_path(job)
    part = library.part_path(job)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.exists():  # renamed before a crash, or a second pass: just check it
            return _finish(job, final, library, bytes_total=final.stat().st_size)
        return _transfer(job, client, library, part, final, stop, on_progress)
    except OSError as error:
        return DownloadOutcome(job.id, DownloadStatus.DISK, _disk_message(error, final.parent))


def _transfer(job, client, library, part: Path, final: Path, stop, on_progress) -> DownloadOutcome:
    offset = part.stat().st_size if part.exists() else 0

    def progress(done: int, total: int | None) -> None:
        if on_progress is not None:
            on_progress(job.id, done, total)

    try:
        result = client.download(
            job.video_url, part, offset=offset, on_progress=progress, should_stop=stop.is_set
        )
    except LinkExpiredError as error:
        return DownloadOutcome(job.id, DownloadStatus.LINK_EXPIRED, error.explanation)
    except DashScopeError as error:
        done = part.stat().st_size if part.exists() else 0
        return DownloadOutcome(job.id, DownloadStatus.NETWORK, error.explanation, bytes_written=done)
    if not result.complete:
        return DownloadOutcome(job.id, DownloadStatus.STOPPED, bytes_written=result.bytes_written_total)
    try:
        media.verify_video(part, expected_bytes=result.total_size, expected_duration=job.video_seconds)
    except media.MediaError as error:
        part.unlink(missing_ok=True)
        return DownloadOutcome(job.id, DownloadStatus.DAMAGED, str(error))
    library.finalize_video(part, final)
    return _finish(job, final, library, bytes_total=result.total_size)


def _finish(job: Job, final: Path, library: Library, bytes_total: int | None) -> DownloadOutcome:
    try:
        info = media.verify_video(final, expected_duration=job.video_seconds)
    except media.MediaError as error:
        final.unlink(missing_ok=True)
        return DownloadOutcome(job.id, DownloadStatus.DAMAGED, str(error))
    thumbnail = media.make_thumbnail(final, library.thumbnail_path(job))
    size = final.stat().st_size
    return DownloadOutcome(
        job.id,
        DownloadStatus.SAVED,
        video_path=final,
        thumbnail_path=thumbnail,
        bytes_written=size,
        bytes_total=bytes_total or size,
        duration=info.duration,
    )


def _disk_message(error: OSError, folder: Path) -> str:
    if error.errno == errno.ENOSPC:
        return f"The disk holding {folder} is full. Free some space; the download resumes by itself."
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"The library folder {folder} cannot be written (read-only or no permission). Fix it or choose another folder."
    return f"Could not write the video into {folder}: {error.strerror or error}."
