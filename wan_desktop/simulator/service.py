"""The simulated DashScope service with no HTTP in it: create, query, cancel, list, getPolicy, the OSS form
upload, result links and the admin views, as plain calls that take parsed inputs (``views.py``) and return
frozen results or raise ``ApiError``. The HTTP routes (``routes.py``) only parse, call and write replies;
tests can drive this class directly, without sockets.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import replace
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

from ..core.dashscope.catalog import ModelSpec, find_model
from . import errors as e
from .errors import ApiError, invalid
from .faults import LINK_ACTIONS, Fault, FaultBook
from .limits import RateWindow
from .links import RESULT_PATH, LinkSigner
from .media import Sources
from .render import RenderSpec
from .tasks import Task, TaskStore, usage
from .uploads import POLICY_SECONDS, UploadStore
from .validation import Plan, check_endpoint, plan_create
from .views import CreateCall, ListQuery, ResultFile, SimConfig, TaskPage, TaskView, UploadForm, UploadGrant

_NO_SUCH_KEY = ("NoSuchKey", "The specified key does not exist.")
_BAD_SIGNATURE = "The request signature we calculated does not match the signature you provided."


class RenderPool(Protocol):
    """What the service needs from the renderer: a future per clip whose result is the MP4's path."""

    def submit(self, spec: RenderSpec) -> Future: ...


def json_object(body: bytes) -> dict:
    """A request body that must be a JSON object, or the service's 400."""
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        raise invalid("The request body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise invalid("The request body must be a JSON object.")
    return payload


def rewritten(prompt: str) -> str:
    """The canned "actual_prompt" of a prompt-extended task (the simulator does not rewrite prompts)."""
    base = prompt.strip() or "The scene comes to life"
    return f"{base}. The camera drifts slowly; soft natural light, gentle motion, consistent details."


class SimService:
    """One simulated service: its tasks, uploads, faults, limits and clock."""

    def __init__(
        self,
        config: SimConfig,
        data_dir: Path,
        *,
        renderer: RenderPool | None = None,
        rate_clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.renderer = renderer  # set by the server when it starts, or given by a test
        self.faults = FaultBook()
        self.own_netlocs: frozenset[str] = frozenset()  # host:port of this server, once bound
        secret = secrets.token_bytes(32)
        self.links = LinkSigner(secret, config.time_scale)
        self.store = TaskStore(config.time_scale)
        self.uploads = UploadStore(data_dir / "uploads", secret, config.time_scale)
        self._submits = RateWindow(rate_clock)
        self._queries = RateWindow(rate_clock)
        self._wall_clock = wall_clock
        self._offset = 0.0
        self._clock_lock = threading.Lock()

    # -- clock -------------------------------------------------------------------------------------
    def now(self) -> float:
        """The simulator's clock (wall clock plus whatever advance() added), epoch seconds."""
        with self._clock_lock:
            return self._wall_clock() + self._offset

    def advance(self, seconds: float) -> None:
        with self._clock_lock:
            self._offset += float(seconds)

    # -- keys --------------------------------------------------------------------------------------
    def authenticate(self, authorization: str) -> str:
        """The API key of an Authorization header value, or the service's 401."""
        header = authorization or ""
        key = header[len("Bearer ") :].strip() if header.startswith("Bearer ") else header.strip()
        if not key:
            raise ApiError(401, "InvalidApiKey", e.NO_KEY)
        if key not in self.config.api_keys:
            raise ApiError(401, "InvalidApiKey", e.BAD_KEY)
        return key

    # -- create ------------------------------------------------------------------------------------
    def create(self, call: CreateCall) -> TaskView:
        """Validate and start one task; a PENDING view of it."""
        if not call.async_call:
            raise ApiError(403, "AccessDenied", e.SYNC_REFUSED)
        body = json_object(call.body)
        spec = self._model(body.get("model"))
        check_endpoint(spec, call.endpoint)
        if self.config.enforce_limits and not self._submits.allow(
            (call.api_key, spec.key), spec.rate_limits.submit_per_second
        ):
            raise ApiError(429, "Throttling.RateQuota", e.RATE_QUOTA)
        now = self.now()
        plan = plan_create(
            spec,
            body["model"],
            body,
            self._sources(call, spec, now),
            truncate_negative=self.config.truncate_negative_prompt,
        )
        task = self._commit(call, plan, now)
        return TaskView(task.task_id, "PENDING", call.request_id, plan.model_name, task.created_at, task.scheduled_at)

    def _model(self, model_name: object) -> ModelSpec:
        if not isinstance(model_name, str) or not model_name:
            raise invalid("Required parameter(model) missing or invalid, please check the request parameters.")
        spec = find_model(model_name)
        if spec is None:
            if self.config.unknown_model_status == 404:
                raise ApiError(404, "ModelNotFound", "Model can not be found.")
            raise invalid("Model not exist.")
        return spec

    def _sources(self, call: CreateCall, spec: ModelSpec, now: float) -> Sources:
        return Sources(
            uploads=self.uploads,
            model_key=spec.key,
            api_key=call.api_key,
            now=now,
            oss_enabled=call.oss_resolve,
            own_netlocs=self.own_netlocs,
            own_file=self.own_file,
        )

    def _commit(self, call: CreateCall, plan: Plan, now: float) -> Task:
        cap = plan.spec.rate_limits.concurrent_tasks
        with self.store.lock:
            if self.config.enforce_limits and self.store.in_flight(call.api_key, plan.spec.key, now) >= cap:
                raise ApiError(
                    429, "Throttling.RateQuota", f"{e.RATE_QUOTA} ({cap} tasks of {plan.spec.key} already in progress)"
                )
            if self.renderer is None:
                raise RuntimeError("the simulator is not started: no renderer")
            task = self.store.add(call.api_key, call.request_id, plan, now, self.renderer.submit(plan.render))
            if plan.failure is not None:
                task.failure = plan.failure
            task.render.add_done_callback(lambda _done, task=task: task.mark_rendered(self.now()))
            fault = self.faults.take("task")
            if fault is not None and fault.action is None:
                task.failure = (fault.fail_code, fault.fail_message)
            elif fault is not None:
                task.output_fault = fault
        return task

    # -- query, cancel, list -----------------------------------------------------------------------
    def query(self, api_key: str, task_id: str, root: str) -> TaskView:
        """The caller's task now (UNKNOWN when it is not theirs, never existed or expired). ``root`` is
        the scheme and host the caller reached, for the video link."""
        if self.config.enforce_limits and not self._queries.allow(api_key, self.config.query_qps):
            raise ApiError(429, "Throttling.RateQuota", e.RATE_QUOTA)
        now = self.now()
        with self.store.lock:
            task = self.store.get(task_id, api_key, now)
            if task is None:
                return TaskView(task_id, "UNKNOWN")
            return self._view(task, task.status(now), root)

    def _view(self, task: Task, status: str, root: str | None) -> TaskView:
        plan = task.plan
        view = TaskView(
            task_id=task.task_id,
            status=status,
            request_id=task.request_id,
            model_name=plan.model_name,
            created_at=task.created_at,
            scheduled_at=task.scheduled_at,
            canceled_at=task.canceled_at,
            end=task.end,
            failure=task.failure if status == "FAILED" else None,
        )
        if status != "SUCCEEDED" or root is None:
            return view
        actual = rewritten(plan.prompt) if plan.spec.returns_actual_prompt and plan.prompt_extend else None
        video_url = self._video_url(task, root)
        return replace(view, prompt=plan.prompt, actual_prompt=actual, usage=usage(plan), video_url=video_url)

    def _video_url(self, task: Task, root: str) -> str | None:
        fault = task.output_fault
        if fault is not None and fault.action == "no_video_url":
            return None
        if fault is not None and fault.action == "video_url":
            return fault.video_url
        assert task.end is not None
        return self.links.url(root, task.task_id, task.end)

    def cancel(self, api_key: str, task_id: str) -> None:
        now = self.now()
        with self.store.lock:
            task = self.store.get(task_id, api_key, now)
            if task is None or task.status(now) != "PENDING":
                raise ApiError(400, "UnsupportedOperation", e.CANCEL_REFUSED)
            # The render is left alone: identical jobs share one cached render, which another task may need.
            task.canceled_at = now

    def list_tasks(self, api_key: str, query: ListQuery) -> TaskPage:
        """The caller's live tasks that match, newest first, one page of them."""
        now = self.now()
        views = []
        with self.store.lock:
            for task in sorted(self.store.all(), key=lambda t: t.created_at, reverse=True):
                if task.api_key != api_key or self.store.get(task.task_id, api_key, now) is None:
                    continue
                view = self._view(task, task.status(now), None)
                if query.matches(view):
                    views.append(view)
        first = (query.page_no - 1) * query.page_size
        return TaskPage(tuple(views[first : first + query.page_size]), len(views), query.page_no, query.page_size)

    # -- temporary uploads -------------------------------------------------------------------------
    def policy(self, api_key: str, model_name: str, upload_host: str) -> UploadGrant:
        spec = find_model(model_name)
        if spec is None:
            raise invalid(
                "Model not exist."
                if model_name
                else "Required parameter(model) missing or invalid, please check the request parameters."
            )
        policy = self.uploads.issue(api_key, spec.key, self.now())
        return UploadGrant(policy.policy, policy.signature, policy.upload_dir, upload_host, POLICY_SECONDS)

    def upload(self, form: UploadForm) -> int:
        """Store the form's file under its policy; the HTTP status the form asked for."""
        fields = form.fields
        policy = self.uploads.policy(fields.get("policy", ""))
        if policy is None or not hmac.compare_digest(fields.get("Signature", ""), policy.signature):
            raise ApiError(403, "SignatureDoesNotMatch", _BAD_SIGNATURE)
        if self.now() > policy.expires_at:
            raise ApiError(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        object_key = fields.get("key", "")
        if not object_key.startswith(policy.upload_dir + "/") or object_key == policy.upload_dir + "/":
            condition = f'["starts-with", "$key", "{policy.upload_dir}"]'
            raise ApiError(403, "AccessDenied", f"Invalid according to Policy: Policy Condition failed: {condition}")
        if "file" not in form.files:
            raise ApiError(400, "InvalidArgument", "The file field is missing from the form.")
        if fields.get("x-oss-forbid-overwrite") == "true" and self.uploads.exists(object_key):
            raise ApiError(
                409, "FileAlreadyExists", "The object you specified already exists and can not be overwritten."
            )
        data, file_type = form.files["file"]
        self.uploads.store(policy, object_key, data, fields.get("x-oss-content-type") or file_type, self.now())
        asked = fields.get("success_action_status", "")
        return int(asked) if asked in ("200", "201", "204") else 204

    # -- result links ------------------------------------------------------------------------------
    def result_file(self, task_id: str, query: Mapping[str, str], fault: Fault | None = None) -> ResultFile:
        """The MP4 behind a signed link, or the OSS-style 403/404. A link fault given here is pinned to
        the task: every later fetch of its link suffers it too."""
        self.links.verify(task_id, query, self.now())
        with self.store.lock:
            task = next((t for t in self.store.all() if t.task_id == task_id), None)
            if task is not None and fault is not None and fault.action in LINK_ACTIONS and task.link_fault is None:
                task.link_fault = fault
            pinned = task.link_fault if task is not None else None
        render = task.render if task is not None else None
        if render is None or not render.done() or render.cancelled() or render.exception() is not None:
            raise ApiError(404, *_NO_SUCH_KEY)
        if pinned is not None and pinned.action == "not_found_forever":
            raise ApiError(404, *_NO_SUCH_KEY)
        path = Path(render.result())
        stat = path.stat()
        return ResultFile(path, stat.st_size, stat.st_mtime, pinned or fault)

    def own_file(self, path_and_query: str) -> bytes | None:
        """The bytes of one of our own result links (a finished video used as input), else None."""
        parts = urlsplit(path_and_query)
        match = RESULT_PATH.match(parts.path)
        if not match:
            return None
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        try:
            return self.result_file(match["id"], query).path.read_bytes()
        except ApiError:
            return None

    # -- admin -------------------------------------------------------------------------------------
    def task_states(self) -> list[tuple[Task, str]]:
        """Every task with its status now (EXPIRED once past its lifetime), in creation order."""
        now = self.now()
        with self.store.lock:
            return [(task, self._admin_status(task, now)) for task in self.store.all()]

    def _admin_status(self, task: Task, now: float) -> str:
        status = task.status(now)
        return "EXPIRED" if task.expired(now, self.config.time_scale) else status

    def account_id(self, api_key: str) -> str:
        """A stable stand-in for the account behind a key (list items carry it)."""
        return hashlib.sha256(api_key.encode()).hexdigest()
