"""Reading the notes (sidecars) beside the videos back into jobs, trusting nothing in them.

A sidecar is a file anyone can write into the library folder, so it is read as hostile input: only regular
files inside the library (no FIFO, no symlink leading out), at most ``MAX_SIDECAR_BYTES``, nesting at most
``MAX_DEPTH`` deep, a known format and version, every field checked by the strict codec, every path confined
to the library (media inputs to its inputs folder), and only finished jobs. Such a job can be looked at,
played, exported or deleted; it is never sent to the service unless a person asks for a retry.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wan_desktop.core.i18n import _, format_number
from wan_desktop.core.job_codec import job_from_dict
from wan_desktop.core.jobs import FINAL_STATES, Job

if TYPE_CHECKING:
    from wan_desktop.core.library import Library

SIDECAR_FORMAT = "wan-desktop-job"
SIDECAR_VERSION = 1
MAX_SIDECAR_BYTES = 1 << 20  # a note is a few kilobytes; anything this big is not one
MAX_DEPTH = 32  # a job nests three levels; deeper is not a note (and would exhaust the parser's stack)
APP_FOLDER = ".wan-desktop"
# Files named by Library.stem_for: "2026-11-26_14-03-22_..."; a broken .json named like this is reported.
_STEM_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_")
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class SidecarError(ValueError):
    """The file is not a sidecar the app will restore; the message is a sentence naming the file."""


@dataclass(frozen=True)
class SidecarProblem:
    path: Path
    message: str  # a sentence for the person


@dataclass(frozen=True)
class SidecarScan:
    jobs: tuple[Job, ...]
    problems: tuple[SidecarProblem, ...]


def read_job(library: Library, path: Path) -> Job:
    """The finished job the sidecar at ``path`` describes, its paths re-rooted to ``library``.

    Raises SidecarError (a ValueError) with a sentence when the file is not one to restore."""
    path = Path(path)
    return _job_from_bytes(library, path, _read_bytes(library, path))


def note_job_id(library: Library, path: Path) -> str | None:
    """The job id a note at ``path`` names (any state), read as carefully as ``read_job``; SidecarError if
    the file is not a Wan Desktop note."""
    path = Path(path)
    body = _envelope(path, _parse(path, _read_bytes(library, path)))
    job_id = body.get("id")
    return job_id if isinstance(job_id, str) else None


def scan(library: Library) -> SidecarScan:
    """Every sidecar under the library (recursively), oldest first; broken ones are listed, not fatal."""
    jobs: list[Job] = []
    problems: list[SidecarProblem] = []
    for path in sorted(_json_files(library.root)):
        try:
            raw = _read_bytes(library, path)
        except SidecarError as error:
            if _STEM_PATTERN.match(path.name):
                problems.append(SidecarProblem(path, str(error)))
            continue
        try:
            jobs.append(_job_from_bytes(library, path, raw))
        except SidecarError as error:
            if _STEM_PATTERN.match(path.name) or SIDECAR_FORMAT.encode() in raw[:256]:
                problems.append(SidecarProblem(path, str(error)))
    jobs.extend(_tagged_videos(library, jobs))
    jobs.sort(key=lambda job: job.created_at)
    return SidecarScan(tuple(jobs), tuple(problems))


def _tagged_videos(library: Library, noted: list[Job]) -> Iterator[Job]:
    """Videos without a note that carry our settings tag (see core.media_tags): restored as finished jobs."""
    from wan_desktop.core import media_tags

    known_ids = {job.id for job in noted}
    known_videos = {job.video_path for job in noted if job.video_path}
    for path in sorted(_files(library.root, ".mp4")):
        if path.with_suffix(".json").exists() or library.relative(path) in known_videos or path.is_symlink():
            continue
        job = media_tags.job_from_video(library, path)
        if job is not None and job.id not in known_ids:
            known_ids.add(job.id)
            yield job


def _json_files(root: Path) -> Iterator[Path]:
    return _files(root, ".json")


def _files(root: Path, suffix: str) -> Iterator[Path]:
    for folder, subfolders, files in os.walk(root):  # does not follow symlinked folders
        subfolders[:] = [name for name in subfolders if name != APP_FOLDER]
        for name in files:
            if name.endswith(suffix) and not name.startswith("."):
                yield Path(folder) / name


# -- the file -------------------------------------------------------------------------------------------------
def _read_bytes(library: Library, path: Path) -> bytes:
    """At most MAX_SIDECAR_BYTES of a regular file inside the library; never blocks on a FIFO or a device."""
    from wan_desktop.core.library import UnsafePath

    try:
        real = library.confined(path).resolve()
    except UnsafePath:
        raise SidecarError(
            _("'{name}' leads outside the library folder, so it is not read.").format(name=path.name)
        ) from None
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
    try:
        if not stat.S_ISREG(os.lstat(real).st_mode):
            raise SidecarError(_not_regular(path))
        fd = os.open(real, flags)
    except OSError as error:
        raise SidecarError(_unreadable(path, str(error.strerror))) from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):  # swapped since the check above
            raise SidecarError(_not_regular(path))
        data = handle.read(MAX_SIDECAR_BYTES + 1)
    if len(data) > MAX_SIDECAR_BYTES:
        limit = MAX_SIDECAR_BYTES // 1024
        raise SidecarError(
            _("'{name}' is larger than {limit} KiB, so it is not a Wan Desktop note.").format(
                name=path.name, limit=format_number(limit)
            )
        )
    return data


def _parse(path: Path, raw: bytes) -> Any:
    depth = deepest = 0
    for bracket in _BRACKETS.finditer(_STRINGS.sub(b'""', raw)):
        depth += 1 if bracket.group() in (b"[", b"{") else -1
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise SidecarError(
            _("'{name}' is nested more than {depth} levels deep; it is not a note.").format(
                name=path.name, depth=format_number(MAX_DEPTH)
            )
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise SidecarError(_unreadable(path, _short(error))) from None


# -- the content ----------------------------------------------------------------------------------------------
def _job_from_bytes(library: Library, path: Path, raw: bytes) -> Job:
    body = _envelope(path, _parse(path, raw))
    try:
        job = job_from_dict(body)
    except ValueError as error:
        raise SidecarError(
            _("'{name}' is damaged and cannot be read ({reason}).").format(name=path.name, reason=_short(error))
        ) from None
    if job.state not in FINAL_STATES:
        raise SidecarError(
            _(
                "'{name}' describes a job that is not finished ({state}); only finished "
                "jobs are restored from notes, so nothing is sent to the service without you asking."
            ).format(name=path.name, state=job.state.label.lower())
        )
    return _rerooted(library, job, path)


def _envelope(path: Path, data: Any) -> Mapping[str, Any]:
    if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
        raise SidecarError(_("'{name}' is not a Wan Desktop note.").format(name=path.name))
    version = data.get("version", SIDECAR_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise SidecarError(_("'{name}' is damaged: its version is not a number the app knows.").format(name=path.name))
    if version > SIDECAR_VERSION:
        raise SidecarError(
            _("'{name}' was written by a newer Wan Desktop; update the app to read it.").format(name=path.name)
        )
    body = data.get("job")
    if not isinstance(body, dict):
        raise SidecarError(_("'{name}' is damaged and cannot be read (it holds no job).").format(name=path.name))
    return body


def _rerooted(library: Library, job: Job, sidecar: Path) -> Job:
    """Paths re-expressed against ``library``: media inside its inputs folder, files inside the library."""
    from wan_desktop.core.dashscope.types import is_remote

    media = {
        name: str(_inside(library, sidecar, name, ref, library.inputs_dir))
        for name, ref in job.request.media_references().items()
        if not is_remote(ref)
    }
    video = job.video_path
    if video and not _inside(library, sidecar, "video_path", video).exists():
        video = None
    beside = sidecar.with_suffix(".mp4")  # the person may have moved the video and its note together
    if not video and beside.is_file() and library.is_inside(beside):
        video = library.relative(beside)
    thumbnail = job.thumbnail_path
    if thumbnail and not _inside(library, sidecar, "thumbnail_path", thumbnail).exists():
        thumbnail = None
    picture = sidecar.with_suffix(".jpg")
    if not thumbnail and picture.is_file() and library.is_inside(picture):
        thumbnail = library.relative(picture)
    return replace(
        job,
        request=replace(job.request, **media),
        sidecar_path=library.relative(sidecar),
        video_path=video or job.video_path,
        thumbnail_path=thumbnail or job.thumbnail_path,
    )


def _inside(library: Library, sidecar: Path, name: str, text: str, within: Path | None = None) -> Path:
    from wan_desktop.core.library import UnsafePath, field_words

    try:
        return library.confined(text, within=within)
    except UnsafePath as error:
        refused = _("'{name}' is refused: its {field} is unsafe. {problem}")
        raise SidecarError(refused.format(name=sidecar.name, field=field_words(name), problem=error)) from None


def _not_regular(path: Path) -> str:
    return _("'{name}' is not a regular file, so it is not read.").format(name=path.name)


def _unreadable(path: Path, reason: str) -> str:
    return _("'{name}' cannot be read as a Wan Desktop note ({reason}).").format(name=path.name, reason=reason)


def _short(error: BaseException) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__
