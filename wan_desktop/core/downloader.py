"""Fetching a finished video into the library: stream to ``.part``, resume, verify, rename, thumbnail.

Runs on a download thread; touches only files (never the store) and returns what happened as a frozen
``DownloadOutcome`` for the engine thread to journal.

It only ever writes, replaces or deletes files inside the library at names the app gives, and never a file
the app did not make: a file already at the video's or thumbnail's name that is not this job's (not its
recorded path, no note of this job beside it) stays as it is, and the download takes the next free name.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from wan_desktop.core import media, media_tags
from wan_desktop.core.dashscope.errors import DashScopeError, LinkExpiredError
from wan_desktop.core.dashscope.transfer import DownloadRefusedError
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library, UnsafePath

MAX_NAME_TRIES = 100  # "name (2).mp4" ... before giving up on a folder full of look-alikes


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
    sidecar_path: Path | None = None  # where the note belongs: beside the video, whatever name it took


ProgressCallback = Callable[[str, int, int | None], None]


def fetch_video(
    job: Job,
    client,
    library: Library,
    stop: threading.Event,
    on_progress: ProgressCallback | None = None,
) -> DownloadOutcome:
    folder = library.root
    try:
        final = _video_target(job, library)
        folder = final.parent
        final.parent.mkdir(parents=True, exist_ok=True)
        if final.is_file():  # this job's own video (renamed before a crash, or a second pass): just check it
            return _finish(job, final, library, bytes_total=final.stat().st_size)
        return _transfer(job, client, library, final, stop, on_progress)
    except UnsafePath as error:
        return DownloadOutcome(job.id, DownloadStatus.DISK, str(error))
    except OSError as error:
        return DownloadOutcome(job.id, DownloadStatus.DISK, _disk_message(error, folder))


def _video_target(job: Job, library: Library) -> Path:
    """The name to download to: the job's own name, or the next free one when a file the app did not make
    for this job sits there."""
    wanted = library.video_path(job)
    for number in range(1, MAX_NAME_TRIES + 1):
        candidate = wanted if number == 1 else wanted.with_name(f"{wanted.stem} ({number}){wanted.suffix}")
        if _usable_video_name(job, library, candidate):
            return library.confined(candidate)
    raise UnsafePath(
        _("Every name like {name} is taken in {folder}; the video was not saved.").format(
            name=wanted.name, folder=wanted.parent
        )
    )


def _usable_video_name(job: Job, library: Library, final: Path) -> bool:
    part = final.with_name(final.name + ".part")
    if part.is_symlink() or (part.exists() and not part.is_file()):
        return False  # never write through a link or into something that is not a plain file
    if not final.exists() and not final.is_symlink():
        return True
    return not final.is_symlink() and final.is_file() and _is_own(job, library, final)


def _is_own(job: Job, library: Library, path: Path) -> bool:
    """Whether an existing file is this job's: its recorded name, or a note of this job beside it."""
    recorded = {
        library._recorded(job.video_path, "video_path"),
        library._recorded(job.thumbnail_path, "thumbnail_path"),
    }
    if path in recorded:
        return True
    note = path.with_suffix(".json")
    return note.is_file() and library.is_note_of(note, job.id)


def _transfer(job, client, library, final: Path, stop, on_progress) -> DownloadOutcome:
    part = final.with_name(final.name + ".part")
    offset = part.stat().st_size if part.exists() else 0

    def progress(done: int, total: int | None) -> None:
        if on_progress is not None:
            on_progress(job.id, done, total)

    try:
        result = client.download(job.video_url, part, offset=offset, on_progress=progress, should_stop=stop.is_set)
    except DownloadRefusedError as error:
        return DownloadOutcome(job.id, DownloadStatus.REFUSED, error.explanation)
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
        part.unlink(missing_ok=True)  # the app's own .part, at the name it gave
        return DownloadOutcome(job.id, DownloadStatus.DAMAGED, str(error))
    library.finalize_video(part, final)
    return _finish(job, final, library, bytes_total=result.total_size)


def _finish(job: Job, final: Path, library: Library, bytes_total: int | None) -> DownloadOutcome:
    try:
        info = media.verify_video(final, expected_duration=job.video_seconds)
    except media.MediaError as error:
        final.unlink(missing_ok=True)  # only reached for this job's own file (see _video_target)
        return DownloadOutcome(job.id, DownloadStatus.DAMAGED, str(error))
    media_tags.write_settings(final, job, library)  # never fatal: an untagged video is still the video
    thumbnail = media.make_thumbnail(final, _thumbnail_target(job, library, final))
    size = final.stat().st_size
    return DownloadOutcome(
        job.id,
        DownloadStatus.SAVED,
        video_path=final,
        thumbnail_path=thumbnail,
        bytes_written=size,
        bytes_total=bytes_total or size,
        duration=info.duration,
        sidecar_path=final.with_suffix(".json"),
    )


def _thumbnail_target(job: Job, library: Library, final: Path) -> Path:
    """Beside the video; a picture already there that is not this job's is kept, and the thumbnail takes
    "name.thumb.jpg" (or "name.thumb (2).jpg" ...) instead."""
    wanted = final.with_suffix(".jpg")
    for number in range(MAX_NAME_TRIES):
        candidate = (
            wanted if number == 0 else final.with_name(f"{final.stem}.thumb{f' ({number})' if number > 1 else ''}.jpg")
        )
        if not candidate.exists() and not candidate.is_symlink():
            return library.confined(candidate)
        if candidate.is_file() and not candidate.is_symlink() and _is_own(job, library, candidate):
            return library.confined(candidate)
    raise UnsafePath(
        _("Every name like {name} is taken in {folder}; no thumbnail was made.").format(
            name=wanted.name, folder=wanted.parent
        )
    )


def _disk_message(error: OSError, folder: Path) -> str:
    if error.errno == errno.ENOSPC:
        return _("The disk holding {folder} is full. Free some space; the download resumes by itself.").format(
            folder=folder
        )
    if error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return _(
            "The library folder {folder} cannot be written (read-only or no permission). "
            "Fix it or choose another folder."
        ).format(folder=folder)
    return _("Could not write the video into {folder}: {reason}.").format(folder=folder, reason=error.strerror or error)
