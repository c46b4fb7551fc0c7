"""The DashScope-compatible HTTP server on loopback (stdlib ``http.server``, HTTP/1.1 keep-alive).

Routes: the service's API under ``/api/v1/`` (create on both synthesis paths, query, cancel, list,
getPolicy); a fake OSS form endpoint at ``/oss``; signed result links at ``/results/<task>.mp4``;
admin endpoints under ``/_sim/`` (tasks, requests, faults, clock). See the package docstring.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import hmac
import json
import logging
import re
import secrets
import socket
import tempfile
import threading
import time
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

from ..core.dashscope.catalog import Endpoint, find_model
from . import errors as e
from .errors import ApiError, invalid
from .faults import Fault, FaultBook
from .limits import RateWindow
from .media import Sources
from .render import Renderer
from .tasks import BEIJING, Task, TaskStore, format_time, usage
from .uploads import POLICY_SECONDS, UploadStore
from .validation import check_endpoint, plan_create

_log = logging.getLogger(__name__)
DEMO_KEY = "sk-demo"
LINK_LIFETIME = 24 * 3600  # result links, before the time scale
_CREATE_PATHS = {
    "/services/aigc/video-generation/video-synthesis": Endpoint.VIDEO_SYNTHESIS,
    "/services/aigc/image2video/video-synthesis": Endpoint.IMAGE2VIDEO,
}
_TASK_PATH = re.compile(r"^/tasks/(?P<id>[^/]+)$")
_CANCEL_PATH = re.compile(r"^/tasks/(?P<id>[^/]+)/cancel$")
_RESULT_PATH = re.compile(r"^/results/(?P<id>[0-9a-fA-F-]{36})\.mp4$")
_RANGE = re.compile(r"^bytes=(?P<start>\d*)-(?P<end>\d*)$")
_MAX_BODY = 1024 * 1024 * 1024 + 1024 * 1024  # an upload of the 1 GB maximum plus its form fields
_STATUSES = ("PENDING", "RUNNING", "SUCCEEDED", "FAILED", "CANCELED")


class _Drop(Exception):
    """Close the connection without a reply."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler, sim: "SimulatorServer") -> None:
        self.sim = sim
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request, client_address):
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake handler threads idling on keep-alive sockets, so stop() leaves nothing behind."""
        with self.connections_lock:
            open_ones = list(self.connections)
        for connection in open_ones:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SimulatorServer:
    """A DashScope Wan image-to-video service on loopback. Use as a context manager or start()/stop()."""

    def __init__(
        self,
        api_keys: Iterable[str] | None = None,
        time_scale: float = 1.0,
        data_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        unknown_model_status: int = 400,
        truncate_negative_prompt: bool = True,
        enforce_limits: bool = True,
        query_qps: float = 20.0,
        render_workers: int = 2,
        faults: list[dict] | None = None,
        rate_clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self.api_keys = frozenset(api_keys) if api_keys else frozenset({DEMO_KEY})
        self.time_scale = float(time_scale)
        self._own_tmp = None
        if data_dir is None:
            self._own_tmp = tempfile.TemporaryDirectory(prefix="wan-sim-")
            data_dir = self._own_tmp.name
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.unknown_model_status = unknown_model_status
        self.truncate_negative_prompt = truncate_negative_prompt
        self.enforce_limits = enforce_limits
        self.query_qps = query_qps
        self._secret = secrets.token_bytes(32)
        self._offset = 0.0
        self._clock_lock = threading.Lock()
        self._store = TaskStore(self.time_scale)
        self._uploads = UploadStore(self.data_dir / "uploads", self._secret, self.time_scale)
        self._faults = FaultBook()
        if faults:
            self._faults.add(faults)
        self._submits = RateWindow(rate_clock)
        self._queries = RateWindow(rate_clock)
        self._requests: list[dict] = []
        self._requests_lock = threading.Lock()
        self._render_workers = render_workers
        self._renderer: Renderer | None = None
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._host, self._port = host, port

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self) -> "SimulatorServer":
        self._renderer = Renderer(self.data_dir / "results", self._render_workers)
        self._httpd = _Server((self._host, self._port), _Handler, self)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="wan-sim-http", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        if self._renderer is not None:
            self._renderer.shutdown()
        self._httpd = self._thread = None
        if self._own_tmp is not None:
            self._own_tmp.cleanup()

    def __enter__(self) -> "SimulatorServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- public helpers ----------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def root_url(self) -> str:
        host = "127.0.0.1" if self._host in ("0.0.0.0", "") else self._host
        return f"http://{host}:{self._port}"

    @property
    def base_url(self) -> str:
        return self.root_url + "/api/v1"

    def now(self) -> float:
        """The simulator's clock (wall clock plus whatever advance() added), epoch seconds."""
        with self._clock_lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._clock_lock:
            self._offset += float(seconds)

    def add_faults(self, faults: list[dict]) -> None:
        self._faults.add(faults)

    def tasks(self) -> list[dict]:
        now = self.now()
        return [self._admin_task(task, now) for task in self._store.all()]

    def requests(self) -> list[dict]:
        with self._requests_lock:
            return [dict(r) for r in self._requests]

    def clear_requests(self) -> None:
        with self._requests_lock:
            self._requests.clear()

    # -- internals used by the handler ---------------------------------------------------------------
    def _record(self, entry: dict) -> None:
        with self._requests_lock:
            self._requests.append(entry)

    def _admin_task(self, task: Task, now: float) -> dict:
        with self._store.lock:
            status = task.status(now)
            if task.expired(now, self.time_scale):
                status = "EXPIRED"
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
            "create_request_count": task.create_request_count,
            "size": [plan.render.width, plan.render.height],
            "failure": list(task.failure) if task.failure else None,
            "created_at": task.created_at,
        }

    def _sign(self, task_id: str, expires: int) -> str:
        digest = hmac.new(self._secret, f"{task_id}\n{expires}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    def _video_url(self, task: Task, root: str) -> str:
        assert task.end is not None
        expires = int(task.end + LINK_LIFETIME * self.time_scale)
        return (
            f"{root}/results/{task.task_id}.mp4?Expires={expires}&OSSAccessKeyId=LTAI-simulator"
            f"&Signature={self._sign(task.task_id, expires)}"
        )

    def _check_link(self, task_id: str, query: dict[str, list[str]]) -> Task:
        """The task behind a signed result link, or ApiError (OSS-style 403/404)."""
        expires_raw = (query.get("Expires") or [""])[0]
        signature = (query.get("Signature") or [""])[0]
        if not expires_raw.isdigit() or not signature:
            raise ApiError(403, "AccessDenied", "Anonymous access is forbidden for this operation.")
        if not hmac.compare_digest(signature, self._sign(task_id, int(expires_raw))):
            raise ApiError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
        if self.now() > int(expires_raw):
            raise ApiError(403, "AccessDenied", "Request has expired.")
        task = next((t for t in self._store.all() if t.task_id == task_id), None)
        if task is None or not task.render.done() or task.render.cancelled() or task.render.exception() is not None:
            raise ApiError(404, "NoSuchKey", "The specified key does not exist.")
        return task

    def _own_file(self, path_and_query: str) -> bytes | None:
        parts = urlsplit(path_and_query)
        match = _RESULT_PATH.match(parts.path)
        if not match:
            return None
        try:
            task = self._check_link(match["id"], parse_qs(parts.query))
        except ApiError:
            return None
        return Path(task.render.result()).read_bytes()

    def _own_netlocs(self) -> frozenset[str]:
        return frozenset({f"127.0.0.1:{self._port}", f"localhost:{self._port}", f"{self._host}:{self._port}"})


def _xml_error(error: ApiError, request_id: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n'
        f"  <Code>{escape(error.code)}</Code>\n  <Message>{escape(error.message)}</Message>\n"
        f"  <RequestId>{request_id}</RequestId>\n  <HostId>127.0.0.1</HostId>\n</Error>\n"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wan-simulator/1.0"
    timeout = 60
    server: _Server

    # quiet: the request log lives in the simulator's own record
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- plumbing ----------------------------------------------------------------------------------
    @property
    def sim(self) -> SimulatorServer:
        return self.server.sim

    def _dispatch(self, method: str) -> None:
        self.request_id = str(uuid.uuid4())
        self.status_sent: int | None = None
        self.xml_errors = False
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query, keep_blank_values=True)
        self.route_path, self.route_query, self.recorded = path, query, False
        raw_length = self.headers.get("Content-Length") or "0"
        length = int(raw_length) if raw_length.isdigit() else 0
        self.body = self.rfile.read(length) if 0 < length <= _MAX_BODY else b""
        try:
            if length > _MAX_BODY:
                self.close_connection = True  # the unread body makes the connection unusable
                raise ApiError(400, "BadRequest.TooLarge", "The request is too large.")
            if path.startswith("/api/v1/") or path == "/api/v1":
                self._api(method, path[len("/api/v1") :], query)
            elif path in ("/oss", "/oss/"):
                self.xml_errors = True
                self._oss_post(method)
            elif path.startswith("/results/"):
                self.xml_errors = True
                self._download(method, path, query)
            elif path.startswith("/_sim/"):
                self._admin(method, path)
            else:
                raise ApiError(404, "NotFound", "Not found.")
        except ApiError as error:
            self._send_error(error)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-reply; nothing left to tell it
        except _Drop:
            self._record(None)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        except Exception as error:  # a simulator bug still answers like the service's 500
            _log.exception("simulator error on %s %s", method, path)
            self._send_error(ApiError(500, "InternalError", f"simulator error: {error!r}"))
        finally:
            self._record(None)  # a dropped connection: recorded without a status

    def _record(self, status: int | None) -> None:
        """Log this request once, before its reply goes out (so a client that has the reply finds it)."""
        if self.recorded or self.route_path.startswith("/_sim/"):
            return
        self.recorded = True
        self.sim._record(
            {
                "method": self.command,
                "path": self.route_path,
                "query": {k: v[0] for k, v in self.route_query.items()},
                "has_auth": bool(self.headers.get("Authorization")),
                "status": status,
                "time": time.time(),
            }
        )

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.status_sent = status
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self._send(status, body, "application/json;charset=UTF-8", headers)

    def _send_error(self, error: ApiError) -> None:
        if self.xml_errors:
            self._send(error.status, _xml_error(error, self.request_id), "application/xml", error.headers)
        else:
            payload = {"request_id": self.request_id, "code": error.code, "message": error.message}
            self._json(error.status, payload, error.headers)

    def _apply_fault(self, kind: str) -> Fault | None:
        """Act on the next fault for this kind of request; returns it when the caller must finish it."""
        fault = self.sim._faults.take(kind)
        if fault is None:
            return None
        if fault.action == "drop":
            raise _Drop()
        if fault.action == "delay":
            self.sim._stopping.wait(fault.seconds)
            return None
        if fault.action in ("drop_after_commit", "truncate"):
            return fault
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
        raise ApiError(fault.status or 500, fault.code, fault.message, headers=headers)

    def _api_key(self) -> str:
        header = self.headers.get("Authorization") or ""
        key = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else header.strip()
        if not key:
            raise ApiError(401, "InvalidApiKey", e.NO_KEY)
        if key not in self.sim.api_keys:
            raise ApiError(401, "InvalidApiKey", e.BAD_KEY)
        return key

    def _root(self) -> str:
        host = self.headers.get("Host")
        return f"http://{host}" if host else self.sim.root_url

    # -- /api/v1 -----------------------------------------------------------------------------------
    def _api(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        if path in _CREATE_PATHS:
            if method != "POST":
                raise invalid(f"Request method '{method}' is not supported.")
            fault = self._apply_fault("create")
            self._create(_CREATE_PATHS[path], fault)
        elif path == "/tasks" and method == "GET":
            self._apply_fault("list")
            self._list(query)
        elif (match := _TASK_PATH.match(path)) and method == "GET":
            self._apply_fault("query")
            self._query(match["id"])
        elif (match := _CANCEL_PATH.match(path)) and method == "POST":
            self._apply_fault("cancel")
            self._cancel(match["id"])
        elif path == "/uploads" and method == "GET":
            self._apply_fault("policy")
            self._policy(query)
        else:
            raise invalid(e.URL_ERROR)

    def _create(self, endpoint: Endpoint, fault: Fault | None) -> None:
        sim = self.sim
        key = self._api_key()
        if (self.headers.get("X-DashScope-Async") or "").lower() != "enable":
            raise ApiError(403, "AccessDenied", e.SYNC_REFUSED)
        try:
            body = json.loads(self.body or b"null")
        except ValueError:
            raise invalid("The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise invalid("The request body must be a JSON object.")
        model_name = body.get("model")
        if not isinstance(model_name, str) or not model_name:
            raise invalid("Required parameter(model) missing or invalid, please check the request parameters.")
        spec = find_model(model_name)
        if spec is None:
            if sim.unknown_model_status == 404:
                raise ApiError(404, "ModelNotFound", "Model can not be found.")
            raise invalid("Model not exist.")
        check_endpoint(spec, endpoint)
        limits = spec.rate_limits
        if sim.enforce_limits and not sim._submits.allow((key, spec.key), limits.submit_per_second):
            raise ApiError(429, "Throttling.RateQuota", e.RATE_QUOTA)
        now = sim.now()
        sources = Sources(
            uploads=sim._uploads,
            model_key=spec.key,
            api_key=key,
            now=now,
            oss_enabled=(self.headers.get("X-DashScope-OssResourceResolve") or "").lower() == "enable",
            own_netlocs=sim._own_netlocs(),
            own_file=sim._own_file,
        )
        plan = plan_create(spec, model_name, body, sources, truncate_negative=sim.truncate_negative_prompt)
        with sim._store.lock:
            if sim.enforce_limits and sim._store.in_flight(key, spec.key, now) >= limits.concurrent_tasks:
                raise ApiError(
                    429, "Throttling.RateQuota", f"{e.RATE_QUOTA} ({limits.concurrent_tasks} tasks of {spec.key} already in progress)"
                )
            assert sim._renderer is not None
            task = sim._store.add(key, self.request_id, plan, now, sim._renderer.submit(plan.render))
            task.render.add_done_callback(lambda _done, task=task: task.mark_rendered(sim.now()))
            task_fault = sim._faults.take("task")
            if task_fault is not None:
                task.failure = (task_fault.fail_code, task_fault.fail_message)
        if fault is not None and fault.action == "drop_after_commit":
            raise _Drop()
        self._json(200, {"request_id": self.request_id, "output": {"task_id": task.task_id, "task_status": "PENDING"}})

    def _query(self, task_id: str) -> None:
        sim = self.sim
        key = self._api_key()
        if sim.enforce_limits and not sim._queries.allow(key, sim.query_qps):
            raise ApiError(429, "Throttling.RateQuota", e.RATE_QUOTA)
        now = sim.now()
        with sim._store.lock:
            task = sim._store.get(task_id, key, now)
            if task is None:
                self._json(200, {"request_id": self.request_id, "output": {"task_id": task_id, "task_status": "UNKNOWN"}})
                return
            status = task.status(now)
            output: dict[str, Any] = {"task_id": task.task_id, "task_status": status, "submit_time": format_time(task.created_at)}
            if status != "PENDING" and not (status == "CANCELED" and task.canceled_at < task.scheduled_at):
                output["scheduled_time"] = format_time(task.scheduled_at)
            payload: dict[str, Any] = {"request_id": self.request_id, "output": output}
            if status == "CANCELED":
                output["end_time"] = format_time(task.canceled_at)
            elif status in ("SUCCEEDED", "FAILED"):
                output["end_time"] = format_time(task.end)
            if status == "FAILED":
                output["code"], output["message"] = task.failure
            if status == "SUCCEEDED":
                plan = task.plan
                output["orig_prompt"] = plan.prompt
                if plan.spec.returns_actual_prompt and plan.prompt_extend:
                    output["actual_prompt"] = _rewritten(plan.prompt)
                output["video_url"] = sim._video_url(task, self._root())
                payload["usage"] = usage(plan)
        self._json(200, payload)

    def _cancel(self, task_id: str) -> None:
        sim = self.sim
        key = self._api_key()
        now = sim.now()
        with sim._store.lock:
            task = sim._store.get(task_id, key, now)
            if task is None or task.status(now) != "PENDING":
                raise ApiError(400, "UnsupportedOperation", e.CANCEL_REFUSED)
            # The render is left alone: identical jobs share one cached render, which another task may need.
            task.canceled_at = now
        self._json(200, {"request_id": self.request_id})

    def _list(self, query: dict[str, list[str]]) -> None:
        sim = self.sim
        key = self._api_key()
        arg = {name: values[0] for name, values in query.items()}
        page_no = _int_arg(arg, "page_no", 1, 1, 10**6)
        page_size = _int_arg(arg, "page_size", 10, 1, 100)
        start = _time_arg(arg, "start_time")
        end = _time_arg(arg, "end_time")
        status = arg.get("status")
        if status is not None and status not in _STATUSES:
            raise invalid(f"status must be one of {', '.join(_STATUSES)}.")
        now = sim.now()
        rows = []
        with sim._store.lock:
            for task in sorted(sim._store.all(), key=lambda t: t.created_at, reverse=True):
                if task.api_key != key or sim._store.get(task.task_id, key, now) is None:
                    continue
                state = task.status(now)
                if (status and state != status) or ("model_name" in arg and task.plan.model_name != arg["model_name"]):
                    continue
                if ("task_id" in arg and task.task_id != arg["task_id"]) or (start and task.created_at < start):
                    continue
                if end and task.created_at > end:
                    continue
                rows.append((_list_item(task, state, key), _v2_list_item(task, state)))
        total = len(rows)
        page = rows[(page_no - 1) * page_size : page_no * page_size]
        self._json(
            200,
            {
                "request_id": self.request_id,
                "total": total,
                "data": [item for item, _ in page],
                "tasks": [item for _, item in page],
                "total_page": (total + page_size - 1) // page_size,
                "page_no": page_no,
                "page_size": page_size,
            },
        )

    def _policy(self, query: dict[str, list[str]]) -> None:
        sim = self.sim
        key = self._api_key()
        if (query.get("action") or [""])[0] != "getPolicy":
            raise invalid("Required parameter(action) missing or invalid, please check the request parameters.")
        model_name = (query.get("model") or [""])[0]
        spec = find_model(model_name)
        if spec is None:
            raise invalid("Model not exist." if model_name else "Required parameter(model) missing or invalid, please check the request parameters.")
        policy = sim._uploads.issue(key, spec.key, sim.now())
        data = {
            "policy": policy.policy,
            "signature": policy.signature,
            "upload_dir": policy.upload_dir,
            "upload_host": self._root() + "/oss",
            "expire_in_seconds": POLICY_SECONDS,
            "max_file_size_mb": 1024,
            "capacity_limit_mb": 999999999,
            "oss_access_key_id": "LTAI-simulator",
            "x_oss_object_acl": "private",
            "x_oss_forbid_overwrite": "true",
        }
        self._json(200, {"request_id": self.request_id, "data": data})

    # -- fake OSS ----------------------------------------------------------------------------------
    def _oss_post(self, method: str) -> None:
        sim = self.sim
        if method != "POST":
            raise ApiError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        self._apply_fault("oss_post")
        fields, files = _multipart(self.headers.get("Content-Type") or "", self.body)
        policy = sim._uploads.policy(fields.get("policy", ""))
        if policy is None or not hmac.compare_digest(fields.get("Signature", ""), policy.signature):
            raise ApiError(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
        if sim.now() > policy.expires_at:
            raise ApiError(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        object_key = fields.get("key", "")
        if not object_key.startswith(policy.upload_dir + "/") or object_key == policy.upload_dir + "/":
            raise ApiError(403, "AccessDenied", f'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "{policy.upload_dir}"]')
        if "file" not in files:
            raise ApiError(400, "InvalidArgument", "The file field is missing from the form.")
        if fields.get("x-oss-forbid-overwrite") == "true" and sim._uploads.exists(object_key):
            raise ApiError(409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten.")
        content_type = fields.get("x-oss-content-type") or files["file"][1]
        sim._uploads.store(policy, object_key, files["file"][0], content_type, sim.now())
        status = int(fields.get("success_action_status") or 204)
        self._send(status if status in (200, 201, 204) else 204, b"", "application/xml", {"ETag": '"sim"'})

    # -- result files ------------------------------------------------------------------------------
    def _download(self, method: str, path: str, query: dict[str, list[str]]) -> None:
        if method not in ("GET", "HEAD"):
            raise ApiError(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        match = _RESULT_PATH.match(path)
        if not match:
            raise ApiError(404, "NoSuchKey", "The specified key does not exist.")
        fault = self._apply_fault("download")
        task = self.sim._check_link(match["id"], query)
        file_path = Path(task.render.result())
        size = file_path.stat().st_size
        start, end, status = 0, size - 1, 200
        requested = self.headers.get("Range")
        if requested:
            start, end = _byte_range(requested, size)
            status = 206
        headers = {"Accept-Ranges": "bytes", "ETag": f'"{file_path.stem[:32]}"', "Last-Modified": self.date_time_string(int(file_path.stat().st_mtime))}
        if status == 206:
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        length = end - start + 1
        self.status_sent = status
        self._record(status)
        self.send_response(status)
        self.send_header("Content-Type", "video/mp4")
        self.send_header("Content-Length", str(length))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if method == "HEAD":
            return
        send = length // 2 if fault is not None and fault.action == "truncate" else length
        with file_path.open("rb") as handle:
            handle.seek(start)
            while send > 0:
                chunk = handle.read(min(send, 256 * 1024))
                if not chunk:
                    break
                self.wfile.write(chunk)
                send -= len(chunk)
        if fault is not None:
            self.wfile.flush()
            raise _Drop()

    # -- admin -------------------------------------------------------------------------------------
    def _admin(self, method: str, path: str) -> None:
        sim = self.sim
        if path == "/_sim/tasks" and method == "GET":
            self._json(200, {"tasks": sim.tasks()})
        elif path == "/_sim/requests" and method == "GET":
            self._json(200, {"requests": sim.requests()})
        elif path == "/_sim/requests" and method == "DELETE":
            sim.clear_requests()
            self._json(200, {"cleared": True})
        elif path == "/_sim/faults" and method == "POST":
            payload = _json_object(self.body)
            try:
                sim.add_faults(payload.get("faults") or [])
            except ValueError as error:
                raise invalid(str(error)) from None
            self._json(200, {"pending": sim._faults.pending()})
        elif path == "/_sim/faults" and method == "GET":
            self._json(200, {"pending": sim._faults.pending()})
        elif path == "/_sim/clock" and method == "POST":
            seconds = _json_object(self.body).get("advance_seconds")
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
                raise invalid("advance_seconds must be a number >= 0.")
            sim.advance(seconds)
            self._json(200, {"now": sim.now()})
        else:
            raise ApiError(404, "NotFound", "Not found.")


def _rewritten(prompt: str) -> str:
    base = prompt.strip() or "The scene comes to life"
    return f"{base}. The camera drifts slowly; soft natural light, gentle motion, consistent details."


def _list_item(task: Task, state: str, key: str) -> dict:
    def ms(moment: float | None) -> int | None:
        return None if moment is None else int(moment * 1000)

    account = hashlib.sha256(key.encode()).hexdigest()
    item = {
        "api_key_id": str(int(account[:8], 16)),
        "caller_parent_id": str(int(account[8:18], 16)),
        "caller_uid": str(int(account[8:18], 16)),
        "gmt_create": ms(task.created_at),
        "model_name": task.plan.model_name,
        "region": "cn-beijing",
        "request_id": task.request_id,
        "status": state,
        "task_id": task.task_id,
        "user_api_unique_key": f"apikey:v1:aigc:video-generation:{task.plan.model_name}",
    }
    if state != "PENDING" and task.canceled_at is None:
        item["start_time"] = ms(task.scheduled_at)
    ended = _ended_at(task, state)
    if ended is not None:
        item["end_time"] = ms(ended)
    return item


def _v2_list_item(task: Task, state: str) -> dict:
    """The same task as SDK v2 reads a list entry: under "tasks", with query-style string times (its
    parser refuses the epoch-millisecond numbers of the "data" entries the real service was seen to send)."""
    item = {
        "task_id": task.task_id,
        "task_status": state,
        "model_name": task.plan.model_name,
        "request_id": task.request_id,
        "submit_time": format_time(task.created_at),
    }
    if state != "PENDING" and task.canceled_at is None:
        item["scheduled_time"] = format_time(task.scheduled_at)
    ended = _ended_at(task, state)
    if ended is not None:
        item["end_time"] = format_time(ended)
    return item


def _ended_at(task: Task, state: str) -> float | None:
    return task.canceled_at if state == "CANCELED" else task.end if state in ("SUCCEEDED", "FAILED") else None


def _int_arg(args: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid(f"{name} must be an integer from {low} to {high}.")
    return int(raw)


def _time_arg(args: dict[str, str], name: str) -> float | None:
    raw = args.get(name)
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING).timestamp()
    except ValueError:
        raise invalid(f"{name} must be written YYYYMMDDhhmmss (Beijing time), got {raw!r}.") from None


def _byte_range(header: str, size: int) -> tuple[int, int]:
    match = _RANGE.match(header.strip())
    unsatisfiable = ApiError(416, "InvalidRange", "The requested range is not satisfiable.", headers={"Content-Range": f"bytes */{size}"})
    if not match or (not match["start"] and not match["end"]):
        raise unsatisfiable
    if not match["start"]:
        suffix = int(match["end"])
        if suffix == 0:
            raise unsatisfiable
        return max(size - suffix, 0), size - 1
    start = int(match["start"])
    end = int(match["end"]) if match["end"] else size - 1
    if start >= size or end < start:
        raise unsatisfiable
    return start, min(end, size - 1)


def _json_object(body: bytes) -> dict:
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        raise invalid("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise invalid("The request body must be a JSON object.")
    return payload


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, str], dict[str, tuple[bytes, str]]]:
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
            files[name] = (payload, headers.get_content_type())
        else:
            fields[name] = payload.decode("utf-8", "replace")
    return fields, files


__all__ = ["SimulatorServer", "DEMO_KEY"]
