"""What goes into and comes out of the simulated service (``service.py``), with no HTTP in it: parsed calls
in, frozen results out. ``wire.py`` turns the results into the service's JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..core.dashscope.catalog import Endpoint
from .faults import Fault

STATUSES = ("PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED")


@dataclass(frozen=True)
class SimConfig:
    """The service's behaviour switches (see ``SimulatorServer`` for what each one means)."""

    api_keys: frozenset[str]
    time_scale: float = 1.0
    unknown_model_status: int = 400
    truncate_negative_prompt: bool = True
    enforce_limits: bool = True
    query_qps: float = 20.0

    def __post_init__(self) -> None:
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if not self.api_keys:
            raise ValueError("the simulator needs at least one API key to accept")


@dataclass(frozen=True)
class CreateCall:
    """A create request as the service sees it: the key already checked, the body still raw JSON bytes."""

    api_key: str
    endpoint: Endpoint
    body: bytes
    request_id: str
    async_call: bool = True  # X-DashScope-Async: enable
    oss_resolve: bool = False  # X-DashScope-OssResourceResolve: enable


@dataclass(frozen=True)
class TaskView:
    """One task at one moment. ``status`` is UNKNOWN for a task the caller cannot see."""

    task_id: str
    status: str
    request_id: str = ""
    model_name: str = ""
    created_at: float = 0.0
    scheduled_at: float = 0.0
    canceled_at: float | None = None
    end: float | None = None
    failure: tuple[str, str] | None = None
    prompt: str | None = None  # SUCCEEDED only, as are the fields below
    actual_prompt: str | None = None
    video_url: str | None = None
    usage: Mapping[str, Any] | None = None

    @property
    def ended_at(self) -> float | None:
        if self.status == "CANCELED":
            return self.canceled_at
        return self.end if self.status in ("SUCCEEDED", "FAILED") else None


@dataclass(frozen=True)
class ListQuery:
    page_no: int = 1
    page_size: int = 10
    start: float | None = None  # epoch seconds
    end: float | None = None
    status: str | None = None
    model_name: str | None = None
    task_id: str | None = None

    def matches(self, view: TaskView) -> bool:
        return (
            (self.status is None or view.status == self.status)
            and (self.model_name is None or view.model_name == self.model_name)
            and (self.task_id is None or view.task_id == self.task_id)
            and (self.start is None or view.created_at >= self.start)
            and (self.end is None or view.created_at <= self.end)
        )


@dataclass(frozen=True)
class TaskPage:
    views: tuple[TaskView, ...]
    total: int
    page_no: int
    page_size: int

    @property
    def total_page(self) -> int:
        return (self.total + self.page_size - 1) // self.page_size


@dataclass(frozen=True)
class UploadGrant:
    """A getPolicy answer: a signed form policy for one key and model."""

    policy: str
    signature: str
    upload_dir: str
    upload_host: str
    expire_in_seconds: int


@dataclass(frozen=True)
class ResultFile:
    """The file behind a checked result link, and the fault (if any) its reply must suffer."""

    path: Path
    size: int
    mtime: float
    fault: Fault | None = None

    @property
    def etag(self) -> str:
        return f'"{self.path.stem[:32]}"'


@dataclass(frozen=True)
class UploadForm:
    """A parsed multipart form POST: text fields and files (bytes, content type)."""

    fields: Mapping[str, str]
    files: Mapping[str, tuple[bytes, str]] = field(default_factory=dict)
