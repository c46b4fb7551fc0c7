"""Simulated tasks. A task's status is computed from the simulator clock (no timer per task): PENDING for
a few seconds, RUNNING until its generation time is over, then SUCCEEDED once its MP4 is rendered (or
FAILED when a fault marked it). Generation takes 1-5 minutes (random per task, seeded from its id),
queueing 2-20 s of it; both are multiplied by the time scale. Tasks (and their video links) expire 24 h
(x time scale) after they end or, unfinished, after they were created.
"""

from __future__ import annotations

import random
import threading
import uuid
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ..core.dashscope.catalog import AudioMode, ModelFamily
from .faults import Fault
from .validation import Plan

TASK_LIFETIME = 24 * 3600
BEIJING = timezone(timedelta(hours=8))  # the service reports Beijing time


def format_time(moment: float) -> str:
    """'YYYY-MM-DD HH:mm:ss.SSS' in Beijing time, as the service writes task times."""
    return datetime.fromtimestamp(moment, BEIJING).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


@dataclass
class Task:
    task_id: str
    request_id: str
    api_key: str
    plan: Plan
    created_at: float
    queued_for: float
    runs_for: float
    render: Future
    failure: tuple[str, str] | None = None
    canceled_at: float | None = None
    create_request_count: int = 1
    rendered_at: float | None = None  # simulator time the video file was finished
    end: float | None = field(default=None)
    output_fault: Fault | None = None  # a task fault that spoils its SUCCEEDED output (no or a bad link)
    link_fault: Fault | None = None  # a download fault pinned to this task's link for every fetch

    @property
    def scheduled_at(self) -> float:
        return self.created_at + self.queued_for

    def status(self, now: float) -> str:
        if self.canceled_at is not None:
            return "CANCELED"
        if now < self.scheduled_at:
            return "PENDING"
        generated = self.scheduled_at + self.runs_for
        if now < generated:
            return "RUNNING"
        if self.failure is not None:
            self.end = self.end or generated
            return "FAILED"
        if not self.render.done():
            return "RUNNING"
        if self.render.cancelled() or self.render.exception() is not None:
            problem = "the simulator stopped" if self.render.cancelled() else self.render.exception()
            self.failure = ("InternalError", f"The video could not be rendered: {problem}")
            self.end = self.end or now
            return "FAILED"
        # Ends when both the generation time is over and the file exists (rendered_at comes from the
        # render's done-callback; "now" only covers the instant before that callback has run).
        self.end = self.end or max(generated, now if self.rendered_at is None else self.rendered_at)
        return "SUCCEEDED"

    def mark_rendered(self, moment: float) -> None:
        self.rendered_at = self.rendered_at or moment

    def expired(self, now: float, scale: float) -> bool:
        start = self.end if self.end is not None else self.created_at
        return now > start + TASK_LIFETIME * scale


def new_timing(task_id: str, scale: float) -> tuple[float, float]:
    """(queued, running) seconds: 1-5 minutes in all, seeded from the task id, times the scale."""
    rng = random.Random(task_id)
    total = rng.uniform(60.0, 300.0)
    queued = rng.uniform(2.0, 20.0)
    return queued * scale, (total - queued) * scale


def _seconds(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def usage(plan: Plan) -> dict:
    spec = plan.spec
    sr = int(plan.resolution.rstrip("P"))
    if spec.family is ModelFamily.WAN30:  # floats, fps and the resolved ratio (contract 12.1.7)
        return {
            "video_count": 1,
            "duration": float(plan.duration),
            "input_video_duration": float(plan.input_video_seconds),
            "output_video_duration": float(plan.duration),
            "fps": 30,
            "SR": sr,
            "ratio": plan.ratio,
        }
    if spec.bills_input_video:  # wan2.7-r2v / -videoedit bill input and output together (contract 12.2)
        return {
            "duration": float(plan.duration + plan.input_video_seconds),
            "input_video_duration": float(plan.input_video_seconds),
            "output_video_duration": float(plan.duration),
            "video_count": 1,
            "SR": sr,
            "ratio": plan.ratio,
        }
    if spec.key.startswith(("wanx2.1", "wan2.1")):
        return {"video_duration": plan.duration, "video_ratio": "standard", "video_count": 1}
    if spec.family in (ModelFamily.WAN26, ModelFamily.WAN27):
        block = {
            "duration": plan.duration,
            "input_video_duration": _seconds(plan.input_video_seconds),
            "output_video_duration": plan.duration,
            "video_count": 1,
            "SR": sr,
        }
        if spec.audio_mode is AudioMode.SWITCHABLE:
            block["audio"] = plan.with_audio
        return block
    return {"duration": plan.duration, "SR": sr, "video_count": 1}


class TaskStore:
    def __init__(self, scale: float) -> None:
        self._scale = scale
        self._lock = threading.RLock()
        self._tasks: dict[str, Task] = {}

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def add(self, api_key: str, request_id: str, plan: Plan, now: float, render: Future) -> Task:
        task_id = str(uuid.uuid4())
        queued, running = new_timing(task_id, self._scale)
        task = Task(task_id, request_id, api_key, plan, now, queued, running, render)
        with self._lock:
            self._tasks[task_id] = task
        return task

    def get(self, task_id: str, api_key: str | None, now: float) -> Task | None:
        """The caller's live task (None for unknown, another key's, or expired)."""
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None or (api_key is not None and task.api_key != api_key):
                return None
            task.status(now)
            return None if task.expired(now, self._scale) else task

    def all(self) -> list[Task]:
        with self._lock:
            return list(self._tasks.values())

    def in_flight(self, api_key: str, model_key: str, now: float) -> int:
        with self._lock:
            return sum(
                1
                for t in self._tasks.values()
                if t.api_key == api_key and t.plan.spec.key == model_key and t.status(now) in ("PENDING", "RUNNING")
            )
