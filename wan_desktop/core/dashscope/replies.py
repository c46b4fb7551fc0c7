"""Reading DashScope's replies: task, task-list and usage bodies, error replies, and replies that cannot be read.

Everything here is untrusted input: fields are type-checked, unknown ones ignored, and a reply that is not the
API's JSON (a gateway's page, a redirect, a captive portal) becomes a ProtocolError or ServerError whose
sentence says so, never a crash and never a guess. Times without a zone are Beijing time (``SERVICE_TZ``).
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

import httpx

from wan_desktop.core.i18n import _

from .errors import DashScopeError, ProtocolError, error_for
from .types import TaskInfo, TaskPage, TaskStatus, TaskSummary, TaskUsage

SERVICE_TZ = timezone(timedelta(hours=8), "UTC+8")


def parse_service_time(value: Any) -> datetime | None:
    """A task time string ("2024-03-01 17:38:24.817"); None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=SERVICE_TZ)


def _epoch_ms(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    value = number(value)
    return int(value) if value is not None else None


def parse_usage(raw: Any) -> TaskUsage | None:
    """The usage block of any family: wan2.6/2.7 (output_video_duration, input_video_duration, SR, audio),
    wan2.5/2.2 (duration, SR), wanx2.1 (video_duration, video_ratio)."""
    if not isinstance(raw, Mapping):
        return None
    seconds = next((number(raw[k]) for k in ("output_video_duration", "video_duration", "duration") if k in raw), None)
    tier = _int(raw.get("SR"))
    ratio = raw.get("video_ratio")
    if tier is None and isinstance(ratio, str) and re.fullmatch(r"\d+\*\d+", ratio):
        tier = min(int(side) for side in ratio.split("*"))  # "1280*720" is the 720 tier
    audio = raw.get("audio")
    return TaskUsage(
        output_seconds=seconds,
        input_video_seconds=number(raw.get("input_video_duration")),
        resolution_tier=tier,
        video_count=_int(raw.get("video_count")),
        audio=audio if isinstance(audio, bool) else None,
        raw=dict(raw),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_task(body: Mapping[str, Any], task_id: str) -> TaskInfo:
    output = body.get("output")
    if not isinstance(output, Mapping):
        raise _unreadable(
            _("the task reply has no 'output' object"), idempotent=True, request_id=str(body.get("request_id") or "")
        )
    return TaskInfo(
        task_id=str(output.get("task_id") or task_id),
        status=TaskStatus.parse(output.get("task_status")),
        request_id=str(body.get("request_id") or ""),
        submit_time=parse_service_time(output.get("submit_time")),
        scheduled_time=parse_service_time(output.get("scheduled_time")),
        end_time=parse_service_time(output.get("end_time")),
        video_url=_text(output.get("video_url")),
        orig_prompt=_text(output.get("orig_prompt")),
        actual_prompt=_text(output.get("actual_prompt")),
        code=_text(output.get("code")),
        message=_text(output.get("message")),
        usage=parse_usage(body.get("usage")),
    )


def parse_task_page(body: Mapping[str, Any], page_no: int, page_size: int) -> TaskPage:
    # The wire reply is flat; SDK 1.x wraps it in "output"; SDK v2 reads "tasks" where 2024 traffic had "data".
    wrapped = body.get("output")
    flat: Mapping[str, Any] = wrapped if isinstance(wrapped, Mapping) else body
    rows = flat.get("data") if isinstance(flat.get("data"), list) else flat.get("tasks")
    items = tuple(
        TaskSummary(
            task_id=str(row.get("task_id") or ""),
            status=TaskStatus.parse(row.get("status") or row.get("task_status")),
            model=str(row.get("model_name") or row.get("model") or ""),
            created_at=_epoch_ms(row.get("gmt_create")),
            started_at=_epoch_ms(row.get("start_time")),
            ended_at=_epoch_ms(row.get("end_time")),
            request_id=str(row.get("request_id") or ""),
        )
        for row in (rows if isinstance(rows, list) else [])
        if isinstance(row, Mapping)
    )
    total = _int(flat.get("total"))
    size = _int(flat.get("page_size")) or page_size
    total = total if total is not None else len(items)
    pages = _int(flat.get("total_page") if "total_page" in flat else flat.get("total_pages"))
    return TaskPage(
        items=items,
        total=total,
        page_no=_int(flat.get("page_no")) or page_no,
        page_size=size,
        total_pages=pages if pages is not None else -(-total // size) if size else 0,
    )


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds (a number, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def error_from_response(response: httpx.Response) -> DashScopeError:
    """The error class for a non-200 reply; a non-JSON body becomes code "Unknown" with its text (as the SDK)."""
    text = response.text
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        # Not the service's own words: a gateway's or proxy's page. Code "Unknown" keeps create_safety's rule
        # (nothing here proves the service answered, so a create behind it may have arrived).
        error = error_for(
            response.status_code,
            "Unknown",
            _reply_summary(response),
            response.headers.get("x-request-id", ""),
            parse_retry_after(response.headers.get("retry-after")),
        )
        if response.status_code >= 500:
            error.explanation = _gateway_sentence(response.status_code)
        return error
    code = str(body.get("code") or "")
    message = str(body.get("message") or "")
    request_id = str(body.get("request_id") or "") or response.headers.get("x-request-id", "")
    return error_for(
        response.status_code, code, message, request_id, parse_retry_after(response.headers.get("retry-after"))
    )


def _gateway_sentence(status: int) -> str:
    return _(
        "Something between this computer and the video service (a gateway or proxy) answered HTTP {status} "
        "with a page instead of the service's reply; the app will try again."
    ).format(status=status)


def _reply_summary(response: httpx.Response) -> str:
    """A short account of a body that is not the API's JSON: an HTML page's title, else its first words."""
    text = response.text[:20000]
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    words = " ".join((title.group(1) if title else re.sub(r"<[^>]*>", " ", text)).split())[:200]
    kind = response.headers.get("content-type", "").split(";")[0].strip() or _("no content type")
    if words:
        return _("HTTP {status} ({kind}): {words}").format(status=response.status_code, kind=kind, words=words)
    return _("HTTP {status} ({kind}), empty").format(status=response.status_code, kind=kind)


def _unreadable_sentence(idempotent: bool) -> str:
    if idempotent:
        return _(
            "The video service's reply could not be read (it was not the JSON the service sends); the app will "
            "ask again."
        )
    return _(
        "The video service's reply could not be read, so it is not known whether the task was created; the app "
        "looks for it before sending anything again."
    )


def _unreadable(message: str, *, idempotent: bool, request_id: str = "", status: int | None = 200) -> ProtocolError:
    """A reply that could not be read. A read may simply be asked again (the engine bounds how often);
    a create may have made a task, so ProtocolError keeps may_have_reached_service."""
    error = ProtocolError(
        message,
        code="Protocol",
        request_id=request_id,
        http_status=status,
        explanation=_unreadable_sentence(idempotent),
    )
    error.retryable = idempotent
    return error


def read_json(response: httpx.Response, *, idempotent: bool) -> Mapping[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise _unreadable(
            _("the reply is not JSON: {summary}").format(summary=_reply_summary(response)),
            idempotent=idempotent,
            status=response.status_code,
        ) from None
    if not isinstance(body, Mapping):
        raise _unreadable(_("the reply is not a JSON object"), idempotent=idempotent, status=response.status_code)
    return body


def redirect_error(response: httpx.Response, *, idempotent: bool) -> ProtocolError:
    """A 3xx from the API host is never followed: the key must reach no other address."""
    target = urlsplit(response.headers.get("location", "")).hostname or _("an address it did not name")
    error = _unreadable(
        _("HTTP {status} redirect to {target}, not followed").format(status=response.status_code, target=target),
        idempotent=idempotent,
        request_id=response.headers.get("x-request-id", ""),
        status=response.status_code,
    )
    error.code = "Redirect"
    if idempotent:
        explanation = _(
            "The video service's address answered with a redirect to {target}, which the app does not follow so "
            "that the key goes nowhere else. Check the region or base URL in Settings."
        )
    else:
        explanation = _(
            "The video service's address answered with a redirect to {target}, which the app does not follow so "
            "that the key goes nowhere else. Check the region or base URL in Settings. It is not known whether "
            "the task was created; the app looks for it first."
        )
    error.explanation = explanation.format(target=target)
    return error
