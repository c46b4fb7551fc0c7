"""The HTTP side of the simulator: each route parses the request, calls the service (``service.py``) and
writes the reply in the service's wire format (``wire.py``). Injected faults that live on the transport
(dropped connections, delays, HTML pages, redirects, lying downloads) are acted out here.

Routes: the API under ``/api/v1/`` (create on both synthesis paths, query, cancel, list, getPolicy); the fake
OSS form endpoint at ``/oss``; signed result links at ``/results/<task>.mp4``; admin under ``/_sim/``.
"""

from __future__ import annotations

import json
import logging
import re
import socket
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..core.dashscope.catalog import Endpoint
from . import errors as e
from . import wire
from .downloads import send_result
from .errors import ApiError, invalid
from .faults import Fault
from .links import RESULT_PATH
from .service import json_object
from .views import CreateCall

if TYPE_CHECKING:
    from .server import SimulatorServer, _Server

_log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024 * 1024 + 1024 * 1024  # an upload of the 1 GB maximum plus its form fields
_CREATE_PATHS = {
    "/services/aigc/video-generation/video-synthesis": Endpoint.VIDEO_SYNTHESIS,
    "/services/aigc/image2video/video-synthesis": Endpoint.IMAGE2VIDEO,
}
_TASK_PATH = re.compile(r"^/tasks/(?P<id>[^/]+)$")
_CANCEL_PATH = re.compile(r"^/tasks/(?P<id>[^/]+)/cancel$")
_NOT_ALLOWED = ("MethodNotAllowed", "The specified method is not allowed against this resource.")


class Drop(Exception):
    """Close the connection without a reply."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wan-simulator/1.0"
    timeout = 60
    server: _Server  # the only server this handler is made for (server.py), which holds the simulator

    # quiet: the request log lives in the simulator's own record
    def log_message(self, format: str, *args: Any) -> None:
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
        self.xml_errors = False
        parts = urlsplit(self.path)
        path, self.workspace = wire.workspace_route(parts.path, self.headers.get("Host"))
        query = parse_qs(parts.query, keep_blank_values=True)
        self.route_path, self.route_query, self.recorded = path, query, False
        raw_length = self.headers.get("Content-Length") or "0"
        length = int(raw_length) if raw_length.isdigit() else 0
        self.body = self.rfile.read(length) if 0 < length <= MAX_BODY else b""
        try:
            if length > MAX_BODY:
                self.close_connection = True  # the unread body makes the connection unusable
                raise ApiError(400, "BadRequest.TooLarge", "The request is too large.")
            self._route(method, path, {name: values[0] for name, values in query.items()})
        except ApiError as error:
            self._send_error(error)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away mid-reply; nothing left to tell it
        except Drop:
            self._drop()
        except Exception as error:  # a simulator bug still answers like the service's 500
            _log.exception("simulator error on %s %s", method, path)
            self._send_error(ApiError(500, "InternalError", f"simulator error: {error!r}"))
        finally:
            self.record(None)  # a dropped connection: recorded without a status

    def _route(self, method: str, path: str, args: dict[str, str]) -> None:
        if path.startswith("/api/v1/") or path == "/api/v1":
            self._api(method, path[len("/api/v1") :], args)
        elif path in ("/oss", "/oss/"):
            self.xml_errors = True
            self._oss_post(method)
        elif path.startswith("/results/"):
            self.xml_errors = True
            self._download(method, path, args)
        elif path.startswith("/_sim/"):
            self._admin(method, path)
        else:
            raise ApiError(404, "NotFound", "Not found.")

    def _drop(self) -> None:
        self.record(None)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def record(self, status: int | None) -> None:
        """Log this request once, before its reply goes out (so a client that has the reply finds it)."""
        if self.recorded or self.route_path.startswith("/_sim/"):
            return
        self.recorded = True
        self.sim.record_request(
            {
                "method": self.command,
                "path": self.route_path,
                "query": {k: v[0] for k, v in self.route_query.items()},
                "has_auth": bool(self.headers.get("Authorization")),
                "status": status,
                "time": time.time(),
            }
        )

    def send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.record(status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        self.send(status, json.dumps(payload, ensure_ascii=False).encode(), wire.JSON_TYPE, headers)

    def _send_error(self, error: ApiError) -> None:
        if self.xml_errors:
            self.send(error.status, wire.xml_error(error, self.request_id), "application/xml", error.headers)
        else:
            self._json(error.status, wire.error_payload(error, self.request_id), error.headers)

    def _apply_fault(self, kind: str) -> Fault | None:
        """Act on the next fault for this kind of request; returns it when the route must finish it."""
        fault = self.sim.service.faults.take(kind)
        if fault is None:
            return None
        if fault.action == "drop":
            raise Drop()
        if fault.action == "delay":
            self.sim.stopping.wait(fault.seconds)
            return None
        if fault.action == "non_json_200":
            self.send(200, wire.NOT_JSON, "text/plain;charset=UTF-8")
            raise _Answered()
        if fault.action is not None:
            return fault
        headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else None
        raise ApiError(fault.status or 500, fault.code, fault.message, headers=headers)

    def _api_key(self) -> str:
        return self.sim.service.authenticate(self.headers.get("Authorization") or "")

    def _root(self) -> str:
        host = self.headers.get("Host")
        if self.workspace and host and host.endswith(".maas.aliyuncs.com"):
            return self.sim.root_url  # that host cannot be reached here: result links point at loopback
        return f"http://{host}" if host else self.sim.root_url

    # -- /api/v1 -----------------------------------------------------------------------------------
    def _api(self, method: str, path: str, args: dict[str, str]) -> None:
        try:
            self._api_route(method, path, args)
        except _Answered:
            return

    def _api_route(self, method: str, path: str, args: dict[str, str]) -> None:
        service = self.sim.service
        if path in _CREATE_PATHS:
            if method != "POST":
                raise invalid(f"Request method '{method}' is not supported.")
            self._create(_CREATE_PATHS[path], self._apply_fault("create"))
        elif path == "/tasks" and method == "GET":
            self._apply_fault("list")
            key = self._api_key()
            page = service.list_tasks(key, wire.list_query(args))
            self._json(200, wire.list_payload(page, self.request_id, service.account_id(key)))
        elif (match := _TASK_PATH.match(path)) and method == "GET":
            self._apply_fault("query")
            view = service.query(self._api_key(), match["id"], self._root())
            self._json(200, wire.query_payload(view, self.request_id))
        elif (match := _CANCEL_PATH.match(path)) and method == "POST":
            self._apply_fault("cancel")
            service.cancel(self._api_key(), match["id"])
            self._json(200, {"request_id": self.request_id})
        elif path == "/uploads" and method == "GET":
            self._apply_fault("policy")
            self._policy(args)
        else:
            raise invalid(e.URL_ERROR)

    def _create(self, endpoint: Endpoint, fault: Fault | None) -> None:
        action = fault.action if fault is not None else None
        if action == "gateway_502_html":
            return self.send(502, wire.HTML_502, "text/html")
        if action == "redirect_307":
            assert fault is not None
            return self.send(307, b"", "text/html", {"Location": fault.location})
        if action == "html_200" and not (fault is not None and fault.commit):
            return self.send(200, wire.HTML_PORTAL, "text/html;charset=utf-8")
        call = CreateCall(
            api_key=self._api_key(),
            endpoint=endpoint,
            body=self.body,
            request_id=self.request_id,
            async_call=(self.headers.get("X-DashScope-Async") or "").lower() == "enable",
            oss_resolve=(self.headers.get("X-DashScope-OssResourceResolve") or "").lower() == "enable",
        )
        view = self.sim.service.create(call)
        if action == "drop_after_commit":
            raise Drop()
        if action == "html_200":
            return self.send(200, wire.HTML_PORTAL, "text/html;charset=utf-8")
        self._json(200, wire.created_payload(view, self.request_id))

    def _policy(self, args: dict[str, str]) -> None:
        key = self._api_key()
        if args.get("action") != "getPolicy":
            raise invalid("Required parameter(action) missing or invalid, please check the request parameters.")
        grant = self.sim.service.policy(key, args.get("model", ""), self._root() + "/oss")
        self._json(200, wire.policy_payload(grant, self.request_id))

    # -- fake OSS and result files -----------------------------------------------------------------
    def _oss_post(self, method: str) -> None:
        if method != "POST":
            raise ApiError(405, *_NOT_ALLOWED)
        self._apply_fault("oss_post")
        form = wire.multipart(self.headers.get("Content-Type") or "", self.body)
        status = self.sim.service.upload(form)
        self.send(status, b"", "application/xml", {"ETag": '"sim"'})

    def _download(self, method: str, path: str, args: dict[str, str]) -> None:
        if method not in ("GET", "HEAD"):
            raise ApiError(405, *_NOT_ALLOWED)
        match = RESULT_PATH.match(path)
        if not match:
            raise ApiError(404, "NoSuchKey", "The specified key does not exist.")
        fault = self._apply_fault("download")
        result = self.sim.service.result_file(match["id"], args, fault)
        if send_result(self, result):
            self.wfile.flush()
            raise Drop()

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
            try:
                sim.add_faults(json_object(self.body or b"{}").get("faults") or [])
            except ValueError as error:
                raise invalid(str(error)) from None
            self._json(200, {"pending": sim.service.faults.pending()})
        elif path == "/_sim/faults" and method == "GET":
            self._json(200, {"pending": sim.service.faults.pending()})
        elif path == "/_sim/clock" and method == "POST":
            seconds = json_object(self.body or b"{}").get("advance_seconds")
            if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
                raise invalid("advance_seconds must be a number >= 0.")
            sim.advance(seconds)
            self._json(200, {"now": sim.now()})
        else:
            raise ApiError(404, "NotFound", "Not found.")


class _Answered(Exception):
    """A fault already wrote the whole reply; the route has nothing left to do."""
