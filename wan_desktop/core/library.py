"""The library folder the person chose: readable file names, atomic writes, sidecars.

Everything written here is written atomically (temp file in the same folder, fsync, ``os.replace``), so a crash
or a full disk never leaves a half-written file under a final name. Each finished video gets a sidecar JSON
beside it holding the whole job (never a key), with paths relative to the library, so the history can be rebuilt
from the folder alone, even after the folder moved.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Callable

from wan_desktop.core.jobs import Job

APP_FOLDER = ".wan-desktop"  # hidden, inside the library: the inputs jobs were made from
SIDECAR_FORMAT = "wan-desktop-job"
SIDECAR_VERSION = 1
SLUG_MAX = 40
# Files named by stem_for: "2026-11-26_14-03-22_..."; a broken .json named like this is reported, not ignored.
_STEM_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}_")
_MEDIA_FIELDS = ("first_frame", "last_frame", "audio", "first_clip")
_PATH_FIELDS = ("video_path", "thumbnail_path", "sidecar_path")
# A sidecar is shared freely; a field named like a credential must never reach it.
_SECRET_NAME = re.compile(r"(^|_)(api_?key|key|secret|password|authorization|token)$", re.IGNORECASE)


@dataclass(frozen=True)
class SidecarProblem:
    path: Path
    message: str  # a sentence for the person


@dataclass(frozen=True)
class SidecarScan:
    jobs: tuple[Job, ...]
    problems: tuple[SidecarProblem, ...]


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
        """"2026-11-26_14-03-22_a-fox-running-in-snow_ab12cd34": when (local time), what, which job."""
        when = job.created_at.astimezone().strftime("%Y-%m-%d_%H-%M-%S")
        short_id = re.sub(r"[^0-9A-Za-z]", "", job.id)[:8] or "job"
        return f"{when}_{slugify(job.request.prompt)}_{short_id}"

    def video_path(self, job: Job) -> Path:
        return self._recorded(job.video_path) or self.root / f"{self.stem_for(job)}.mp4"

    def part_path(self, job: Job) -> Path:
        video = self.video_path(job)
        return video.with_name(video.name + ".part")  # beside the final name: the rename stays atomic

    def sidecar_path(self, job: Job) -> Path:
        return self._recorded(job.sidecar_path) or self.video_path(job).with_suffix(".json")

    def thumbnail_path(self, job: Job) -> Path:
        return self._recorded(job.thumbnail_path) or self.video_path(job).with_suffix(".jpg")

    def relative(self, path: Path | str) -> str:
        """``path`` relative to the library, with forward slashes (the same on every system); paths
        outside the library stay absolute."""
        path = Path(path)
        try:
            return PurePosixPath(*path.absolute().relative_to(self.root).parts).as_posix()
        except ValueError:
            return str(path)

    def absolute(self, path: str | Path) -> Path:
        """The inverse of ``relative``."""
        candidate = Path(*PurePosixPath(str(path)).parts) if "/" in str(path) else Path(path)
        return candidate if candidate.is_absolute() else self.root / candidate

    def _recorded(self, relative: str | None) -> Path | None:
        return self.absolute(relative) if relative else None

    # -- inputs -------------------------------------------------------------------------------------------
    def copy_input(self, job_id: str, source: Path, role: str) -> Path:
        """Keep a copy of a local input (``role``: first_frame, last_frame, audio, first_clip) so the job
        survives the original moving. Named by content, so the same picture used twice is stored once."""
        source = Path(source)
        if not source.is_file():
            raise FileNotFoundError(
                f"The {_role_words(role)} '{source.name}' could not be found; it may have been moved."
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
        data = self.sidecar_data(replace(job, sidecar_path=job.sidecar_path or self.relative(path)))
        atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        return path

    def sidecar_data(self, job: Job) -> dict[str, Any]:
        from wan_desktop.core.store import job_to_dict  # the one Job <-> JSON codec, shared with the store

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
        """The job a sidecar describes, its paths re-rooted to this library.

        Raises ValueError with a sentence when the file is not a readable Wan Desktop sidecar."""
        from wan_desktop.core.store import job_from_dict

        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
            raise ValueError(f"'{path.name}' cannot be read as a Wan Desktop note ({_short(error)}).") from None
        if not isinstance(data, dict) or data.get("format") != SIDECAR_FORMAT:
            raise ValueError(f"'{path.name}' is not a Wan Desktop note.")
        if int(data.get("version", 0)) > SIDECAR_VERSION:
            raise ValueError(f"'{path.name}' was written by a newer Wan Desktop; update the app to read it.")
        try:
            job = job_from_dict(data["job"])
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"'{path.name}' is damaged and cannot be read ({_short(error)}).") from None
        return self._rerooted(job, path)

    def _rerooted(self, job: Job, sidecar: Path) -> Job:
        media = {
            name: str(self.absolute(ref))
            for name, ref in job.request.media_references().items()
            if not _is_remote(ref)
        }
        here = self.relative(sidecar)
        video = job.video_path
        # The person may have moved the video and its sidecar together into a subfolder.
        beside = sidecar.with_suffix(".mp4")
        if (not video or not self.absolute(video).exists()) and beside.exists():
            video = self.relative(beside)
        thumbnail = job.thumbnail_path
        if (not thumbnail or not self.absolute(thumbnail).exists()) and sidecar.with_suffix(".jpg").exists():
            thumbnail = self.relative(sidecar.with_suffix(".jpg"))
        return replace(
            job,
            request=replace(job.request, **media),
            sidecar_path=here,
            video_path=video,
            thumbnail_path=thumbnail,
        )

    def scan_sidecars(self) -> SidecarScan:
        """Every sidecar under the library (recursively); broken ones are listed, not fatal."""
        jobs: list[Job] = []
        problems: list[SidecarProblem] = []
        for path in sorted(self._json_files()):
            try:
                jobs.append(self.read_sidecar(path))
            except ValueError as error:
                if _STEM_PATTERN.match(path.name) or _claims_to_be_ours(path):
                    problems.append(SidecarProblem(path, str(error)))
        jobs.sort(key=lambda job: job.created_at)
        return SidecarScan(tuple(jobs), tuple(problems))

    def rebuild_jobs(self) -> list[Job]:
        """The jobs described by the sidecars in the folder, oldest first (see ``scan_sidecars`` for problems)."""
        return list(self.scan_sidecars().jobs)

    def _json_files(self):
        for folder, subfolders, files in os.walk(self.root):
            subfolders[:] = [name for name in subfolders if name != APP_FOLDER]
            for name in files:
                if name.endswith(".json") and not name.startswith("."):
                    yield Path(folder) / name

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
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.findall(r"[^\W_]+", plain.lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > limit:
            if not slug:
                slug = word[:limit]
            break
        slug = candidate
    return unicodedata.normalize("NFC", slug) or "video"


def _role_words(role: str) -> str:
    return {"first_frame": "first frame", "last_frame": "last frame", "audio": "audio file",
            "first_clip": "video clip"}.get(role, role.replace("_", " "))  # fmt: skip


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


def _claims_to_be_ours(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return SIDECAR_FORMAT.encode() in handle.read(256)
    except OSError:
        return False


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
