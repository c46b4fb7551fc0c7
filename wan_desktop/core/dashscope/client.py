"""The HTTP client for DashScope's asynchronous video tasks (create, query, cancel, list), the
temporary-upload flow, and result downloads.

Money safety: ``create`` never retries by itself, and every transport failure says whether the request may
have reached the service (NotSentError: surely not; AmbiguousNetworkError: maybe). Key safety: the key goes
only into the Authorization header of requests to the endpoint's base URL; uploads to the storage host and
video downloads use a second HTTP client that has no key at all.

Times: the task query returns "YYYY-MM-DD HH:mm:ss.SSS" strings without a zone; the service keeps Beijing
time (the documented examples are UTC+8), so a string without a zone is read as UTC+8 (``SERVICE_TZ``), also
for a custom base URL (the simulator follows the same rule). Strings carrying a zone keep it. The task list
uses epoch milliseconds, and its start/end filters are sent as Beijing-time ``YYYYMMDDhhmmss``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from wan_desktop.core.phrases import spaced

from ... import __version__
from .. import i18n
from ..i18n import _, format_number, format_seconds_value
from ..secrets import InvalidKeyError, check_key, scrub
from . import transfer
from .catalog import REGIONS, find_model
from .errors import (
    AmbiguousNetworkError,
    AuthError,
    DashScopeError,
    InvalidRequestError,
    LocalValidationError,
    NetworkError,
    NotSentError,
    Problem,
    ProtocolError,
    ServerError,
    ThrottledError,
)
from .inputs import content_type_for, resolve_media
from .keycheck import KeyCheck, KeyStatus
from .regions import ServiceEndpoint, Timeouts, is_loopback_host, workspace_problem
from .replies import (  # noqa: F401  (SERVICE_TZ, parse_*: re-exported, callers import them from here)
    SERVICE_TZ,
    error_from_response,
    number,
    parse_retry_after,
    parse_service_time,
    parse_task,
    parse_task_page,
    parse_usage,
    read_json,
    redirect_error,
)
from .requests import PreparedRequest, build_body, request_problems
from .transfer import DownloadResult, _storage_error
from .types import (
    CreatedTask,
    GenerationRequest,
    TaskInfo,
    TaskPage,
    TaskStatus,
)

log = logging.getLogger(__name__)

_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _scrubbed(error: DashScopeError, key: str) -> DashScopeError:
    """The same error with the key removed from every text of it (a reply or an exception may echo it)."""
    error.message = scrub(error.message, key)
    error.explanation = scrub(error.explanation, key)
    error.args = tuple(scrub(arg, key) if isinstance(arg, str) else arg for arg in error.args)
    return error


def _network_error(exc: httpx.HTTPError, what: str, *, idempotent: bool, key: str = "") -> NetworkError:
    """NotSentError when the request surely never left; AmbiguousNetworkError once it may have been sent.
    For reads (idempotent) an ambiguous failure is still safe to repeat, so the instance says retryable."""
    detail = scrub(f"{what}: {type(exc).__name__}: {exc}", key)
    if isinstance(exc, _NOT_SENT):
        return NotSentError(detail, code="NetworkError")
    error = AmbiguousNetworkError(detail, code="NetworkError")
    if idempotent:
        error.retryable = True
        error.explanation = _("The connection to the video service dropped; the app will ask again.")
    return error


# -- the client ------------------------------------------------------------------------------------------
class DashScopeClient:
    """One client per key and endpoint; safe to share between threads (httpx.Client is)."""

    def __init__(
        self,
        api_key: str,
        endpoint: ServiceEndpoint,
        *,
        timeouts: Timeouts = Timeouts(),
        transport: httpx.BaseTransport | None = None,
        user_agent: str = f"wan-desktop/{__version__}",
    ) -> None:
        if not api_key or not api_key.strip():
            raise InvalidKeyError(_("An API key is needed; enter it in Settings."))
        self._key = check_key(api_key)  # a bad key fails here, in words, before any request is built
        self.endpoint = endpoint
        timeout = httpx.Timeout(connect=timeouts.connect, read=timeouts.read, write=timeouts.write, pool=timeouts.pool)
        # Proxy settings from the environment serve people behind a company proxy; a loopback endpoint (the
        # simulator, a local relay) must not be sent through one.
        loopback = is_loopback_host(endpoint.host)
        make_client = functools.partial(
            httpx.Client,
            timeout=timeout,
            transport=transport,
            http1=True,
            http2=False,
            headers={"User-Agent": user_agent},
            trust_env=not loopback,
        )
        self._api = make_client(follow_redirects=False)
        # Storage host (uploads) and result downloads: never the key. Signed URLs may redirect.
        self._storage = make_client(follow_redirects=True)

    def __repr__(self) -> str:  # never the key
        return f"DashScopeClient(endpoint={self.endpoint.base_url!r}, region={self.endpoint.region.value})"

    def close(self) -> None:
        self._api.close()
        self._storage.close()

    def __enter__(self) -> DashScopeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- the API host ---------------------------------------------------------------------------------
    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json"}
        if self.endpoint.workspace:
            headers["X-DashScope-WorkSpace"] = self.endpoint.workspace
        return headers | dict(extra or {})

    def _call(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Mapping[str, Any]:
        """One request to the API host; the parsed JSON of a 200 reply, else the mapped error."""
        url = self.endpoint.base_url + path
        try:
            response = self._api.request(method, url, params=params, content=content, headers=self._headers(headers))
        except httpx.HTTPError as exc:
            raise _network_error(exc, f"{method} {path}", idempotent=idempotent, key=self._key) from None
        log.debug("%s %s -> %s", method, path, response.status_code)
        try:
            if 300 <= response.status_code < 400:
                raise redirect_error(response, idempotent=idempotent)
            if response.status_code != 200:
                raise error_from_response(response)
            return read_json(response, idempotent=idempotent)
        except DashScopeError as error:
            raise _scrubbed(error, self._key) from None

    def prepare(self, request: GenerationRequest) -> PreparedRequest:
        """Check the request locally, then turn its local files into URLs (data URLs or uploads)."""
        region = self.endpoint.region
        # The request's shape and its files' presence and lengths; the picture's content was checked with
        # the app's image check when the job was queued (core/request_checks.py), not again on every send.
        problems = request_problems(request, region, image_check=None)
        if problems:
            raise LocalValidationError(problems)
        spec = find_model(request.model)
        assert spec is not None  # request_problems names an unknown model
        refusal = workspace_problem(spec, self.endpoint)
        if refusal:
            raise LocalValidationError([Problem("workspace", "", refusal)])
        name = spec.request_name(region)
        urls = resolve_media(request, lambda path: self.upload_file(name, path))
        return build_body(request, region, urls)

    def create(self, prepared: PreparedRequest) -> CreatedTask:
        """Submit the task. Never retried here: a lost reply may still mean a task (and a charge)."""
        extra = {"Content-Type": "application/json", "X-DashScope-Async": "enable"}
        if prepared.oss_resolve:
            extra["X-DashScope-OssResourceResolve"] = "enable"
        body = self._call(
            "POST", prepared.path, idempotent=False, content=prepared.body_json.encode("utf-8"), headers=extra
        )
        output = body.get("output")
        output = output if isinstance(output, Mapping) else {}
        request_id = str(body.get("request_id") or "")
        task_id = output.get("task_id")
        if not isinstance(task_id, str) or not task_id:
            raise ProtocolError(
                _("the create reply has no task id, so the task cannot be followed"),
                code="Protocol",
                request_id=request_id,
                http_status=200,
            )
        status = TaskStatus.parse(output.get("task_status")) if output.get("task_status") else TaskStatus.PENDING
        return CreatedTask(task_id=task_id, status=status, request_id=request_id)

    def get_task(self, task_id: str) -> TaskInfo:
        body = self._call("GET", f"/tasks/{quote(task_id, safe='')}", idempotent=True)
        return parse_task(body, task_id)

    def cancel_task(self, task_id: str) -> str:
        """Cancel a PENDING task; the request id. A task already running gives InvalidRequestError
        with code UnsupportedOperation."""
        body = self._call("POST", f"/tasks/{quote(task_id, safe='')}/cancel", idempotent=True)
        return str(body.get("request_id") or "")

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
        params: dict[str, Any] = {"page_no": page_no, "page_size": page_size}
        if start is not None:
            params["start_time"] = _service_stamp(start)
        if end is not None:
            params["end_time"] = _service_stamp(end)
        if model_name:
            params["model_name"] = model_name
        if status is not None:
            params["status"] = status.value
        body = self._call("GET", "/tasks", idempotent=True, params=params)
        return parse_task_page(body, page_no, page_size)

    def check_key(self) -> KeyCheck:
        """One cheap authenticated call, to tell a wrong key from a network problem."""
        label = REGIONS[self.endpoint.region].label
        try:
            self._call("GET", "/tasks", idempotent=True, params={"page_no": 1, "page_size": 1})
        except AuthError as exc:
            reason = _service_words(exc, exc.message or exc.code)
            return KeyCheck(
                KeyStatus.INVALID, spaced(_("The key was refused by {region}: {reason}"), region=label, reason=reason)
            )
        except ThrottledError:
            return KeyCheck(
                KeyStatus.VALID,
                spaced(_("The key works in {region} (the service is busy right now)."), region=label),
                self.endpoint.region,
            )
        except (NetworkError, ServerError, ProtocolError) as exc:
            return KeyCheck(
                KeyStatus.UNREACHABLE,
                spaced(_("{region} could not be reached: {reason}"), region=label, reason=exc.explanation),
            )
        except DashScopeError as exc:
            reason = _service_words(exc, f"{exc.code} {exc.message}".strip())
            return KeyCheck(KeyStatus.INVALID, spaced(_("{region} answered: {reason}"), region=label, reason=reason))
        return KeyCheck(KeyStatus.VALID, spaced(_("The key works in {region}."), region=label), self.endpoint.region)

    # -- temporary uploads -----------------------------------------------------------------------------
    def upload_file(self, model_name: str, path: Path) -> str:
        """Put a local file in the temporary storage (48 h, bound to this account and model); its oss:// URL.
        Free, so a policy that expired on the way is simply fetched again once."""
        path = Path(path)
        for attempt in (1, 2):
            policy = self._upload_policy(model_name)
            try:
                return self._post_to_storage(policy, path)
            except InvalidRequestError as exc:
                if attempt == 2 or exc.http_status != 403:
                    raise
                log.info("upload policy refused (%s); fetching a new one", exc.code)
        raise AssertionError("unreachable")

    def _upload_policy(self, model_name: str) -> Mapping[str, Any]:
        body = self._call("GET", "/uploads", idempotent=True, params={"action": "getPolicy", "model": model_name})
        data = body.get("data")
        needed = ("policy", "signature", "upload_dir", "upload_host", "oss_access_key_id")
        if not isinstance(data, Mapping) or any(not data.get(k) for k in needed):
            raise ProtocolError(
                _("the upload policy reply lacks fields"),
                code="Protocol",
                request_id=str(body.get("request_id") or ""),
                http_status=200,
            )
        return data

    def _post_to_storage(self, policy: Mapping[str, Any], path: Path) -> str:
        size = path.stat().st_size
        limit_mb = number(policy.get("max_file_size_mb"))
        if limit_mb is not None and size > limit_mb * 1024 * 1024:
            raise LocalValidationError(
                [
                    Problem(
                        "file",
                        f"{path.name} ({format_number(size / 1048576, 1)} MB)",
                        _("temporary uploads may be at most {size} MB").format(size=format_seconds_value(limit_mb)),
                    )
                ]
            )
        key = f"{policy['upload_dir']}/{path.name}"
        content_type = content_type_for(path)
        fields = {
            "OSSAccessKeyId": str(policy["oss_access_key_id"]),
            "Signature": str(policy["signature"]),
            "policy": str(policy["policy"]),
            "key": key,
            "x-oss-object-acl": str(policy.get("x_oss_object_acl") or "private"),
            "x-oss-forbid-overwrite": str(policy.get("x_oss_forbid_overwrite") or "true"),
            "success_action_status": "200",
            "x-oss-content-type": content_type,
        }
        host = str(policy["upload_host"])
        if urlsplit(host).scheme not in ("http", "https"):
            raise ProtocolError(
                _("the upload host {host} is not an http(s) URL").format(host=repr(host)), code="Protocol"
            )
        try:
            with path.open("rb") as f:
                response = self._storage.post(host, data=fields, files={"file": (path.name, f, content_type)})
        except httpx.HTTPError as exc:
            raise _network_error(exc, "upload", idempotent=True) from exc
        if response.status_code not in (200, 201, 204):
            raise _storage_error(response, _("The temporary file storage refused the upload."))
        return f"oss://{key}"

    # -- downloads (core/dashscope/transfer.py: the keyless fetch, its checks and bounds) ------------------
    def download(
        self,
        url: str,
        dest: Path,
        *,
        offset: int = 0,
        on_progress: Callable[[int, int | None], None] | None = None,
        should_stop: Callable[[], bool] | None = None,
        chunk_size: int = 256 * 1024,
    ) -> DownloadResult:
        """Stream a result video into ``dest`` from ``offset``, over the keyless client. Links to loopback or
        private addresses are refused unless this client's API is itself on loopback (the simulator)."""
        return transfer.download(
            self._storage,
            url,
            dest,
            offset=offset,
            on_progress=on_progress,
            should_stop=should_stop,
            chunk_size=chunk_size,
            allow_private=is_loopback_host(self.endpoint.host),
        )


# -- helpers ----------------------------------------------------------------------------------------
def _service_words(error: DashScopeError, service: str) -> str:
    """Why the service refused, for a person: its own words where the person reads English (the service
    answers in English), else the app's explanation of its code in the person's language (the service's
    words stay in the error's details)."""
    if i18n.current_language() is i18n.Language.ENGLISH:
        return service
    if not error.code:
        return error.explanation
    return _("{explanation} (code {code})").format(explanation=error.explanation, code=error.code)


def _service_stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive time is the person's local time
    return moment.astimezone(SERVICE_TZ).strftime("%Y%m%d%H%M%S")


def check_key_in_regions(
    api_key: str,
    endpoints: Sequence[ServiceEndpoint],
    transport: httpx.BaseTransport | None = None,
    timeouts: Timeouts = Timeouts(connect=5, read=15, write=15, pool=5),
) -> KeyCheck:
    """Try the chosen region (the first endpoint) and, if it refuses the key, the others: a key made in
    another region is the most common setup mistake, and the fix is to switch regions."""
    if not endpoints:
        raise ValueError("no endpoint to check the key against")
    with DashScopeClient(api_key, endpoints[0], timeouts=timeouts, transport=transport) as client:
        first = client.check_key()
    if first.status is not KeyStatus.INVALID:
        return first
    for endpoint in endpoints[1:]:
        with DashScopeClient(api_key, endpoint, timeouts=timeouts, transport=transport) as client:
            other = client.check_key()
        if other.status is KeyStatus.VALID:
            return KeyCheck(
                KeyStatus.OTHER_REGION,
                spaced(
                    _("The key is not valid in {chosen} but works in {other}: choose {other} in Settings."),
                    chosen=endpoints[0].label,
                    other=endpoint.label,
                ),
                endpoint.region,
            )
    return first
