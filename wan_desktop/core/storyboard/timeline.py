"""An OpenTimelineIO file (``.otio``) of the cut, with a copy of every clip in a folder beside it, so Resolve
or another editor opens the film as separate shots.

The file is OTIO's own JSON (Timeline.1 > Stack.1 > Track.1 > Clip.2 with an ExternalReference.1), written
here directly rather than through the ``opentimelineio`` package: that package has no wheel for Intel Macs,
and the schema of a single video track of clips is small and stable. The tests read every file back with
``opentimelineio`` itself. Each clip carries its shot's generation metadata under ``metadata.wan_desktop``."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from wan_desktop.core.library import atomic_write_text, slugify

from .export import Clip, ExportError, disk_sentence


def write_otio(name: str, clips: Sequence[Clip], metadata: Sequence[Mapping[str, Any]], dest: Path) -> Path:
    """``dest`` (.otio) and ``<stem>_clips/`` beside it; nothing is left behind when it fails."""
    dest = Path(dest)
    folder = dest.with_name(f"{dest.stem}_clips")
    temp = dest.with_name(f".{folder.name}.part")
    try:
        shutil.rmtree(temp, ignore_errors=True)
        temp.mkdir(parents=True)
        names = [f"{number:02d}_{slugify(clip.title, 40)}{clip.path.suffix}" for number, clip in enumerate(clips, 1)]
        for clip, file_name in zip(clips, names, strict=True):
            shutil.copyfile(clip.path, temp / file_name)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(temp, folder)
        rows = list(metadata) or [{} for _ in clips]
        items = [_clip(c, folder / n, row) for c, n, row in zip(clips, names, rows, strict=True)]
        atomic_write_text(dest, json.dumps(_timeline(name, items), indent=2, ensure_ascii=False) + "\n")
    except OSError as error:
        shutil.rmtree(temp, ignore_errors=True)
        raise ExportError(disk_sentence(error, dest)) from None
    return dest


def _time(value: float, rate: float) -> dict[str, Any]:
    return {"OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": value}


def _range(frames: int, rate: float) -> dict[str, Any]:
    return {"OTIO_SCHEMA": "TimeRange.1", "duration": _time(float(frames), rate), "start_time": _time(0.0, rate)}


def _item(schema: str, name: str, metadata: Mapping[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    base = {"OTIO_SCHEMA": schema, "metadata": dict(metadata or {}), "name": name}
    if schema != "Timeline.1":
        base.update(source_range=None, effects=[], markers=[], enabled=True, color=None)
    return {**base, **fields}


def _clip(clip: Clip, path: Path, row: Mapping[str, Any]) -> dict[str, Any]:
    rate = float(clip.rate)
    reference = {
        "OTIO_SCHEMA": "ExternalReference.1",
        "metadata": {},
        "name": path.name,
        "available_range": _range(clip.frames, rate),
        "available_image_bounds": None,
        "target_url": path.absolute().as_uri(),
    }
    return _item(
        "Clip.2",
        clip.title,
        {"wan_desktop": dict(row)},
        source_range=_range(clip.frames, rate),
        media_references={"DEFAULT_MEDIA": reference},
        active_media_reference_key="DEFAULT_MEDIA",
    )


def _timeline(name: str, clips: list[dict[str, Any]]) -> dict[str, Any]:
    track = _item("Track.1", "Video", children=clips, kind="Video")
    stack = _item("Stack.1", "tracks", children=[track])
    return {"OTIO_SCHEMA": "Timeline.1", "metadata": {}, "name": name, "global_start_time": None, "tracks": stack}
