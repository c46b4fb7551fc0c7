"""A scriptable in-memory video service for the engine's unit tests: no sockets, no video encoding.

Tasks move PENDING -> RUNNING -> SUCCEEDED as the injected ``FakeClock`` advances. Each method can be told
to fail its next calls (``script``), and downloads either write a small file into the library or return a
scripted ``DownloadOutcome``. Every call is recorded in ``calls`` as ``(method, fake seconds, detail)``.
"""

from __future__ import annotations

import functools
import io
import json
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from wan_desktop.core.dashscope import catalog
from wan_desktop.core.dashscope.errors import (
    AuthError,
    DashScopeError,
    ProtocolError,
    ServerError,
    ThrottledError,
)
from wan_desktop.core.dashscope.requests import PreparedRequest
from wan_desktop.core.dashscope.types import (
    CreatedTask,
    GenerationRequest,
    TaskInfo,
    TaskPage,
    TaskStatus,
    TaskSummary,
    TaskUsage,
)
from wan_desktop.core.downloader import DownloadOutcome, DownloadStatus
from wan_desktop.core.engine import FakeClock
from wan_desktop.core.jobs import Job
from wan_desktop.core.library import Library


# -- scripted failures ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fault:
    """What one scripted call does instead of answering: raise ``error``, after creating the task when
    ``commit`` (a create whose reply was lost after the service made the task)."""

    error: DashScopeError
    commit: bool = False


def throttled(retry_after: float | None = None) -> Fault:
    return Fault(
        ThrottledError(
            "Requests rate limit exceeded", code="Throttling.RateQuota", http_status=429, retry_after=retry_after
        )
    )


def server_error() -> Fault:
    return Fault(ServerError("Internal error", code="InternalError", http_status=500))


def auth_refused() -> Fault:
    return Fault(AuthError("Invalid API-key provided.", code="InvalidApiKey", http_status=401))


def unreadable_reply(*, commit: bool) -> Fault:
    """A 200 whose body is not the service's JSON (an HTML page from a proxy); the task exists if ``commit``."""
    return Fault(ProtocolError("the create reply is not JSON", code="Unknown", http_status=200), commit=commit)


# -- the fake's tasks -----------------------------------------------------------------------------------------
@dataclass
class FakeTask:
    task_id: str
    model_name: str
    created: datetime  # the service's clock
    pending: float
    running: float
    video_url: str | None
    canceled: bool = False
    forgotten: bool = False
    foreign: bool = False  # made by another program on the same account


@dataclass
class FakeDownloadReply:
    bytes_written_total: int
    total_size: int | None
    complete: bool


class FakeService:
    """Implements the engine's ``VideoService`` in memory, on the fake clock."""

    def __init__(
        self,
        clock: FakeClock,
        region: catalog.Region = catalog.Region.CUSTOM,
        *,
        pending: float = 5.0,
        running: float = 30.0,
        clock_offset: float = 0.0,
    ) -> None:
        self.clock = clock
        self.region = region
        self.pending, self.running = pending, running
        self.clock_offset = clock_offset  # the service's clock minus ours (s)
        self.tasks: dict[str, FakeTask] = {}
        self.calls: list[tuple[str, float, str]] = []
        self.scripts: dict[str, deque[Fault]] = {}
        self.links: dict[str, deque[str | None]] = {}  # per task: the video_url each later query gives
        self.list_results: deque[Callable[[], list[TaskSummary]] | DashScopeError] = deque()
        self.download_outcomes: deque[DownloadStatus | DownloadOutcome] = deque()
        self.video_bytes = b"\x00\x00\x00\x18ftypmp42fake video bytes"
        self._lock = threading.Lock()
        self._next_id = 0

    # -- scripting ------------------------------------------------------------------------------------
    def script(self, method: str, *faults: Fault) -> None:
        """The next calls of ``method`` fail as ``faults`` say, in order; later calls answer normally."""
        self.scripts.setdefault(method, deque()).extend(faults)

    def add_foreign_task(self, model: str, *, seconds_ago: float = 0.0) -> FakeTask:
        task = self._new_task(catalog.model(model).request_name(self.region), foreign=True)
        task.created -= timedelta(seconds=seconds_ago)
        return task

    def count(self, method: str) -> int:
        return sum(1 for name, _, _ in self.calls if name == method)

    def times(self, method: str) -> list[float]:
        return [at for name, at, _ in self.calls if name == method]

    def _record(self, method: str, detail: str = "") -> Fault | None:
        with self._lock:
            self.calls.append((method, self.clock.monotonic(), detail))
            queue = self.scripts.get(method)
            return queue.popleft() if queue else None

    def _service_now(self) -> datetime:
        return self.clock.now() + timedelta(seconds=self.clock_offset)

    def _new_task(self, model_name: str, *, foreign: bool = False) -> FakeTask:
        self._next_id += 1
        task_id = f"task-{self._next_id:04d}"
        task = FakeTask(
            task_id,
            model_name,
            self._service_now(),
            self.pending,
            self.running,
            f"https://results.example.com/{task_id}.mp4",
            foreign=foreign,
        )
        self.tasks[task_id] = task
        return task

    # -- VideoService -----------------------------------------------------------------------------------
    def prepare(self, request: GenerationRequest) -> PreparedRequest:
        fault = self._record("prepare", request.model)
        if fault:
            raise fault.error
        name = catalog.model(request.model).request_name(self.region)
        body = json.dumps({"model": name, "prompt": request.prompt})
        return PreparedRequest(
            model_name=name, path="/services/aigc/video-generation/video-synthesis", body_json=body, oss_resolve=False
        )

    def create(self, prepared: PreparedRequest) -> CreatedTask:
        fault = self._record("create", prepared.model_name)
        if fault and not fault.commit:
            raise fault.error
        task = self._new_task(prepared.model_name)
        if fault:
            raise fault.error
        return CreatedTask(task.task_id, TaskStatus.PENDING, request_id=f"req-create-{task.task_id}")

    def get_task(self, task_id: str) -> TaskInfo:
        fault = self._record("get_task", task_id)
        if fault:
            raise fault.error
        task = self.tasks.get(task_id)
        if task is None or task.forgotten:
            return TaskInfo(task_id, TaskStatus.UNKNOWN, request_id="req-query")
        links = self.links.get(task_id)
        if links:
            task.video_url = links.popleft()
        return self._info(task)

    def _info(self, task: FakeTask) -> TaskInfo:
        age = (self._service_now() - task.created).total_seconds()
        if task.canceled:
            return TaskInfo(task.task_id, TaskStatus.CANCELED, request_id="req-query", submit_time=task.created)
        if age < task.pending:
            return TaskInfo(task.task_id, TaskStatus.PENDING, request_id="req-query", submit_time=task.created)
        started = task.created + timedelta(seconds=task.pending)
        if age < task.pending + task.running:
            return TaskInfo(
                task.task_id,
                TaskStatus.RUNNING,
                request_id="req-query",
                submit_time=task.created,
                scheduled_time=started,
            )
        return TaskInfo(
            task.task_id,
            TaskStatus.SUCCEEDED,
            request_id="req-query",
            submit_time=task.created,
            scheduled_time=started,
            end_time=started + timedelta(seconds=task.running),
            video_url=task.video_url,
            usage=TaskUsage(output_seconds=5.0, raw={"duration": 5}),
        )

    def cancel_task(self, task_id: str) -> str:
        fault = self._record("cancel_task", task_id)
        if fault:
            raise fault.error
        task = self.tasks[task_id]
        if self._info(task).status is not TaskStatus.PENDING:
            raise DashScopeError("task is running", code="UnsupportedOperation", http_status=400)
        task.canceled = True
        return "req-cancel"

    def list_tasks(
        self,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        model_name: str | None = None,
        status: TaskStatus | None = None,
        page_no: int = 1,
        page_size: int = 10,
    ) -> TaskPage:
        fault = self._record("list_tasks", model_name or "")
        if fault:
            raise fault.error
        items = [
            self._summary(task)
            for task in self.tasks.values()
            if not task.forgotten
            and (model_name is None or task.model_name == model_name)
            and (start is None or task.created >= start)
            and (end is None or task.created <= end)
        ]
        if self.list_results:  # a scripted list replaces what the service holds
            scripted = self.list_results.popleft()
            if isinstance(scripted, DashScopeError):
                raise scripted
            items = scripted()
        pages = max(1, -(-len(items) // page_size))
        chunk = items[(page_no - 1) * page_size : page_no * page_size]
        return TaskPage(tuple(chunk), len(items), page_no, page_size, pages)

    def _summary(self, task: FakeTask) -> TaskSummary:
        return TaskSummary(task.task_id, self._info(task).status, task.model_name, created_at=task.created)

    def download(self, url: str, dest: Path, *, offset: int = 0, on_progress=None, should_stop=None):
        """Used with the real downloader: writes ``video_bytes`` into ``dest``."""
        fault = self._record("download", url)
        if fault:
            raise fault.error
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(self.video_bytes)
        if on_progress is not None:
            on_progress(len(self.video_bytes), len(self.video_bytes))
        return FakeDownloadReply(len(self.video_bytes), len(self.video_bytes), True)

    # -- the engine's downloader, replaced ----------------------------------------------------------------
    def fetch(self, job: Job, service, library: Library, stop: threading.Event, on_progress=None) -> DownloadOutcome:
        """Stands in for ``downloader.fetch_video``: the next scripted outcome, else a saved file (small
        bytes, not decoded)."""
        self._record("fetch", job.video_url or "")
        scripted = self.download_outcomes.popleft() if self.download_outcomes else DownloadStatus.SAVED
        if isinstance(scripted, DownloadOutcome):
            return scripted
        if scripted is not DownloadStatus.SAVED:
            return DownloadOutcome(job.id, scripted, f"Scripted {scripted.value}.")
        video, thumbnail = library.video_path(job), library.thumbnail_path(job)
        video.parent.mkdir(parents=True, exist_ok=True)
        video.write_bytes(self.video_bytes)
        thumbnail.write_bytes(b"\xff\xd8\xff\xe0 thumbnail")
        size = len(self.video_bytes)
        return DownloadOutcome(
            job.id,
            DownloadStatus.SAVED,
            video_path=video,
            thumbnail_path=thumbnail,
            bytes_written=size,
            bytes_total=size,
            duration=5.0,
        )


class InlinePool(Executor):
    """Runs each download at once on the calling (engine) thread, so a test needs no threads."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # handed to the engine like a worker's exception
            future.set_exception(error)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass


@functools.cache
def tiny_mp4(seconds: float = 5.0, fps: int = 4, side: int = 32) -> bytes:
    """A real, decodable H.264 MP4 of ``seconds`` (a few kilobytes), made once per test session."""
    import av
    from PIL import Image

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width = stream.height = side
        stream.pix_fmt = "yuv420p"
        for index in range(int(seconds * fps)):
            frame = av.VideoFrame.from_image(Image.new("RGB", (side, side), (index * 8 % 256,) * 3))
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return buffer.getvalue()
