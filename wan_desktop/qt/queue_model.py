"""The job queue as a Qt list model: one row per Job, keyed by job id, newest first as they arrive.

The model holds frozen ``Job`` objects and never changes them; the engine sends a new Job and ``upsert``
replaces the row. Time-based values (elapsed, ETA, time left on the service) are computed when asked, with
an injectable clock, and ``tick()`` tells views to ask again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path

from PySide6.QtCore import QAbstractListModel, QByteArray, QModelIndex, QObject, QPersistentModelIndex, QSize, Qt, Slot

from wan_desktop.core.dashscope.catalog import find_model
from wan_desktop.core.dashscope.types import ShotType, is_remote
from wan_desktop.core.i18n import _, format_duration, format_seconds
from wan_desktop.core.jobs import Job, JobState

from .thumbnails import ThumbnailCache

SERVICE_MEMORY = timedelta(hours=24)  # task ids and video URLs are forgotten after a day (contract 7)

EtaProvider = Callable[[Job], "float | None"]
Clock = Callable[[], datetime]


class JobRole(IntEnum):
    JOB = Qt.ItemDataRole.UserRole + 1
    STATE_LABEL = Qt.ItemDataRole.UserRole + 2
    PROGRESS = Qt.ItemDataRole.UserRole + 3  # 0.0-1.0 while downloading with a known size, else None
    ELAPSED = Qt.ItemDataRole.UserRole + 4  # seconds since the job was submitted (or created)
    ETA = Qt.ItemDataRole.UserRole + 5  # seconds until done, from the injected provider
    EXPIRES_IN = Qt.ItemDataRole.UserRole + 6  # seconds before the service forgets the task
    DETAILS = Qt.ItemDataRole.UserRole + 7  # "Wan 2.6 Flash · 1080P · 5 s · seed 12"
    JOB_ID = Qt.ItemDataRole.UserRole + 8


_TIME_ROLES = [int(JobRole.ELAPSED), int(JobRole.ETA), int(JobRole.EXPIRES_IN)]


def _utc_now() -> datetime:
    return datetime.now(UTC)


def prompt_snippet(job: Job, limit: int = 80) -> str:
    request = job.request
    text = " ".join(request.prompt.split())
    if not text:
        text = _("Effect: {template}").format(template=request.template) if request.template else _("(no prompt)")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def options_text(job: Job) -> str:
    request = job.request
    spec = find_model(request.model)
    parts = [spec.label if spec else request.model]
    if spec is not None:
        parts.append(request.resolution or spec.default_resolution)
        parts.append(format_seconds(request.duration or spec.default_duration))
    if request.audio_enabled is False:
        parts.append(_("silent"))
    if request.shot_type is not None:
        parts.append(_("multi shot") if request.shot_type is ShotType.MULTI else _("single shot"))
    if request.seed is not None:
        parts.append(_("seed {seed}").format(seed=request.seed))
    if request.last_frame:
        parts.append(_("+ last frame"))
    if request.audio:
        parts.append(_("+ audio"))
    if request.first_clip:
        parts.append(_("continues a clip"))
    return " · ".join(parts)


def duration_text(seconds: float | None) -> str:
    """ "1 h 5 min", "4 min 10 s", "12 s" (in the person's language); empty when unknown."""
    if seconds is None:
        return ""
    return format_duration(seconds)


class JobQueueModel(QAbstractListModel):
    def __init__(
        self,
        eta_provider: EtaProvider | None = None,
        *,
        clock: Clock = _utc_now,
        thumbnails: ThumbnailCache | None = None,
        library_root: Callable[[], Path] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._rows: dict[str, int] = {}
        self._eta = eta_provider or (lambda job: None)
        self._library_root = library_root  # where a finished job's relative thumbnail path points
        self._clock = clock
        self._thumbs = thumbnails or ThumbnailCache(parent=self)
        self._thumbs.ready.connect(self._thumbnail_ready)

    # -- the Qt model interface ---------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._jobs)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or index.parent().isValid() or not 0 <= index.row() < len(self._jobs):
            return None
        job = self._jobs[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{prompt_snippet(job)} — {job.state.label}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{job.request.prompt or prompt_snippet(job)}\n{options_text(job)}\n{job.state.label}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbs.pixmap(self.picture_path(job))
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(320, self._thumbs.size.height() + 12)
        return self._role_value(job, role)

    def picture_path(self, job: Job) -> str | None:
        """The row's picture: the video's own thumbnail once it is in the library, else the input image."""
        if job.thumbnail_path and self._library_root is not None:
            return str(self._library_root() / job.thumbnail_path)
        return _local_input(job)

    def _role_value(self, job: Job, role: int):
        if role == JobRole.JOB:
            return job
        if role == JobRole.JOB_ID:
            return job.id
        if role == JobRole.STATE_LABEL:
            return job.state.label
        if role == JobRole.DETAILS:
            return options_text(job)
        if role == JobRole.PROGRESS:
            return self.progress(job)
        if role == JobRole.ELAPSED:
            return self.elapsed(job)
        if role == JobRole.ETA:
            return None if job.state.is_final else self._eta(job)
        if role == JobRole.EXPIRES_IN:
            return self.expires_in(job)
        return None

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({int(role): QByteArray(role.name.lower().encode()) for role in JobRole})
        return names

    # -- derived values -------------------------------------------------------------------------
    @staticmethod
    def progress(job: Job) -> float | None:
        if job.state is not JobState.DOWNLOADING or not job.bytes_total:
            return None
        return min(1.0, job.bytes_downloaded / job.bytes_total)

    def elapsed(self, job: Job) -> float:
        start = job.submitted_at or job.submit_started_at or job.created_at
        # A finished job's clock stops; a live one's keeps running.
        end = (job.finished_at or job.updated_at) if job.state.is_final else self._clock()
        return max(0.0, (end - start).total_seconds())

    def expires_in(self, job: Job) -> float | None:
        """Seconds before the service forgets the task and its video link; None where that no longer matters."""
        if job.submitted_at is None or job.state in (JobState.DONE, JobState.CANCELED, JobState.EXPIRED):
            return None
        if job.state is JobState.FAILED:
            return None
        return max(0.0, (job.submitted_at + SERVICE_MEMORY - self._clock()).total_seconds())

    # -- changes from the engine ------------------------------------------------------------------
    @Slot(object)
    def upsert(self, job: Job) -> None:
        row = self._rows.get(job.id)
        if row is None:
            row = len(self._jobs)
            self.beginInsertRows(QModelIndex(), row, row)
            self._jobs.append(job)
            self._rows[job.id] = row
            self.endInsertRows()
            return
        self._jobs[row] = job
        index = self.index(row, 0)
        self.dataChanged.emit(index, index, [])

    @Slot(str)
    def remove(self, job_id: str) -> None:
        row = self._rows.get(job_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._jobs[row]
        self._rows = {job.id: i for i, job in enumerate(self._jobs)}
        self.endRemoveRows()

    def reset_jobs(self, jobs: list[Job]) -> None:
        """Replace everything at once (loading the journal at start-up)."""
        self.beginResetModel()
        self._jobs = list(jobs)
        self._rows = {job.id: i for i, job in enumerate(self._jobs)}
        self.endResetModel()

    def tick(self) -> None:
        """Elapsed, ETA and expiry move with the clock: ask views to repaint those values."""
        if self._jobs:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._jobs) - 1, 0), _TIME_ROLES)

    # -- lookups -----------------------------------------------------------------------------------
    def job(self, job_id: str) -> Job | None:
        row = self._rows.get(job_id)
        return None if row is None else self._jobs[row]

    def job_at(self, index: QModelIndex | QPersistentModelIndex) -> Job | None:
        if not index.isValid() or not 0 <= index.row() < len(self._jobs):
            return None
        return self._jobs[index.row()]

    def index_of(self, job_id: str) -> QModelIndex:
        row = self._rows.get(job_id)
        return QModelIndex() if row is None else self.index(row, 0)

    @property
    def thumbnails(self) -> ThumbnailCache:
        return self._thumbs

    def shutdown(self) -> None:
        self._thumbs.shutdown()

    @Slot(str)
    def _thumbnail_ready(self, path: str) -> None:
        for row, job in enumerate(self._jobs):
            if self.picture_path(job) == path:
                index = self.index(row, 0)
                self.dataChanged.emit(index, index, [int(Qt.ItemDataRole.DecorationRole)])


def _local_input(job: Job) -> str | None:
    reference = job.request.first_frame or job.request.last_frame
    if not reference or is_remote(reference):
        return None
    return reference
