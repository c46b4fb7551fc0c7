"""Typed requests and replies of the Wan image-to-video API. Frozen, so they can cross threads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

# A media reference is a string: an http(s):// URL, an oss:// URL, a data: URL, or a local file path.
REMOTE_PREFIXES = ("http://", "https://", "oss://", "data:")


def is_remote(reference: str) -> bool:
    return reference.startswith(REMOTE_PREFIXES)


class ShotType(str, Enum):
    SINGLE = "single"
    MULTI = "multi"


@dataclass(frozen=True)
class MediaRef:
    """One more input of a media-array model: its role (a catalog role name such as ``reference_image``),
    the file or URL, and for wan2.7-r2v an optional voice (audio file or URL) for that character."""

    role: str
    reference: str
    voice: str | None = None


@dataclass(frozen=True)
class GenerationRequest:
    """What a person asked for. Media fields hold a URL or a local path; None where not given.

    Options left as None take the model's default (the service's own default, so nothing is sent)."""

    model: str  # catalog key (see catalog.MODELS); the regional request name is chosen when sent
    first_frame: str | None = None
    prompt: str = ""
    negative_prompt: str = ""
    last_frame: str | None = None
    audio: str | None = None  # audio_url (wan2.5/2.6) or driving_audio (wan2.7)
    first_clip: str | None = None  # wan2.7 continuation
    resolution: str | None = None
    duration: int | None = None
    seed: int | None = None
    prompt_extend: bool = True
    watermark: bool = False
    audio_enabled: bool | None = None  # wan2.6-i2v-flash `parameters.audio`
    shot_type: ShotType | None = None
    template: str | None = None
    references: tuple[MediaRef, ...] = ()  # references, or the video to edit, in prompt order
    ratio: str | None = None
    enable_thinking: bool | None = None

    def media_references(self) -> dict[str, str]:
        """The request's media by field name, only those given."""
        fields = {
            "first_frame": self.first_frame,
            "last_frame": self.last_frame,
            "audio": self.audio,
            "first_clip": self.first_clip,
        }
        return {name: ref for name, ref in fields.items() if ref}


class TaskStatus(str, Enum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    UNKNOWN = "UNKNOWN"  # no such task, or older than 24 h

    @property
    def is_terminal(self) -> bool:
        return self in (TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELED, TaskStatus.UNKNOWN)

    @classmethod
    def parse(cls, value: str | None) -> TaskStatus:
        try:
            return cls(str(value).upper())
        except ValueError:
            return cls.UNKNOWN


@dataclass(frozen=True)
class CreatedTask:
    task_id: str
    status: TaskStatus
    request_id: str


@dataclass(frozen=True)
class TaskUsage:
    """The usage block, whatever the model family calls its fields."""

    output_seconds: float | None = None
    input_video_seconds: float | None = None
    resolution_tier: int | None = None  # SR: 480 / 720 / 1080
    video_count: int | None = None
    audio: bool | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskInfo:
    task_id: str
    status: TaskStatus
    request_id: str = ""
    submit_time: datetime | None = None
    scheduled_time: datetime | None = None
    end_time: datetime | None = None
    video_url: str | None = None
    orig_prompt: str | None = None
    actual_prompt: str | None = None
    code: str | None = None  # FAILED tasks
    message: str | None = None
    usage: TaskUsage | None = None


@dataclass(frozen=True)
class TaskSummary:
    """One row of the task list (times are epoch milliseconds on the wire)."""

    task_id: str
    status: TaskStatus
    model: str
    created_at: datetime | None = None  # gmt_create
    started_at: datetime | None = None
    ended_at: datetime | None = None
    request_id: str = ""


@dataclass(frozen=True)
class TaskPage:
    items: tuple[TaskSummary, ...]
    total: int
    page_no: int
    page_size: int
    total_pages: int
