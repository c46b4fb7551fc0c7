"""Export a whole storyboard: the MP4 of its picked takes, optionally the .otio cut beside it, and each
shot's generation metadata in both and in the storyboard's note."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wan_desktop.core.i18n import _
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library

from . import sidecar
from .export import ExportResult, export_mp4, picked_videos, probe
from .metadata import shot_metadata
from .model import Storyboard
from .timeline import write_otio


@dataclass(frozen=True)
class FilmExport:
    video: ExportResult
    timeline: Path | None
    message: str


def export_film(
    board: Storyboard, jobs: Mapping[str, Job], library: Library, dest: Path, *, otio: Path | None = None
) -> FilmExport:
    videos = picked_videos(board, jobs, library)  # names the first shot without a video before writing anything
    rows = shot_metadata(board, jobs)
    video = export_mp4(videos, dest, rows)
    timeline = write_otio(board.name, [probe(path, title) for path, title in videos], rows, otio) if otio else None
    try:
        sidecar.write(library, board, jobs)
    except OSError:
        pass  # the film is out; the note gets the metadata at the board's next change
    lines = [video.message]
    if timeline is not None:
        lines.append(
            _("The cut for an editor is in {name}, its clips in {folder}.").format(
                name=timeline.name, folder=f"{timeline.stem}_clips"
            )
        )
    stale = [str(row["shot"]) for row in rows if row["stale"]]
    if stale:
        lines.append(
            _("Stale (made from an earlier take of the shot before): shot {shots}.").format(shots=_(", ").join(stale))
        )
    return FilmExport(video, timeline, " ".join(lines))
