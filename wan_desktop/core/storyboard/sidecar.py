"""The storyboard's note in the library (``storyboards/<name>_<id>.storyboard.json``), so that ``library
rebuild`` brings boards back after the database is lost. It also carries each shot's generation metadata
(model, prompt, seed, task id, join) once rendered.

Read as hostile input, like the jobs' sidecars (core/sidecars.py, whose file reader this shares): a regular
file inside the library, bounded in size and depth, a known format and version, every field checked by the
strict codec, and every local input confined to the library's inputs folder."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from wan_desktop.core import sidecars
from wan_desktop.core.dashscope.types import is_remote
from wan_desktop.core.i18n import _
from wan_desktop.core.job_codec import CodecError
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library, UnsafePath, atomic_write_text, slugify
from wan_desktop.core.store import StoreError

from .codec import board_from_dict, board_to_dict
from .metadata import shot_metadata
from .model import Shot, Storyboard
from .repository import StoryboardRepository

FORMAT = "wan-desktop-storyboard"
VERSION = 1
FOLDER = "storyboards"
SUFFIX = ".storyboard.json"
_MEDIA = ("first_frame", "last_frame", "audio", "first_clip")


@dataclass(frozen=True)
class BoardScan:
    boards: tuple[Storyboard, ...]
    problems: tuple[tuple[Path, str], ...]  # (file, sentence)


def sidecar_path(library: Library, board: Storyboard) -> Path:
    return library.root / FOLDER / f"{slugify(board.name, 40)}_{board.id[:8]}{SUFFIX}"


def write(library: Library, board: Storyboard, jobs: Mapping[str, Job]) -> Path:
    """Write the board's note atomically (old notes of the same board under another name are left alone)."""
    body = board_to_dict(board)
    for shot in body["shots"]:
        request = shot["request"]
        for name in _MEDIA:
            if request.get(name) and not is_remote(request[name]):
                request[name] = library.relative(request[name])
    data = {"format": FORMAT, "version": VERSION, "storyboard": body, "shots": shot_metadata(board, jobs)}
    path = sidecar_path(library, board)
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    return path


def read(library: Library, path: Path) -> Storyboard:
    """The board a note describes, its inputs re-rooted to ``library``; ValueError with a sentence if not."""
    path = Path(path)
    data = sidecars._parse(path, sidecars._read_bytes(library, path))  # pyright: ignore[reportPrivateUsage]
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(_("'{name}' is not a Wan Desktop storyboard.").format(name=path.name))
    if data.get("version") != VERSION:
        raise ValueError(
            _("'{name}' is a storyboard of a version this Wan Desktop does not read.").format(name=path.name)
        )
    try:
        board = board_from_dict(data.get("storyboard"))
    except CodecError as error:
        raise ValueError(
            _("'{name}' is not a storyboard that can be restored ({reason}).").format(name=path.name, reason=error)
        ) from None
    return replace(board, shots=tuple(_rerooted(library, path, shot) for shot in board.shots))


def scan(library: Library) -> BoardScan:
    folder = library.root / FOLDER
    boards: list[Storyboard] = []
    problems: list[tuple[Path, str]] = []
    if not folder.is_dir():
        return BoardScan((), ())
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            boards.append(read(library, path))
        except ValueError as error:
            problems.append((path, str(error)))
    return BoardScan(tuple(boards), tuple(problems))


def _rerooted(library: Library, path: Path, shot: Shot) -> Shot:
    changes: dict[str, Any] = {}
    for name in _MEDIA:
        value = getattr(shot.request, name)
        if value and not is_remote(value):
            try:
                changes[name] = str(library.confined(value, within=library.inputs_dir))
            except UnsafePath as error:
                raise ValueError(_("'{name}': {problem}").format(name=path.name, problem=error)) from None
    return replace(shot, request=replace(shot.request, **changes)) if changes else shot


def restore(repository: StoryboardRepository, library: Library) -> tuple[list[str], list[str]]:
    """Boards from the library's notes that the database lacks (``library rebuild``): (names restored,
    sentences about notes skipped). A board already there is left as it is; a name already taken by another
    board gets " (restored)" added."""
    scan_ = scan(library)
    restored: list[str] = []
    skipped = [_("skipped {path}: {problem}").format(path=path, problem=why) for path, why in scan_.problems]
    for board in scan_.boards:
        if repository.get(board.id) is not None:
            continue
        if repository.by_name(board.name) is not None:
            board = replace(board, name=_("{name} (restored)").format(name=board.name[:100]))
        try:
            repository.save(board)
        except StoreError as error:
            skipped.append(_("skipped the storyboard {name}: {problem}").format(name=repr(board.name), problem=error))
            continue
        restored.append(board.name)
    return restored, skipped
