"""Injected faults: what the next matching requests (or created tasks) should suffer.

A fault is a JSON object. ``on`` names the kind of request: create, query, cancel, list, upload (either
step of a temporary upload), policy (getPolicy only), oss_post (the form POST only), download, or task
(the next created tasks). ``times`` (default 1) says how many matching requests (or tasks, or links) it
hits. Faults are consumed in the order they were added.

An error reply: ``status`` + ``code`` + ``message`` (+ ``retry_after`` seconds, sent as Retry-After).

Or an ``action``:

* any kind but task: ``drop`` (close the connection without a reply, before acting) or ``delay`` (wait
  ``seconds`` before handling normally);
* create: ``drop_after_commit`` (the task is created, then the connection is closed without a reply);
  ``html_200`` (a 200 whose body is an HTML page, as a captive portal or a proxy sends; nothing is created
  unless ``"commit": true``); ``gateway_502_html`` (a gateway's 502 HTML page; nothing is created);
  ``redirect_307`` (a 307 to another host, ``location`` or a default one; nothing is created);
* query, list, cancel, policy: ``non_json_200`` (a 200 whose body is not JSON; nothing is done);
* download: ``truncate`` (the full Content-Length is sent, then half the bytes, then the connection
  closes). These stick to the link they first hit, for every later fetch of it: ``not_found_forever``
  (404 NoSuchKey); ``lying_length`` (Range is ignored, every reply is a 200 from byte 0 whose
  Content-Length claims ``claimed_bytes``, default the real size plus 1 MiB, and the connection closes
  after the real file); ``huge_length`` (a 200 claiming ``claimed_bytes``, default 10 GiB, then at most
  ``junk_bytes`` of junk, default 2 MiB and never over 8 MiB, then the connection closes);
* task: without an action the task ends FAILED with ``fail_code`` and ``fail_message``;
  ``no_video_url`` (it ends SUCCEEDED with no ``video_url`` in its output); ``video_url`` (it ends
  SUCCEEDED with the given string as its ``video_url``, e.g. ``file:///etc/passwd``).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

KINDS = frozenset({"create", "query", "cancel", "list", "upload", "policy", "oss_post", "download", "task"})
_ANY = frozenset(KINDS - {"task"})
# Which kinds each action may hit.
ACTION_KINDS: dict[str, frozenset[str]] = {
    "drop": _ANY,
    "delay": _ANY,
    "drop_after_commit": frozenset({"create"}),
    "html_200": frozenset({"create"}),
    "gateway_502_html": frozenset({"create"}),
    "redirect_307": frozenset({"create"}),
    "non_json_200": frozenset({"query", "list", "cancel", "policy"}),
    "truncate": frozenset({"download"}),
    "not_found_forever": frozenset({"download"}),
    "lying_length": frozenset({"download"}),
    "huge_length": frozenset({"download"}),
    "no_video_url": frozenset({"task"}),
    "video_url": frozenset({"task"}),
}
ACTIONS = frozenset(ACTION_KINDS)
LINK_ACTIONS = frozenset({"not_found_forever", "lying_length", "huge_length"})  # pinned to a link
HUGE_CLAIM = 10 * 1024**3
JUNK_DEFAULT = 2 * 1024**2
JUNK_MAX = 8 * 1024**2  # bounded, so a client that believes the claim still finishes quickly
LYING_EXTRA = 1024**2
DEFAULT_REDIRECT = "https://portal.example.net/login?continue=dashscope"
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
    commit: bool = False  # html_200: create the task before answering
    location: str = DEFAULT_REDIRECT  # redirect_307
    video_url: str = ""  # task video_url
    claimed_bytes: int | None = None  # lying_length, huge_length
    junk_bytes: int = JUNK_DEFAULT  # huge_length


def parse_fault(raw: object) -> tuple[Fault, int]:
    """A fault and how many times it applies; ValueError says what is wrong with the JSON."""
    if not isinstance(raw, dict):
        raise ValueError("a fault must be a JSON object")
    on = raw.get("on")
    if on not in KINDS:
        raise ValueError(f"fault 'on' must be one of {sorted(KINDS)}, got {on!r}")
    times = raw.get("times", 1)
    if not _positive_int(times):
        raise ValueError("fault 'times' must be a positive integer")
    action = raw.get("action")
    if action is None and "video_url" in raw:
        action = "video_url"
    if action is not None:
        return _action_fault(raw, on, action), times
    if on == "task":
        return _failed_task(raw), times
    return _error_fault(raw, on), times


def _positive_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _failed_task(raw: dict) -> Fault:
    fail_code = str(raw.get("fail_code", Fault.fail_code))
    return Fault(on="task", fail_code=fail_code, fail_message=str(raw.get("fail_message", Fault.fail_message)))


def _error_fault(raw: dict, on: str) -> Fault:
    status = raw.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        raise ValueError("an error fault needs an HTTP 'status' between 400 and 599 (or give an 'action')")
    retry_after = raw.get("retry_after")
    if retry_after is not None and (not isinstance(retry_after, (int, float)) or isinstance(retry_after, bool)):
        raise ValueError("fault 'retry_after' must be a number of seconds")
    return Fault(
        on=on,
        status=status,
        code=str(raw.get("code", "InternalError")),
        message=str(raw.get("message", "An internal error occurred.")),
        retry_after=float(retry_after) if retry_after is not None else None,
    )


def _action_fault(raw: dict, on: str, action: object) -> Fault:
    if action not in ACTIONS:
        raise ValueError(f"fault 'action' must be one of {sorted(ACTIONS)}, got {action!r}")
    assert isinstance(action, str)
    if on not in ACTION_KINDS[action]:
        raise ValueError(f"{action!r} only applies to {' or '.join(sorted(ACTION_KINDS[action]))}")
    seconds = raw.get("seconds", 0.0)
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
        raise ValueError("fault 'seconds' must be a number")
    if action == "delay" and not 0 < seconds <= 600:
        raise ValueError("a 'delay' fault needs 'seconds' > 0 (at most 600)")
    return Fault(on=on, action=action, seconds=float(seconds), **_action_options(raw, action))


def _action_options(raw: dict, action: str) -> dict:
    options: dict = {}
    if action == "html_200":
        options["commit"] = _boolean(raw, "commit")
    if action == "redirect_307":
        options["location"] = _string(raw, "location", DEFAULT_REDIRECT)
    if action == "video_url":
        options["video_url"] = _string(raw, "video_url", None)
    if action in ("lying_length", "huge_length") and "claimed_bytes" in raw:
        if not _positive_int(raw["claimed_bytes"]):
            raise ValueError("fault 'claimed_bytes' must be a positive integer")
        options["claimed_bytes"] = raw["claimed_bytes"]
    if action == "huge_length":
        junk = raw.get("junk_bytes", JUNK_DEFAULT)
        if not _positive_int(junk) or junk > JUNK_MAX:
            raise ValueError(f"fault 'junk_bytes' must be a positive integer of at most {JUNK_MAX}")
        options["junk_bytes"] = junk
    return options


def _boolean(raw: dict, name: str) -> bool:
    value = raw.get(name, False)
    if not isinstance(value, bool):
        raise ValueError(f"fault {name!r} must be true or false")
    return value


def _string(raw: dict, name: str, default: str | None) -> str:
    value = raw.get(name, default)
    if not isinstance(value, str) or (default is None and not value) or len(value) > 4096:
        raise ValueError(f"fault {name!r} must be a non-empty string (at most 4096 characters)")
    return value


class FaultBook:
    """Faults waiting to hit requests, in order; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[list] = []  # [fault, remaining]

    def add(self, raws: Sequence[object]) -> None:
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
