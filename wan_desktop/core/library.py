"""The library folder the person chose: readable file names, atomic writes, sidecars.

Everything written here is written atomically (temp file in the same folder, fsync, ``os.replace``), so a crash
or a full disk never leaves a half-written file under a final name. Each finished video gets a sidecar JSON
beside it holding the whole job (never a key), with paths relative to the library, so the history can be rebuilt
from the folder alone, even after the folder moved.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from wan_desktop.core import sidecars
from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job
from wan_desktop.core.sidecars import (  # noqa: F401  (re-exported)
    SIDECAR_FORMAT,
    SIDECAR_VERSION,
    SidecarError,
    SidecarProblem,
    SidecarScan,
)

log = logging.getLogger(__name__)

APP_FOLDER = ".wan-desktop"  # hidden, inside the library: the inputs jobs were made from
SLUG_MAX = 40
_MEDIA_FIELDS = ("first_frame", "last_frame", "audio", "first_clip")
_PATH_FIELDS = ("video_path", "thumbnail_path", "sidecar_path")
# A sidecar is shared freely; a field named like a credential must never reach it.
_SECRET_NAME = re.compile(r"(^|_)(api_?key|key|secret|password|authorization|token)$", re.IGNORECASE)


class UnsafePath(ValueError):
    """A path read from outside the app leads out of the library; the message is a sentence."""


class Library:
    """File layout of the library folder; it never deletes anything the person made."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().absolute()
        self.app_dir = self.root / APP_FOLDER
        self.inputs_dir = self.app_dir / "inputs"

    def __repr__(self) -> str:
        return f"Library({str(self.root)!r})"

    # -- names --------------------------------------------------------------------------------------------
    def stem_for(self, job: Job) -> str:
        """ "2026-11-26_14-03-22_a-fox-running-in-snow_ab12cd34": when (local time), what, which job."""
        when = job.created_at.astimezone().strftime("%Y-%m-%d_%H-%M-%S")
        short_id = re.sub(r"[^0-9A-Za-z]", "", job.id)[:8] or "job"
        return f"{when}_{slugify(job.request.prompt)}_{short_id}"

    def video_path(self, job: Job) -> Path:
        return self._recorded(job.video_path, "video_path") or self.root / f"{self.stem_for(job)}.mp4"

    def part_path(self, job: Job) -> Path:
        video = self.video_path(job)
        return video.with_name(video.name + ".part")  # beside the final name: the rename stays atomic

    def sidecar_path(self, job: Job) -> Path:
        return self._recorded(job.sidecar_path, "sidecar_path") or self.video_path(job).with_suffix(".json")

    def thumbnail_path(self, job: Job) -> Path:
        return self._recorded(job.thumbnail_path, "thumbnail_path") or self.video_path(job).with_suffix(".jpg")

    def relative(self, path: Path | str) -> str:
        """``path`` relative to the library, with forward slashes (the same on every system); paths
        outside the library stay absolute."""
        path = Path(path)
        try:
            return PurePosixPath(*path.absolute().relative_to(self.root).parts).as_posix()
        except ValueError:
            return str(path)

    def absolute(self, path: str | Path) -> Path:
        """The inverse of ``relative`` (no check: see ``confined`` for paths read from outside)."""
        candidate = Path(*PurePosixPath(str(path)).parts) if "/" in str(path) else Path(path)
        return candidate if candidate.is_absolute() else self.root / candidate

    def confined(self, path_text: str | Path, *, within: Path | None = None) -> Path:
        """The one rule for a path read from a sidecar, the database or the service: ``path_text`` (relative
        to the library, or absolute) as a path inside ``within`` (default: the library), symlinks followed.

        Raises UnsafePath, with a sentence, for an empty path, a ``..`` part, or a path (or a symlink on
        the way) that leads outside."""
        base = Path(within) if within is not None else self.root
        text = str(path_text)
        if not text or "\x00" in text:
            raise UnsafePath(_("The path {path!r} is not a usable file name.").format(path=text[:80]))
        parts = PurePosixPath(text.replace("\\", "/")).parts
        if ".." in parts:
            raise UnsafePath(_("The path '{path}' climbs out with '..', so it is not used.").format(path=text[:200]))
        candidate = self.absolute(text)
        try:
            candidate.resolve().relative_to(base.resolve())
        except (ValueError, OSError, RuntimeError):
            outside = _("The path '{path}' leads outside {folder}, so it is not used.")
            raise UnsafePath(outside.format(path=text[:200], folder=base)) from None
        return candidate

    def is_inside(self, path: str | Path, *, within: Path | None = None) -> bool:
        try:
            self.confined(path, within=within)
        except UnsafePath:
            return False
        return True

    def _recorded(self, relative: str | None, name: str) -> Path | None:
        """A recorded path, if it stays inside the library; one that escapes is ignored (logged), so the
        app falls back to its own name for the file and never writes or deletes outside."""
        if not relative:
            return None
        try:
            return self.confined(relative)
        except UnsafePath as error:
            log.warning("ignoring the recorded %s: %s", name, error)
            return None

    # -- inputs -------------------------------------------------------------------------------------------
    def copy_input(self, job_id: str, source: Path, role: str) -> Path:
        """Keep a copy of a local input (``role``: first_frame, last_frame, audio, first_clip) so the job
        survives the original moving. Named by content, so the same picture used twice is stored once."""
        source = Path(source)
        if not source.is_file():
            raise FileNotFoundError(
                _("The {role} '{name}' could not be found; it may have been moved.").format(
                    role=_role_words(role), name=source.name
                )
            )
        if source.resolve().parent == self.inputs_dir.resolve():
            return source  # already kept here (a last frame taken for "continue")
        digest = file_sha256(source)
        dest = self.inputs_dir / f"{digest[:32]}{source.suffix.lower()}"
        if source.absolute() == dest.absolute() or (dest.exists() and file_sha256(dest) == digest):
            return dest
        with source.open("rb") as original:
            _atomic_write(dest, lambda out: shutil.copyfileobj(original, out, 1 << 20))
        return dest

    # -- sidecars -----------------------------------------------------------------------------------------
    def write_sidecar(self, job: Job) -> Path:
        """Every field of ``job`` beside its video, paths relative to the library, written atomically."""
        path = self.sidecar_path(job)
        if path.exists() and not self.is_note_of(path, job.id):
            path = free_name(path.with_suffix(".mp4")).with_suffix(".json")  # someone else's file: keep it
            job = replace(job, sidecar_path=self.relative(path))
        data = self.sidecar_data(replace(job, sidecar_path=job.sidecar_path or self.relative(path)))
        atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return path

    def is_note_of(self, path: Path, job_id: str) -> bool:
        """Whether ``path`` is a note the app wrote for this job (any state: a note is rewritten as it changes)."""
        try:
            return sidecars.note_job_id(self, path) == job_id
        except ValueError:
            return False

    def sidecar_data(self, job: Job) -> dict[str, Any]:
        from wan_desktop.core.job_codec import job_to_dict  # the one Job <-> JSON codec, shared with the store

        body = job_to_dict(job)
        request = body["request"]
        for name in _MEDIA_FIELDS:
            if request.get(name) and not _is_remote(request[name]):
                request[name] = self.relative(request[name])
        for name in _PATH_FIELDS:
            if body.get(name):
                body[name] = self.relative(self.absolute(body[name]))
        _refuse_secrets({name: item for name, item in body.items() if name != "usage"})  # usage: the service's counts
        return {"format": SIDECAR_FORMAT, "version": SIDECAR_VERSION, "job": body}

    def read_sidecar(self, path: Path) -> Job:
        """The finished job a sidecar describes, its paths re-rooted to this library (see core.sidecars).

        Raises ValueError (SidecarError) with a sentence when the file is not a sidecar to restore."""
        return sidecars.read_job(self, path)

    def scan_sidecars(self) -> SidecarScan:
        """Every sidecar under the library (recursively); broken ones are listed, not fatal."""
        return sidecars.scan(self)

    def rebuild_jobs(self) -> list[Job]:
        """The jobs described by the sidecars in the folder, oldest first (see ``scan_sidecars`` for problems)."""
        return list(self.scan_sidecars().jobs)

    # -- videos -------------------------------------------------------------------------------------------
    def finalize_video(self, part: Path, final: Path) -> None:
        """Give a verified download its final name: flushed to disk first, then an atomic rename."""
        part, final = Path(part), Path(final)
        with part.open("rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(part, final)
        fsync_directory(final.parent)


def slugify(text: str, limit: int = SLUG_MAX) -> str:
    """A file-name-safe slug of ``text``: accents folded away, letters of every script kept, words joined
    by hyphens, at most ``limit`` characters cut at a word boundary where possible; "video" when empty."""
    words = re.findall(r"[^\W_]+", "".join(_folded(ch) for ch in text).lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            if not slug:
                slug = word[:limit]
            break
        slug = candidate
    return unicodedata.normalize("NFC", slug) or "video"


def _folded(character: str) -> str:
    """Latin letters lose their accents ("é" → "e") and full-width forms become plain; every other script
    keeps its marks, which are part of the letter there (Japanese が is not か)."""
    decomposed = unicodedata.normalize("NFKD", character)
    if decomposed and decomposed[0].isascii():
        return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFC", character)


def _role_words(role: str) -> str:
    """What a kept input is, as a noun in a sentence ("The first frame 'x.png' could not be found")."""
    return {
        "first_frame": _("first frame"),
        "last_frame": _("last frame"),
        "audio": _("audio file"),
        "first_clip": _("video clip"),
    }.get(role, role.replace("_", " "))


def field_words(name: str) -> str:
    """A job's file field (``first_frame``, ``video_path``) as a noun in a sentence; an unknown name as it is."""
    return {
        "first_frame": _("first frame"),
        "last_frame": _("last frame"),
        "audio": _("audio"),
        "first_clip": _("first clip"),
        "video_path": _("video path"),
        "thumbnail_path": _("thumbnail path"),
        "sidecar_path": _("sidecar path"),
    }.get(name, name.replace("_", " "))


def _is_remote(reference: str) -> bool:
    from wan_desktop.core.dashscope.types import is_remote

    return is_remote(reference)


def _refuse_secrets(value: Any, where: str = "job") -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            if _SECRET_NAME.search(str(name)):
                raise ValueError(f"refusing to write a field named like a credential into a sidecar: {where}.{name}")
            _refuse_secrets(item, f"{where}.{name}")
    elif isinstance(value, list):
        for item in value:
            _refuse_secrets(item, where)


def free_name(path: Path) -> Path:
    """``path``, or "name (2).ext", "name (3).ext"... : the first name taken neither by a file nor by the note
    that would go beside it, so nothing already there is overwritten."""
    candidate, number = Path(path), 2
    while candidate.exists() or candidate.is_symlink() or candidate.with_suffix(".json").exists():
        candidate = path.with_name(f"{path.stem} ({number}){path.suffix}")
        number += 1
    return candidate


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _short(error: BaseException) -> str:
    return str(error).splitlines()[0][:200] if str(error) else type(error).__name__


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` holds either the old content or all of the new."""
    _atomic_write(Path(path), lambda handle: handle.write(data))


def _atomic_write(path: Path, fill: Callable[[BinaryIO], object]) -> None:
    """``fill`` writes the new content into a temp file, which then replaces ``path`` in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temp file lives beside the target: os.replace is only atomic within one file system.
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            fill(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, path)
    except BaseException:
        _unlink_quietly(Path(temp_name))
        raise
    fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    atomic_write_bytes(path, text.encode(encoding))


def fsync_directory(folder: Path) -> None:
    """Make a rename durable: on POSIX the directory entry must be flushed too (not possible on Windows)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (e.g. certain network mounts) refuse fsync on directories
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
