"""The service's wire formats: JSON reply shapes (query, list in both its v1 and SDK-v2 forms, getPolicy,
errors), OSS XML errors, and parsing of what requests carry (list arguments, multipart forms).

Pure functions over ``views.py``; nothing here touches a socket or the task store.
"""

from __future__ import annotations

import email.parser
import email.policy
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from .errors import ApiError, invalid
from .tasks import BEIJING, Task, format_time
from .views import STATUSES, ListQuery, TaskPage, TaskView, UploadForm, UploadGrant

JSON_TYPE = "application/json;charset=UTF-8"
HTML_PORTAL = (
    b"<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>"
    b"<body><h1>Welcome</h1><p>Please accept the terms to continue.</p></body></html>\n"
)
HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>"
    b"\r\n<hr><center>Tengine</center>\r\n</body>\r\n</html>\r\n"
)
NOT_JSON = b"OK: upstream answered, body follows\n<task>status unknown</task>\n"


def error_payload(error: ApiError, request_id: str) -> dict:
    return {"request_id": request_id, "code": error.code, "message": error.message}


def xml_error(error: ApiError, request_id: str) -> bytes:
    """The OSS error document (uploads and result links answer in XML, not JSON)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n'
        f"  <Code>{escape(error.code)}</Code>\n  <Message>{escape(error.message)}</Message>\n"
        f"  <RequestId>{request_id}</RequestId>\n  <HostId>127.0.0.1</HostId>\n</Error>\n"
    ).encode()


def created_payload(view: TaskView, request_id: str) -> dict:
    return {"request_id": request_id, "output": {"task_id": view.task_id, "task_status": view.status}}


def query_payload(view: TaskView, request_id: str) -> dict:
    """A task query's reply: the output block (times in Beijing time) and, once it succeeded, usage."""
    output: dict[str, Any] = {"task_id": view.task_id, "task_status": view.status}
    payload: dict[str, Any] = {"request_id": request_id, "output": output}
    if view.status == "UNKNOWN":
        return payload
    output["submit_time"] = format_time(view.created_at)
    canceled_in_queue = view.canceled_at is not None and view.canceled_at < view.scheduled_at
    if view.status != "PENDING" and not (view.status == "CANCELED" and canceled_in_queue):
        output["scheduled_time"] = format_time(view.scheduled_at)
    if view.ended_at is not None:
        output["end_time"] = format_time(view.ended_at)
    if view.status == "FAILED" and view.failure is not None:
        output["code"], output["message"] = view.failure
    if view.status == "SUCCEEDED":
        output["orig_prompt"] = view.prompt
        if view.actual_prompt is not None:
            output["actual_prompt"] = view.actual_prompt
        if view.video_url is not None:
            output["video_url"] = view.video_url
        payload["usage"] = dict(view.usage or {})
    return payload


def list_payload(page: TaskPage, request_id: str, account: str) -> dict:
    """The list reply: ``data`` as the real service was seen to send it (epoch ms) and ``tasks`` as SDK v2
    parses it (its parser refuses the epoch-millisecond numbers of the ``data`` entries)."""
    return {
        "request_id": request_id,
        "total": page.total,
        "data": [v1_list_item(view, account) for view in page.views],
        "tasks": [v2_list_item(view) for view in page.views],
        "total_page": page.total_page,
        "page_no": page.page_no,
        "page_size": page.page_size,
    }


def _ms(moment: float) -> int:
    return int(moment * 1000)


def _started(view: TaskView) -> bool:
    return view.status != "PENDING" and view.canceled_at is None


def v1_list_item(view: TaskView, account: str) -> dict:
    item: dict[str, Any] = {
        "api_key_id": str(int(account[:8], 16)),
        "caller_parent_id": str(int(account[8:18], 16)),
        "caller_uid": str(int(account[8:18], 16)),
        "gmt_create": _ms(view.created_at),
        "model_name": view.model_name,
        "region": "cn-beijing",
        "request_id": view.request_id,
        "status": view.status,
        "task_id": view.task_id,
        "user_api_unique_key": f"apikey:v1:aigc:video-generation:{view.model_name}",
    }
    if _started(view):
        item["start_time"] = _ms(view.scheduled_at)
    if view.ended_at is not None:
        item["end_time"] = _ms(view.ended_at)
    return item


def v2_list_item(view: TaskView) -> dict:
    item = {
        "task_id": view.task_id,
        "task_status": view.status,
        "model_name": view.model_name,
        "request_id": view.request_id,
        "submit_time": format_time(view.created_at),
    }
    if _started(view):
        item["scheduled_time"] = format_time(view.scheduled_at)
    if view.ended_at is not None:
        item["end_time"] = format_time(view.ended_at)
    return item


def policy_payload(grant: UploadGrant, request_id: str) -> dict:
    data = {
        "policy": grant.policy,
        "signature": grant.signature,
        "upload_dir": grant.upload_dir,
        "upload_host": grant.upload_host,
        "expire_in_seconds": grant.expire_in_seconds,
        "max_file_size_mb": 1024,
        "capacity_limit_mb": 999999999,
        "oss_access_key_id": "LTAI-simulator",
        "x_oss_object_acl": "private",
        "x_oss_forbid_overwrite": "true",
    }
    return {"request_id": request_id, "data": data}


def admin_task(task: Task, status: str) -> dict:
    """One task as ``/_sim/tasks`` shows it: what was asked, what it became."""
    plan = task.plan
    return {
        "id": task.task_id,
        "model": plan.model_name,
        "status": status,
        "parameters": {
            "resolution": plan.resolution,
            "duration": plan.duration,
            "prompt_extend": plan.prompt_extend,
            "watermark": plan.watermark,
            "audio": plan.with_audio,
        },
        "prompt": plan.prompt,
        "negative_prompt": plan.negative_prompt,
        "input_sha256": dict(plan.input_sha256),
        "media_types": list(plan.media_types),
        "create_request_count": task.create_request_count,
        "size": [plan.render.width, plan.render.height],
        "failure": list(task.failure) if task.failure else None,
        "created_at": task.created_at,
    }


# -- request parsing ---------------------------------------------------------------------------------
def list_query(args: Mapping[str, str]) -> ListQuery:
    status = args.get("status")
    if status is not None and status not in STATUSES:
        raise invalid(f"status must be one of {', '.join(STATUSES)}.")
    return ListQuery(
        page_no=_int_arg(args, "page_no", 1, 1, 10**6),
        page_size=_int_arg(args, "page_size", 10, 1, 100),
        start=_time_arg(args, "start_time"),
        end=_time_arg(args, "end_time"),
        status=status,
        model_name=args.get("model_name"),
        task_id=args.get("task_id"),
    )


def _int_arg(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid(f"{name} must be an integer from {low} to {high}.")
    return int(raw)


def _time_arg(args: Mapping[str, str], name: str) -> float | None:
    raw = args.get(name)
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING).timestamp()
    except ValueError:
        raise invalid(f"{name} must be written YYYYMMDDhhmmss (Beijing time), got {raw!r}.") from None


def multipart(content_type: str, body: bytes) -> UploadForm:
    """Form fields and files of a multipart/form-data body. Split by hand on the boundary: the email
    parser walks binary data line by line and takes seconds on a large upload full of newline bytes."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not content_type.lower().startswith("multipart/form-data") or not match:
        raise ApiError(400, "InvalidArgument", "The upload must be a multipart/form-data POST.")
    delimiter = b"--" + match[1].encode()
    fields: dict[str, str] = {}
    files: dict[str, tuple[bytes, str]] = {}
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        head, separator, payload = chunk.partition(b"\r\n\r\n")
        if not separator:
            continue
        payload = payload[:-2] if payload.endswith(b"\r\n") else payload
        headers = email.parser.BytesHeaderParser(policy=email.policy.HTTP).parsebytes(head.lstrip(b"\r\n"))
        name = headers.get_param("name", header="content-disposition")
        if not name:
            continue
        if headers.get_param("filename", header="content-disposition") is not None:
            files[str(name)] = (payload, headers.get_content_type())
        else:
            fields[str(name)] = payload.decode("utf-8", "replace")
    return UploadForm(fields, files)


_WORKSPACE_PATH = re.compile(r"^/ws/([a-z0-9][a-z0-9-]{2,62})/([a-z0-9-]{2,32})(/api/v1(?:/.*)?)$")
_WORKSPACE_HOST = re.compile(r"^([a-z0-9][a-z0-9-]{2,62})\.([a-z0-9-]{2,32})\.maas\.aliyuncs\.com(?::\d+)?$")


def workspace_route(path: str, host: str | None) -> tuple[str, str]:
    """(the API path, the workspace id) of a request made the workspace-host way (contract 12.1.2):
    ``/ws/{WorkspaceId}/{region}/api/v1/...`` on loopback stands in for ``{WorkspaceId}.{region}.maas...``
    (which cannot resolve here), and a request carrying that Host header is taken as it is."""
    found = _WORKSPACE_PATH.match(path)
    if found:
        return found.group(3), found.group(1)
    by_host = _WORKSPACE_HOST.match((host or "").lower())
    return path, by_host.group(1) if by_host else ""
