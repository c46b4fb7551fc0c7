"""The history browser's questions to the journal and the library folder (no Qt).

The gallery must stay fast at 10,000 jobs, so it never parses whole jobs for the grid: ``gallery_items`` asks
SQLite for the few fields a tile shows (projected with ``json_extract``), filtered and sorted in SQL, and a
full ``Job`` is read only for the one the person selects. Everything here blocks on disk: call it off the GUI
thread.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from wan_desktop.core.dashscope.catalog import find_model
from wan_desktop.core.i18n import _, format_number, ngettext
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library, SidecarProblem, UnsafePath, free_name
from wan_desktop.core.search_text import search_clause


class HistoryReader(Protocol):
    """What these functions read through: store.JobReader (read-only SQLite) or anything with its reads.
    Nothing here writes a job row; the engine is the only writer."""

    def get(self, job_id: str) -> Job | None: ...

    def history_rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]: ...


class SortOrder(str, Enum):
    NEWEST = "newest"
    OLDEST = "oldest"
    MODEL = "model"
    STATE = "state"

    @property
    def label(self) -> str:
        return {
            "newest": _("Newest first"),
            "oldest": _("Oldest first"),
            "model": _("By model"),
            "state": _("By state"),
        }[self.value]


_ORDER_SQL = {
    SortOrder.NEWEST: "created_ts DESC, rowid DESC",
    SortOrder.OLDEST: "created_ts ASC, rowid ASC",
    SortOrder.MODEL: "model ASC, created_ts DESC",
    SortOrder.STATE: "state ASC, created_ts DESC",
}


@dataclass(frozen=True)
class GalleryQuery:
    """What the person asked the gallery to show; the defaults show everything, newest first."""

    text: str = ""  # words searched in prompt, negative prompt and rewritten prompt (prefixes match)
    models: frozenset[str] = frozenset()  # empty: every model
    states: frozenset[JobState] = frozenset()  # empty: every state
    resolutions: frozenset[str] = frozenset()
    since: datetime | None = None
    until: datetime | None = None
    favourites_only: bool = False
    sort: SortOrder = SortOrder.NEWEST

    @property
    def is_default(self) -> bool:
        return self == GalleryQuery(sort=self.sort)


@dataclass(frozen=True)
class GalleryItem:
    """What one tile shows. Paths are absolute (resolved against the library when the query ran)."""

    job_id: str
    state: JobState
    model: str
    resolution: str
    prompt: str
    created_ts: float
    duration: int | None  # seconds the service made (its usage), else asked for, else the model's default
    video: str | None
    thumbnail: str | None
    favourite: bool
    parent_job_id: str | None
    missing: bool = False  # done, but its video is not on disk

    @property
    def has_video(self) -> bool:
        return self.state is JobState.DONE and bool(self.video) and not self.missing


_ITEM_COLUMNS = (
    # Job.video_seconds (what the service made, else what was asked), as the store projects it
    "id, state, model, resolution, prompt, created_ts, video_seconds, "
    "json_extract(data, '$.video_path'), json_extract(data, '$.thumbnail_path'), "
    "json_extract(data, '$.favourite'), parent_job_id"
)


def gallery_items(
    store: HistoryReader,
    library: Library,
    query: GalleryQuery = GalleryQuery(),
    *,
    check_files: bool = True,
    limit: int | None = None,
    offset: int = 0,
) -> list[GalleryItem]:
    """The jobs matching ``query``, in its order (``limit`` rows from ``offset``; None: all the rest); done
    jobs whose video is gone are marked ``missing``."""
    where, params = _where(query)
    sql = f"SELECT {_ITEM_COLUMNS} FROM jobs"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY " + _ORDER_SQL[query.sort]
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        params = [*params, -1 if limit is None else limit, offset]
    root = str(library.root)
    return [_item(row, library, check_files, root) for row in store.history_rows(sql, params)]


def _where(query: GalleryQuery) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    search = search_clause(query.text)
    if search is not None:
        where.append(search.sql)
        params.extend(search.params)
    for column, values in (
        ("model", query.models),
        ("resolution", query.resolutions),
        ("state", {JobState(state).value for state in query.states}),
    ):
        if values:
            where.append(f"{column} IN ({', '.join('?' for _ in values)})")
            params.extend(sorted(values))
    if query.since is not None:
        where.append("created_ts >= ?")
        params.append(query.since.timestamp())
    if query.until is not None:
        where.append("created_ts < ?")
        params.append(query.until.timestamp())
    if query.favourites_only:
        where.append("json_extract(data, '$.favourite') = 1")
    return where, params


def _resolve(library: Library, root: str, stored: str | None) -> str | None:
    """``library.absolute`` as a string, without pathlib for the usual case (a plain relative path):
    10,000 rows go through here, and pathlib would take most of the query's time."""
    if not stored:
        return None
    if stored.startswith(("/", "\\")) or "\\" in stored or ":" in stored[:3] or ".." in stored:
        try:
            return str(library.confined(stored))
        except UnsafePath:
            return None  # a path leading out of the library is not shown, played or touched
    return root + os.sep + (stored if os.sep == "/" else stored.replace("/", os.sep))


def _item(row: tuple, library: Library, check_files: bool, root: str | None = None) -> GalleryItem:
    job_id, state, model, resolution, prompt, created, duration, video, thumb, favourite, parent = row
    state = JobState(state)
    root = root if root is not None else str(library.root)
    if duration is None:
        spec = find_model(model)
        duration = spec.default_duration if spec else None
    duration = round(duration) if duration is not None else None
    video_abs = _resolve(library, root, video)
    missing = state is JobState.DONE and (not video_abs or (check_files and not os.path.exists(video_abs)))
    return GalleryItem(
        job_id=job_id,
        state=state,
        model=model,
        resolution=resolution,
        prompt=prompt,
        created_ts=created,
        duration=duration,
        video=video_abs,
        thumbnail=_resolve(library, root, thumb),
        favourite=bool(favourite),
        parent_job_id=parent,
        missing=missing,
    )


def item_for_job(job: Job, library: Library, *, check_files: bool = False) -> GalleryItem:
    """The tile of a job the engine just reported (no disk check by default: the GUI thread calls this)."""
    row = (
        job.id,
        job.state.value,
        job.request.model,
        job.request.resolution or "",
        job.request.prompt,
        job.created_at.timestamp(),
        job.video_seconds,
        job.video_path,
        job.thumbnail_path,
        job.favourite,
        job.parent_job_id,
    )
    item = _item(row, library, check_files)
    if not item.resolution:
        spec = find_model(job.request.model)
        item = replace(item, resolution=spec.default_resolution if spec else "")
    return item


def filter_choices(store: HistoryReader) -> tuple[list[str], list[str]]:
    """The models and resolutions the journal holds, for the filter menus."""
    models = [row[0] for row in store.history_rows("SELECT DISTINCT model FROM jobs ORDER BY model")]
    sizes = [row[0] for row in store.history_rows("SELECT DISTINCT resolution FROM jobs ORDER BY resolution")]
    return models, [size for size in sizes if size]


# -- lineage --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Lineage:
    job_id: str
    ancestors: tuple[Job, ...]  # the oldest first, ending with the parent
    children: tuple[Job, ...]  # made from this job, oldest first
    sequence: tuple[Job, ...]  # ancestors, this job and the first line of descendants: a clip sequence

    @property
    def parent(self) -> Job | None:
        return self.ancestors[-1] if self.ancestors else None


MAX_LINEAGE = 500  # a guard against a loop in damaged data


def children_of(store: HistoryReader, job_id: str) -> list[Job]:
    rows = store.history_rows("SELECT data FROM jobs WHERE parent_job_id = ? ORDER BY created_ts, rowid", (job_id,))
    return [_job(row[0]) for row in rows]


def lineage(store: HistoryReader, job_id: str) -> Lineage:
    """Parent chain, children and the playable sequence through ``job_id``."""
    job = store.get(job_id)
    if job is None:
        return Lineage(job_id, (), (), ())
    ancestors: list[Job] = []
    seen = {job.id}
    parent_id = job.parent_job_id
    while parent_id and parent_id not in seen and len(ancestors) < MAX_LINEAGE:
        parent = store.get(parent_id)
        if parent is None:
            break
        seen.add(parent.id)
        ancestors.insert(0, parent)
        parent_id = parent.parent_job_id
    children = children_of(store, job.id)
    descendants: list[Job] = []
    current = children
    while current and len(descendants) < MAX_LINEAGE:
        # Follow the first finished child: a branch that failed has no clip to play.
        following = next((child for child in current if child.state is JobState.DONE), None)
        if following is None or following.id in seen:
            break
        seen.add(following.id)
        descendants.append(following)
        current = children_of(store, following.id)
    sequence = [item for item in (*ancestors, job, *descendants) if item.state is JobState.DONE]
    return Lineage(job.id, tuple(ancestors), tuple(children), tuple(sequence))


def sequence_videos(lineage_: Lineage, library: Library) -> list[Path]:
    """The videos of a lineage's sequence that are on disk, in order."""
    paths = [library.video_path(job) for job in lineage_.sequence if job.video_path]
    return [path for path in paths if path.is_file()]


# -- export, trash (favourite and forget are the engine's commands: it is the only writer) ----------------------
def export_copy(job: Job, library: Library, folder: Path) -> list[Path]:
    """Copy the video and its sidecar (the whole job, no key) into ``folder``; never overwrites a file."""
    folder = Path(folder)
    video = library.video_path(job)
    if not video.is_file():
        raise FileNotFoundError(
            _("The video '{name}' is not on disk, so there is nothing to export.").format(name=video.name)
        )
    folder.mkdir(parents=True, exist_ok=True)
    dest_video = free_name(folder / video.name)
    shutil.copy2(video, dest_video)
    copied = [dest_video]
    sidecar = library.sidecar_path(job)
    if sidecar.is_file():
        dest_sidecar = dest_video.with_suffix(".json")
        shutil.copy2(sidecar, dest_sidecar)
        copied.append(dest_sidecar)
    else:  # a job whose note was lost still travels with its metadata
        dest_sidecar = dest_video.with_suffix(".json")
        Library(folder).write_sidecar(
            replace(job, video_path=dest_video.name, sidecar_path=dest_sidecar.name, thumbnail_path=None)
        )
        copied.append(dest_sidecar)
    return copied


def job_files(job: Job, library: Library) -> list[Path]:
    """The files a job owns in the library (video, sidecar, thumbnail) that exist, for deleting to the trash.

    Only paths inside the library count (a recorded path that leads out is ignored), and a note is listed
    only when it is this job's own: a file the app did not make is never sent to the trash."""
    candidates = [library.video_path(job), library.thumbnail_path(job)]
    files = [path for path in dict.fromkeys(candidates) if path.is_file() and library.is_inside(path)]
    sidecar = library.sidecar_path(job)
    if sidecar.is_file() and library.is_inside(sidecar) and library.is_note_of(sidecar, job.id):
        files.insert(1, sidecar)
    return files


# -- library health: relink and import --------------------------------------------------------------------
@dataclass(frozen=True)
class RelinkReport:
    root: Path
    found: int  # finished videos found under the new folder
    missing: int  # finished videos still not found

    @property
    def message(self) -> str:
        found, missing = format_number(self.found), format_number(self.missing)
        if self.found == 0 and self.missing:
            return _(
                "None of the {missing} videos were found in {folder}. Is this the folder the library moved to?"
            ).format(missing=missing, folder=self.root)
        if self.missing:
            return _("Library set to {folder}: {found} videos found; {missing} are still missing.").format(
                folder=self.root, found=found, missing=missing
            )
        return _("Library set to {folder}: {found} videos found.").format(folder=self.root, found=found)


def relink_check(store: HistoryReader, new_root: Path) -> RelinkReport:
    """How many finished videos a library at ``new_root`` holds; nothing is rewritten (paths are relative)."""
    library = Library(new_root)
    items = gallery_items(store, library, GalleryQuery(states=frozenset({JobState.DONE})))
    found = sum(1 for item in items if not item.missing)
    return RelinkReport(library.root, found, len(items) - found)


@dataclass(frozen=True)
class ImportReport:
    added: tuple[str, ...]  # job ids
    already: int  # jobs the history already had
    problems: tuple[SidecarProblem, ...] = field(default_factory=tuple)

    @property
    def message(self) -> str:
        added, problems = len(self.added), len(self.problems)
        parts = [ngettext("Imported {n} video.", "Imported {n} videos.", added).format(n=format_number(added))]
        if self.already:
            parts.append(_("{n} were already in the history.").format(n=format_number(self.already)))
        if self.problems:
            unread = ngettext("{n} note could not be read:", "{n} notes could not be read:", problems)
            parts.append(unread.format(n=format_number(problems)))
            item = _("• {name}: {problem}")
            parts.extend(item.format(name=p.path.name, problem=p.message) for p in self.problems[:20])
        return "\n".join(parts)


@dataclass(frozen=True)
class ImportScan:
    """Finished jobs found under a folder, their paths re-based on the library; nothing written yet."""

    jobs: tuple[Job, ...]
    problems: tuple[SidecarProblem, ...] = ()


def sidecars_to_import(library: Library, folder: Path) -> ImportScan:
    """Every Wan Desktop note under ``folder`` (inside the library) as a finished job with its paths relative
    to ``library``. A pure scan: the engine adds the jobs (``Engine.import_jobs``)."""
    folder = Path(folder).expanduser().absolute()
    if not library.is_inside(folder):
        sentence = _(
            "The folder {folder} is outside the library {library}. Move it into the library folder "
            "first, then import it: the app only keeps track of files inside its library."
        ).format(folder=folder, library=library.root)
        return ImportScan((), (SidecarProblem(folder, sentence),))
    source = Library(folder)
    scan = source.scan_sidecars()
    return ImportScan(tuple(_rebased(job, source, library) for job in scan.jobs), scan.problems)


def import_folder(
    reader: HistoryReader, library: Library, folder: Path, add_jobs: Callable[[Sequence[Job]], object]
) -> ImportReport:
    """Scan ``folder`` and hand the jobs the history lacks to ``add_jobs`` (the engine's import)."""
    scan = sidecars_to_import(library, folder)
    fresh = [job for job in scan.jobs if reader.get(job.id) is None]
    result = add_jobs(fresh) if fresh else None
    added = getattr(result, "added", None)
    added = tuple(added) if added is not None else tuple(job.id for job in fresh)
    return ImportReport(added, len(scan.jobs) - len(fresh), scan.problems)


def _rebased(job: Job, source: Library, library: Library) -> Job:
    def rebase(path: str | None) -> str | None:
        return library.relative(source.absolute(path)) if path else None

    return replace(
        job,
        video_path=rebase(job.video_path),
        thumbnail_path=rebase(job.thumbnail_path),
        sidecar_path=rebase(job.sidecar_path),
    )


def _job(data: str) -> Job:
    from wan_desktop.core.store import _job as decode

    return decode(data)
