"""What the engine needs from the video service: the typed boundary that the httpx client implements and
the tests' in-memory fake implements too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol

from wan_desktop.core.dashscope.requests import PreparedRequest
from wan_desktop.core.dashscope.types import CreatedTask, GenerationRequest, TaskInfo, TaskPage, TaskStatus


class DownloadReply(Protocol):
    """What a download call reports (the client's ``DownloadResult`` has these fields)."""

    @property
    def bytes_written_total(self) -> int: ...

    @property
    def total_size(self) -> int | None: ...

    @property
    def complete(self) -> bool: ...


class VideoService(Protocol):
    """Errors are ``DashScopeError`` subclasses (core/dashscope/errors.py); nothing else is expected."""

    def prepare(self, request: GenerationRequest) -> PreparedRequest:
        """Check the request and turn local files into URLs (uploads); nothing is created yet."""
        ...

    def create(self, prepared: PreparedRequest) -> CreatedTask:
        """Create the task. Paid once it succeeds; never retried by the implementation."""
        ...

    def get_task(self, task_id: str) -> TaskInfo: ...

    def cancel_task(self, task_id: str) -> str: ...

    def list_tasks(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        model_name: str | None = None,
        status: TaskStatus | None = None,
        page_no: int = 1,
        page_size: int = 10,
    ) -> TaskPage: ...

    def download(
        self,
        url: str,
        dest: Path,
        *,
        offset: int = 0,
        on_progress: Callable[[int, int | None], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> DownloadReply:
        """Stream a result video into ``dest`` from ``offset``, resuming with Range."""
        ...
