"""What the engine tells its listeners (the CLI's progress lines, the GUI's signals)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from wan_desktop.core.jobs import Job


class EventKind(str, Enum):
    JOB_UPDATED = "job_updated"  # a journaled change of a job (state, ids, paths, error)
    JOB_REMOVED = "job_removed"
    DOWNLOAD_PROGRESS = "download_progress"  # not journaled: bytes so far, often
    NOTICE = "notice"  # something the person should read that is not about one job
    MODE_CHANGED = "mode_changed"  # running / paused (with the reason in `message`)


class EngineMode(str, Enum):
    RUNNING = "running"
    PAUSED = "paused"  # by the person
    BLOCKED = "blocked"  # by the service: key refused, account cannot pay; resumes when the person says


class UncertainDecision(str, Enum):
    """What the person decided for a job whose create may or may not have reached the service."""

    SEARCH_AGAIN = "search"  # look for the task on the service once more
    RESUBMIT = "resubmit"  # create again, knowing it may charge twice
    DROP = "drop"  # give up on the job


@dataclass(frozen=True)
class EngineEvent:
    kind: EventKind
    job: Job | None = None
    job_id: str | None = None
    message: str = ""
    mode: EngineMode | None = None
    bytes_done: int = 0
    bytes_total: int | None = None
