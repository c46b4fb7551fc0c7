"""Injected faults: what the next matching requests (or created tasks) should suffer.

A fault is a JSON object. ``on`` names the kind of request: create, query, cancel, list, upload (either
step of a temporary upload), policy (getPolicy only), oss_post (the form POST only), download, or task
(the next created tasks end FAILED). ``times`` (default 1) says how many matching requests it hits.
Then either an error reply: ``status`` + ``code`` + ``message`` (+ ``retry_after`` seconds, sent as
Retry-After), or an ``action``: ``drop`` (close the connection without a reply, before acting),
``drop_after_commit`` (create only: the task is created, then the connection is closed without a reply),
``truncate`` (download only: full Content-Length sent, then half the bytes, then close) or ``delay``
(wait ``seconds`` before handling normally). A task fault carries ``fail_code`` and ``fail_message``.
Faults are consumed in the order they were added.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = frozenset({"create", "query", "cancel", "list", "upload", "policy", "oss_post", "download", "task"})
ACTIONS = frozenset({"drop", "drop_after_commit", "truncate", "delay"})
# "upload" is the umbrella for both steps of the temporary-upload flow.
_ALIASES = {"policy": ("policy", "upload"), "oss_post": ("oss_post", "upload")}


@dataclass(frozen=True)
class Fault:
    on: str
    status: int | None = None
    code: str = ""
    message: str = ""
    retry_after: float | None = None
    action: str | None = None
    seconds: float = 0.0
    fail_code: str = "InternalError"
    fail_message: str = "An internal error occurred while generating the video."


def parse_fault(raw: object) -> tuple[Fault, int]:
    """A fault and how many times it applies; ValueError says what is wrong with the JSON."""
    if not isinstance(raw, dict):
        raise ValueError("a fault must be a JSON object")
    on = raw.get("on")
    if on not in KINDS:
        raise ValueError(f"fault 'on' must be one of {sorted(KINDS)}, got {on!r}")
    times = raw.get("times", 1)
    if not isinstance(times, int) or isinstance(times, bool) or times < 1:
        raise ValueError("fault 'times' must be a positive integer")
    action = raw.get("action")
    if on == "task":
        fault = Fault(
            on=on,
            fail_code=str(raw.get("fail_code", Fault.fail_code)),
            fail_message=str(raw.get("fail_message", Fault.fail_message)),
        )
        return fault, times
    if action is not None:
        if action not in ACTIONS:
            raise ValueError(f"fault 'action' must be one of {sorted(ACTIONS)}, got {action!r}")
        if action == "drop_after_commit" and on != "create":
            raise ValueError("'drop_after_commit' only applies to create")
        if action == "truncate" and on != "download":
            raise ValueError("'truncate' only applies to download")
        seconds = float(raw.get("seconds", 0.0))
        if action == "delay" and seconds <= 0:
            raise ValueError("a 'delay' fault needs 'seconds' > 0")
        return Fault(on=on, action=action, seconds=seconds), times
    status = raw.get("status")
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise ValueError("an error fault needs an HTTP 'status' between 400 and 599 (or give an 'action')")
    retry_after = raw.get("retry_after")
    return (
        Fault(
            on=on,
            status=status,
            code=str(raw.get("code", "InternalError")),
            message=str(raw.get("message", "An internal error occurred.")),
            retry_after=float(retry_after) if retry_after is not None else None,
        ),
        times,
    )


class FaultBook:
    """Faults waiting to hit requests, in order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[list] = []  # [fault, remaining]

    def add(self, raws: list[object]) -> None:
        parsed = [parse_fault(raw) for raw in raws]  # all or nothing
        with self._lock:
            self._queue.extend([fault, times] for fault, times in parsed)

    def take(self, kind: str) -> Fault | None:
        """The first pending fault that matches this kind of request, used up by one."""
        with self._lock:
            for entry in self._queue:
                fault = entry[0]
                if fault.on == kind or fault.on in _ALIASES.get(kind, ()):
                    entry[1] -= 1
                    if entry[1] <= 0:
                        self._queue.remove(entry)
                    return fault
        return None

    def pending(self) -> list[dict]:
        with self._lock:
            return [{"on": f.on, "remaining": n, "action": f.action, "status": f.status} for f, n in self._queue]
