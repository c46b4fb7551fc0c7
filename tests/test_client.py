"""The DashScope client over real HTTP against the simulator: every call and every error class.

A few reply shapes the simulator never produces (non-JSON error pages, a create reply without a task id,
a server that ignores Range) go through httpx.MockTransport, which still runs the client's real code."""

from __future__ import annotations

import hashlib
import json
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import TEST_KEY
from tests.samples import make_wav
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.client import (
    SERVICE_TZ,
    DashScopeClient,
    DownloadResult,
    KeyStatus,
    check_key_in_regions,
    parse_retry_after,
)
from wan_desktop.core.dashscope.errors import (
    AmbiguousNetworkError,
    AuthError,
    BillingError,
    ContentRejectedError,
    DashScopeError,
    DownloadInterruptedError,
    InvalidRequestError,
    LinkExpiredError,
    LocalValidationError,
    NotSentError,
    ProtocolError,
    ServerError,
    ThrottledError,
)
from wan_desktop.core.dashscope.regions import ServiceEndpoint, Timeouts
from wan_desktop.core.dashscope.types import GenerationRequest, TaskStatus

# generous reads: a loaded CI machine (2 cores) parses a 7 MiB upload slowly; failures still come fast
FAST = Timeouts(connect=2, read=30, write=30, pool=5)


def endpoint_for(sim, region: Region = Region.CUSTOM, workspace: str = "") -> ServiceEndpoint:
    return ServiceEndpoint(sim.base_url, region, workspace)


@pytest.fixture
def client(simulator):
    with DashScopeClient(TEST_KEY, endpoint_for(simulator), timeouts=FAST) as c:
        yield c


@pytest.fixture
def image(tmp_path) -> Path:
    path = tmp_path / "cat.png"
    Image.new("RGB", (320, 240), (200, 120, 40)).save(path)
    return path


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def finish(sim, client: DashScopeClient, task_id: str, deadline: float = 20.0):
    """Jump the simulator clock past the generation time, then poll until the render is done.
    Polling is what the service forces on every client; the wait between polls is an Event wait."""
    sim.advance(400)
    start = datetime.now()
    while True:
        info = client.get_task(task_id)
        if info.status.is_terminal or (datetime.now() - start).total_seconds() > deadline:
            return info
        threading.Event().wait(0.05)  # polling the server; nothing to wait on  # sleep-ok


def recorded(sim, predicate, count: int, deadline: float = 5.0) -> list[dict]:
    """The simulator's request log entries matching ``predicate``, once ``count`` of them are there: the
    server records a request after its connection closed, which can be a moment after the client saw it."""
    start = datetime.now()
    while True:
        entries = [r for r in sim.requests() if predicate(r)]
        if len(entries) >= count or (datetime.now() - start).total_seconds() > deadline:
            return entries
        threading.Event().wait(0.02)  # polling the server's log; nothing to wait on  # sleep-ok


def submit(client: DashScopeClient, image: Path, model: str = "wan2.2-i2v-flash", **options):
    return client.create(
        client.prepare(GenerationRequest(model=model, first_frame=str(image), prompt="a cat", **options))
    )


# -- the happy path -----------------------------------------------------------------------------------
def test_create_query_download_round_trip(simulator, client, image, tmp_path):
    created = submit(client, image, resolution="480P", seed=7)
    assert created.status is TaskStatus.PENDING and len(created.task_id) == 36 and created.request_id
    info = finish(simulator, client, created.task_id)
    assert info.status is TaskStatus.SUCCEEDED, info
    assert info.task_id == created.task_id and info.orig_prompt == "a cat"
    assert info.submit_time is not None and info.submit_time.utcoffset() == timedelta(hours=8)
    assert info.submit_time <= info.scheduled_time <= info.end_time
    assert abs(info.submit_time - datetime.now(UTC)) < timedelta(hours=1)  # the zone is read right
    assert info.usage.output_seconds == 5 and info.usage.resolution_tier == 480 and info.usage.video_count == 1
    assert info.video_url and info.code is None

    progress: list[tuple[int, int | None]] = []
    dest = tmp_path / "out" / "video.mp4.part"
    result = client.download(info.video_url, dest, on_progress=lambda n, t: progress.append((n, t)), chunk_size=4096)
    assert result.complete and result.bytes_written_total == dest.stat().st_size == result.total_size
    assert dest.read_bytes()[4:8] == b"ftyp"
    assert progress[-1] == (result.bytes_written_total, result.total_size)

    [task] = simulator.tasks()
    assert task["parameters"]["resolution"] == "480P" and task["parameters"]["duration"] == 5
    for entry in simulator.requests():  # the key only ever went to the API
        assert entry["has_auth"] == entry["path"].startswith("/api/v1"), entry


def test_prepared_request_for_a_small_local_image_needs_no_upload(simulator, client, image):
    prepared = client.prepare(GenerationRequest(model="wan2.6-i2v", first_frame=str(image)))
    assert not prepared.oss_resolve and '"img_url":"data:image/png;base64,' in prepared.body_json
    assert not any(r["path"].startswith("/api/v1/uploads") for r in simulator.requests())


def test_prepare_uploads_audio_and_a_large_image_and_the_task_runs(simulator, client, tmp_path):
    big = tmp_path / "big.bmp"
    Image.new("RGB", (1600, 1600), (10, 90, 30)).save(big)  # 7.3 MiB: too big for a data URL
    voice = make_wav(tmp_path / "voice.wav", 3.2)
    prepared = client.prepare(
        GenerationRequest(model="wan2.6-i2v", first_frame=str(big), audio=str(voice), resolution="720P")
    )
    assert prepared.oss_resolve
    body = json.loads(prepared.body_json)
    assert body["input"]["img_url"].startswith("oss://") and body["input"]["img_url"].endswith("/big.bmp")
    assert body["input"]["audio_url"].startswith("oss://") and body["input"]["audio_url"].endswith("/voice.wav")
    created = client.create(prepared)
    [task] = simulator.tasks()
    assert task["id"] == created.task_id
    sums = set(task["input_sha256"].values())
    assert hashlib.sha256(big.read_bytes()).hexdigest() in sums
    assert hashlib.sha256(voice.read_bytes()).hexdigest() in sums
    uploads = recorded(simulator, lambda r: r["path"] in ("/oss", "/oss/"), 2)
    policies = recorded(simulator, lambda r: r["path"] == "/api/v1/uploads", 2)
    assert len(uploads) == 2 and len(policies) == 2
    assert all(not r["has_auth"] for r in uploads) and all(r["has_auth"] for r in policies)
    assert policies[0]["query"] == {"action": "getPolicy", "model": "wan2.6-i2v"}


def test_upload_retries_once_with_a_fresh_policy_when_storage_refuses(simulator, client, tmp_path):
    voice = make_wav(tmp_path / "v.wav", 3)
    simulator.add_faults(
        [
            {
                "on": "oss_post",
                "status": 403,
                "code": "AccessDenied",
                "message": "Invalid according to Policy: Policy expired.",
            }
        ]
    )
    url = client.upload_file("wan2.6-i2v", voice)
    assert url.startswith("oss://") and url.endswith("/v.wav")
    assert len(recorded(simulator, lambda r: r["path"] == "/api/v1/uploads", 2)) == 2
    simulator.add_faults([{"on": "oss_post", "status": 403, "code": "AccessDenied", "message": "no", "times": 2}])
    with pytest.raises(InvalidRequestError) as caught:
        client.upload_file("wan2.6-i2v", voice)
    assert caught.value.http_status == 403 and caught.value.code == "AccessDenied"
    assert "storage refused" in caught.value.explanation


def test_local_validation_happens_before_any_request(simulator, client):
    with pytest.raises(LocalValidationError) as caught:
        client.prepare(GenerationRequest(model="wan2.2-i2v-flash", first_frame="https://e/a.png", duration=10))
    assert caught.value.problems[0].field == "duration"
    assert simulator.requests() == []


def test_list_tasks_reads_rows_and_filters(simulator, client, image):
    first = submit(client, image)
    second = submit(client, image)
    page = client.list_tasks(page_size=10)
    assert page.total == 2 and page.page_no == 1 and page.total_pages == 1
    assert {row.task_id for row in page.items} == {first.task_id, second.task_id}
    row = page.items[0]
    assert row.model == "wan2.2-i2v-flash" and row.created_at.tzinfo is not None and row.request_id
    assert client.list_tasks(status=TaskStatus.SUCCEEDED).total == 0
    assert client.list_tasks(model_name="wan2.6-i2v").total == 0
    now = datetime.now(UTC)
    assert client.list_tasks(start=now - timedelta(minutes=5), end=now + timedelta(minutes=5)).total == 2
    assert client.list_tasks(start=now + timedelta(hours=1)).total == 0
    query = recorded(simulator, lambda r: r["path"] == "/api/v1/tasks", 5)[-1]["query"]
    assert query["start_time"] == (now + timedelta(hours=1)).astimezone(SERVICE_TZ).strftime("%Y%m%d%H%M%S")
    one = client.list_tasks(page_size=1, page_no=2)
    assert len(one.items) == 1 and one.total_pages == 2 and one.page_no == 2


def test_unknown_task_is_unknown_not_an_error(client):
    info = client.get_task("no-such-task")
    assert info.status is TaskStatus.UNKNOWN and info.task_id == "no-such-task" and info.video_url is None


def test_failed_task_keeps_code_and_message(simulator, client, image):
    simulator.add_faults(
        [
            {
                "on": "task",
                "fail_code": "DataInspectionFailed",
                "fail_message": "Output data may contain inappropriate content.",
            }
        ]
    )
    created = submit(client, image)
    info = finish(simulator, client, created.task_id)
    assert info.status is TaskStatus.FAILED and info.code == "DataInspectionFailed"
    assert "inappropriate" in info.message and info.video_url is None


def test_cancel_pending_and_refused_once_running(tmp_path, image):
    from wan_desktop.simulator.server import SimulatorServer

    # Real time: the task stays PENDING for 2 s or more, long enough to cancel it.
    with (
        SimulatorServer(api_keys=[TEST_KEY], time_scale=1.0, data_dir=tmp_path / "slow") as sim,
        DashScopeClient(TEST_KEY, endpoint_for(sim), timeouts=FAST) as client,
    ):
        created = submit(client, image)
        assert client.cancel_task(created.task_id)
        assert client.get_task(created.task_id).status is TaskStatus.CANCELED
        other = submit(client, image)
        sim.advance(30)  # past the queue: RUNNING
        with pytest.raises(InvalidRequestError) as caught:
            client.cancel_task(other.task_id)
    assert caught.value.code == "UnsupportedOperation" and caught.value.http_status == 400
    assert caught.value.request_id and "PENDING" in caught.value.message


# -- errors from the service ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fault, cls, retryable",
    [
        (
            {
                "status": 429,
                "code": "Throttling.RateQuota",
                "message": "Requests rate limit exceeded.",
                "retry_after": 2,
            },
            ThrottledError,
            True,
        ),
        ({"status": 500, "code": "InternalError", "message": "oops"}, ServerError, True),
        ({"status": 503, "code": "ModelUnavailable", "message": "Model is unavailable."}, ServerError, True),
        (
            {"status": 400, "code": "DataInspectionFailed", "message": "Input data may contain inappropriate content."},
            ContentRejectedError,
            False,
        ),
        (
            {
                "status": 400,
                "code": "Arrearage",
                "message": "Access denied, please make sure your account is in good standing.",
            },
            BillingError,
            False,
        ),
        ({"status": 400, "code": "InvalidParameter", "message": "Model not exist."}, InvalidRequestError, False),
    ],
)
def test_create_error_replies_map_to_classes(simulator, client, image, fault, cls, retryable):
    simulator.add_faults([{"on": "create", **fault}])
    prepared = client.prepare(GenerationRequest(model="wan2.2-i2v-flash", first_frame=str(image)))
    with pytest.raises(cls) as caught:
        client.create(prepared)
    err = caught.value
    assert type(err) is cls and err.retryable is retryable
    assert (err.code, err.message, err.http_status) == (fault["code"], fault["message"], fault["status"])
    assert err.request_id and err.explanation and err.code in err.details()
    if cls is ThrottledError:
        assert err.retry_after == 2
    assert simulator.tasks() == []


def test_wrong_key_is_an_auth_error_on_every_call(simulator):
    with DashScopeClient("sk-wrong", endpoint_for(simulator), timeouts=FAST) as bad:
        for call in (
            lambda: bad.get_task("x"),
            lambda: bad.list_tasks(),
            lambda: bad.cancel_task("x"),
            lambda: bad.upload_file("wan2.6-i2v", Path(__file__)),
        ):
            with pytest.raises(AuthError) as caught:
                call()
            assert caught.value.code == "InvalidApiKey" and caught.value.http_status == 401
        assert "sk-wrong" not in repr(bad)


def test_query_and_list_errors(simulator, client):
    simulator.add_faults(
        [
            {"on": "query", "status": 503, "code": "ServiceUnavailable", "message": "busy"},
            {"on": "list", "status": 429, "code": "Throttling", "message": "slow down", "retry_after": 1.5},
        ]
    )
    with pytest.raises(ServerError):
        client.get_task("x")
    with pytest.raises(ThrottledError) as caught:
        client.list_tasks()
    assert caught.value.retry_after == 1.5


# -- transport failures ---------------------------------------------------------------------------------
def test_dropped_create_is_ambiguous_and_never_retried(simulator, client, image):
    prepared = client.prepare(GenerationRequest(model="wan2.2-i2v-flash", first_frame=str(image)))
    simulator.add_faults([{"on": "create", "action": "drop"}])
    with pytest.raises(AmbiguousNetworkError) as caught:
        client.create(prepared)
    assert caught.value.may_have_reached_service and not caught.value.retryable
    # The fault hits once: a retry would have been answered and created a task.
    assert simulator.tasks() == []
    assert len(recorded(simulator, lambda r: r["path"].endswith("video-synthesis"), 1)) == 1


def test_drop_after_commit_leaves_a_task_the_caller_must_reconcile(simulator, client, image):
    prepared = client.prepare(GenerationRequest(model="wan2.2-i2v-flash", first_frame=str(image)))
    simulator.add_faults([{"on": "create", "action": "drop_after_commit"}])
    with pytest.raises(AmbiguousNetworkError):
        client.create(prepared)
    [task] = simulator.tasks()
    assert [row.task_id for row in client.list_tasks().items] == [task["id"]]


def test_read_timeout_on_create_is_ambiguous_but_on_query_retryable(simulator, image):
    with DashScopeClient(TEST_KEY, endpoint_for(simulator), timeouts=Timeouts(read=0.3)) as client:
        prepared = client.prepare(GenerationRequest(model="wan2.2-i2v-flash", first_frame=str(image)))
        simulator.add_faults(
            [{"on": "create", "action": "delay", "seconds": 2}, {"on": "query", "action": "delay", "seconds": 2}]
        )
        with pytest.raises(AmbiguousNetworkError) as on_create:
            client.create(prepared)
        with pytest.raises(AmbiguousNetworkError) as on_query:
            client.get_task("x")
    assert not on_create.value.retryable and on_query.value.retryable


def test_connection_refused_is_not_sent():
    endpoint = ServiceEndpoint(f"http://127.0.0.1:{closed_port()}/api/v1", Region.CUSTOM)
    with DashScopeClient(TEST_KEY, endpoint, timeouts=FAST) as client:
        with pytest.raises(NotSentError) as caught:
            client.create(_prepared_stub())
    assert caught.value.retryable and not caught.value.may_have_reached_service


def _prepared_stub():
    from wan_desktop.core.dashscope.requests import build_body

    return build_body(GenerationRequest(model="wan2.2-i2v-flash", first_frame="https://e/a.png"), Region.CUSTOM, {})


# -- downloads ------------------------------------------------------------------------------------------
@pytest.fixture
def video_url(simulator, client, image) -> str:
    info = finish(simulator, client, submit(client, image).task_id)
    assert info.status is TaskStatus.SUCCEEDED
    return info.video_url


def test_truncated_download_resumes_with_range_to_an_identical_file(simulator, client, video_url, tmp_path):
    whole = tmp_path / "whole.mp4"
    client.download(video_url, whole)
    simulator.add_faults([{"on": "download", "action": "truncate"}])
    part = tmp_path / "part.mp4"
    with pytest.raises(DownloadInterruptedError) as caught:
        client.download(video_url, part)
    assert caught.value.retryable
    offset = part.stat().st_size
    assert 0 < offset < whole.stat().st_size
    result = client.download(video_url, part, offset=offset)
    assert result == DownloadResult(whole.stat().st_size, whole.stat().st_size, True)
    assert part.read_bytes() == whole.read_bytes()
    downloads = recorded(simulator, lambda r: r["path"].startswith("/results/"), 3)
    assert sorted(r["status"] for r in downloads) == [200, 200, 206]
    assert not any(r["has_auth"] for r in downloads)


def test_stop_request_returns_incomplete_then_resume_completes(client, video_url, tmp_path):
    dest = tmp_path / "v.mp4"
    result = client.download(video_url, dest, chunk_size=1024, should_stop=lambda: True)
    assert not result.complete and result.bytes_written_total == dest.stat().st_size == 1024
    again = client.download(video_url, dest, offset=dest.stat().st_size)
    assert again.complete and dest.stat().st_size == again.total_size


def test_resume_at_the_end_is_complete_and_an_offset_past_the_file_is_clamped(client, video_url, tmp_path):
    dest = tmp_path / "v.mp4"
    full = client.download(video_url, dest)
    assert client.download(video_url, dest, offset=full.bytes_written_total).complete
    assert dest.stat().st_size == full.total_size
    other = tmp_path / "w.mp4"
    other.write_bytes(dest.read_bytes()[:100])
    assert client.download(video_url, other, offset=5000).complete  # resumes at 100, not 5000
    assert other.read_bytes() == dest.read_bytes()


def test_expired_link_and_dropped_download(simulator, client, video_url, tmp_path):
    simulator.add_faults([{"on": "download", "action": "drop"}])
    with pytest.raises(DownloadInterruptedError):
        client.download(video_url, tmp_path / "a.mp4")
    simulator.advance(24 * 3600 * simulator.time_scale + 60)
    with pytest.raises(LinkExpiredError) as caught:
        client.download(video_url, tmp_path / "b.mp4")
    assert caught.value.http_status == 403 and caught.value.code == "AccessDenied"
    assert "24 hours" in caught.value.explanation


# -- keys ----------------------------------------------------------------------------------------------
def test_check_key_and_other_region(simulator, tmp_path):
    from wan_desktop.simulator.server import SimulatorServer

    here = ServiceEndpoint(simulator.base_url, Region.BEIJING)
    with DashScopeClient(TEST_KEY, here) as client:
        assert client.check_key().status is KeyStatus.VALID
    with DashScopeClient("sk-nope", here) as client:
        refused = client.check_key()
    assert refused.status is KeyStatus.INVALID and "refused" in refused.message
    dead = ServiceEndpoint(f"http://127.0.0.1:{closed_port()}/api/v1", Region.SINGAPORE)
    assert check_key_in_regions(TEST_KEY, [dead, here]).status is KeyStatus.UNREACHABLE

    with SimulatorServer(api_keys=["sk-other"], time_scale=0.01, data_dir=tmp_path / "other") as other_sim:
        elsewhere = ServiceEndpoint(other_sim.base_url, Region.SINGAPORE)
        found = check_key_in_regions(TEST_KEY, [elsewhere, dead, here])
        assert found.status is KeyStatus.OTHER_REGION and found.region is Region.BEIJING
        assert "China (Beijing)" in found.message
        assert check_key_in_regions("sk-none", [elsewhere, here]).status is KeyStatus.INVALID
        assert check_key_in_regions(TEST_KEY, [here, elsewhere]).region is Region.BEIJING
    checks = [r for r in simulator.requests() if r["path"] == "/api/v1/tasks"]
    assert checks and all(r["query"] == {"page_no": "1", "page_size": "1"} for r in checks)


# -- headers and odd replies (MockTransport) ---------------------------------------------------------------
def test_headers_workspace_async_and_no_key_off_the_api_host(tmp_path):
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("video-synthesis"):
            return httpx.Response(200, json={"request_id": "r1", "output": {"task_id": "t1", "task_status": "PENDING"}})
        return httpx.Response(200, content=b"0123456789")

    endpoint = ServiceEndpoint("https://ws1.example.com/api/v1", Region.FRANKFURT, "ws1")
    with DashScopeClient(TEST_KEY, endpoint, transport=httpx.MockTransport(handler)) as client:
        from wan_desktop.core.dashscope.requests import build_body

        prepared = build_body(GenerationRequest(model="wan2.6-i2v", first_frame="oss://d/a.png"), Region.FRANKFURT, {})
        assert client.create(prepared).task_id == "t1"
        client.download("https://ws1.example.com/api/v1/files/x.mp4", tmp_path / "x.mp4")
    create, download = seen
    assert create.headers["Authorization"] == f"Bearer {TEST_KEY}"
    assert create.headers["X-DashScope-Async"] == "enable"
    assert create.headers["X-DashScope-OssResourceResolve"] == "enable"
    assert create.headers["X-DashScope-WorkSpace"] == "ws1"
    assert create.headers["Content-Type"] == "application/json"
    assert create.headers["User-Agent"].startswith("wan-desktop/")
    assert json.loads(create.content)["model"] == "wan2.6-i2v"
    assert "Authorization" not in download.headers  # even on the API host, a download carries no key


def test_odd_replies(tmp_path):
    replies = {
        "create": httpx.Response(
            502, text="<html><body>502 Bad Gateway</body></html>", headers={"Content-Type": "text/html"}
        ),
        "nocreate": httpx.Response(200, json={"request_id": "r2", "output": {"task_status": "PENDING"}}),
        "task": httpx.Response(
            200,
            json={
                "request_id": "r3",
                "output": {
                    "task_id": "t1",
                    "task_status": "SUCCEEDED",
                    "submit_time": "2025-01-01 10:00:00.000",
                    "end_time": "2025-01-01T02:01:00Z",
                    "video_url": "https://x/y.mp4",
                    "brand_new_field": {"a": 1},
                },
                "usage": {"video_duration": 5, "video_ratio": "1280*720", "video_count": 1},
            },
        ),
        "list": httpx.Response(
            200,
            json={
                "request_id": "r4",
                "total": 1,
                "tasks": [
                    {"task_id": "t9", "status": "RUNNING", "model_name": "wan2.6-i2v", "gmt_create": 1735699990000}
                ],
                "page_no": 1,
                "page_size": 10,
            },
        ),
        "ranged": httpx.Response(200, content=b"ABCDEFGHIJ"),  # ignores Range: restart from 0
        "notjson": httpx.Response(200, text="hello"),
    }
    mode = {"name": ""}

    def handler(request: httpx.Request) -> httpx.Response:
        return replies[mode["name"]]

    endpoint = ServiceEndpoint("https://api.example.com/api/v1", Region.BEIJING)
    with DashScopeClient(TEST_KEY, endpoint, transport=httpx.MockTransport(handler)) as client:
        mode["name"] = "create"
        with pytest.raises(ServerError) as caught:
            client.create(_prepared_stub())
        assert caught.value.code == "Unknown" and "502 Bad Gateway" in caught.value.message
        mode["name"] = "nocreate"
        with pytest.raises(ProtocolError) as no_id:
            client.create(_prepared_stub())
        assert no_id.value.request_id == "r2"
        mode["name"] = "task"
        info = client.get_task("t1")
        assert info.submit_time == datetime(2025, 1, 1, 2, 0, tzinfo=UTC)
        assert info.end_time == datetime(2025, 1, 1, 2, 1, tzinfo=UTC)
        assert info.scheduled_time is None and info.actual_prompt is None
        assert info.usage.output_seconds == 5 and info.usage.resolution_tier == 720
        assert info.usage.input_video_seconds is None and info.usage.audio is None
        mode["name"] = "list"
        page = client.list_tasks()
        assert page.items[0].task_id == "t9" and page.items[0].status is TaskStatus.RUNNING and page.total_pages == 1
        mode["name"] = "ranged"
        dest = tmp_path / "r.mp4"
        dest.write_bytes(b"xyz")
        result = client.download("https://oss.example.com/r.mp4", dest, offset=3)
        assert result.complete and dest.read_bytes() == b"ABCDEFGHIJ"
        mode["name"] = "notjson"
        with pytest.raises(ProtocolError):
            client.get_task("t1")


def test_retry_after_forms():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 <= parse_retry_after(later) <= 31


def test_client_needs_a_key_and_hides_it():
    endpoint = ServiceEndpoint.for_region(Region.BEIJING)
    with pytest.raises(ValueError, match="API key"):
        DashScopeClient("  ", endpoint)
    with DashScopeClient("sk-secret-123", endpoint) as client:
        assert "sk-secret" not in repr(client) and "sk-secret" not in str(vars(client).get("endpoint"))


# -- unreadable replies from a real socket (issue 9, items 7 and 8) ---------------------------------------------
class FakeService:
    """A tiny HTTP server on loopback that answers each request with the next scripted reply."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.replies: list[tuple[int, dict, bytes]] = []
        self.seen: list[tuple[str, str]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                owner.seen.append((self.command, self.path))
                status, headers, body = owner.replies.pop(0) if owner.replies else (404, {}, b"")
                self.send_response(status)
                for name, value in (headers | {"Content-Length": str(len(body))}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args) -> None:  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, name="fake-service", daemon=True)
        self.thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def fake_service():
    services: list[FakeService] = []

    def make() -> FakeService:
        services.append(FakeService())
        return services[-1]

    yield make
    for service in services:
        service.close()


HTML_200 = (200, {"Content-Type": "text/html"}, b"<html><head><title>Captive portal: log in</title></head></html>")
HTML_502 = (502, {"Content-Type": "text/html"}, b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body>")


def create_failure(service: FakeService, reply):
    from wan_desktop.core.create_safety import classify_create_failure

    service.replies.append(reply)
    with DashScopeClient(TEST_KEY, ServiceEndpoint(service.base_url, Region.CUSTOM), timeouts=FAST) as client:
        with pytest.raises(DashScopeError) as caught:
            client.create(_prepared_stub())
    return caught.value, classify_create_failure(caught.value)


def test_an_html_200_to_a_create_is_unreadable_and_uncertain(fake_service):
    from wan_desktop.core.create_safety import CreateFailure

    error, verdict = create_failure(fake_service(), HTML_200)
    assert isinstance(error, ProtocolError) and error.may_have_reached_service
    assert verdict is CreateFailure.UNCERTAIN
    assert "could not be read" in error.explanation and "not known whether the task was created" in error.explanation
    assert "HTTP 200 (text/html): Captive portal: log in" in error.message


def test_a_gateway_502_page_to_a_create_names_the_gateway_and_stays_uncertain(fake_service):
    from wan_desktop.core.create_safety import CreateFailure

    error, verdict = create_failure(fake_service(), HTML_502)
    assert isinstance(error, ServerError) and error.code == "Unknown" and error.http_status == 502
    assert verdict is CreateFailure.UNCERTAIN  # a gateway's page proves nothing about the task
    assert "gateway or proxy" in error.explanation and "HTTP 502" in error.explanation
    assert error.message == "HTTP 502 (text/html): 502 Bad Gateway"


def test_a_redirect_to_another_host_is_never_followed(fake_service):
    from wan_desktop.core.create_safety import CreateFailure

    service, elsewhere = fake_service(), fake_service()
    elsewhere.replies.append((200, {"Content-Type": "application/json"}, b'{"output": {"task_id": "stolen"}}'))
    target = elsewhere.base_url.replace("127.0.0.1", "localhost") + "/services/aigc/video-generation/video-synthesis"
    error, verdict = create_failure(service, (307, {"Location": target}, b""))
    assert elsewhere.seen == [] and len(service.seen) == 1  # the key went nowhere else, and nothing was re-sent
    assert isinstance(error, ProtocolError) and error.code == "Redirect" and error.http_status == 307
    assert error.may_have_reached_service and verdict is CreateFailure.UNCERTAIN
    assert "redirect to localhost" in error.explanation and "does not follow" in error.explanation


def test_a_non_json_200_to_a_query_is_a_readable_retryable_error(fake_service):
    service = fake_service()
    as_json = {"Content-Type": "application/json"}
    service.replies += [(200, {"Content-Type": "text/plain"}, b"hello"), (200, as_json, b"[1, 2]")]
    service.replies.append((200, as_json, b'{"request_id": "r9"}'))
    with DashScopeClient(TEST_KEY, ServiceEndpoint(service.base_url, Region.CUSTOM), timeouts=FAST) as client:
        for expected in ("not JSON: HTTP 200 (text/plain): hello", "not a JSON object", "no 'output' object"):
            with pytest.raises(ProtocolError) as caught:
                client.get_task("t1")
            assert expected in caught.value.message
            assert caught.value.retryable  # a read may be asked again; the engine bounds how often
            assert caught.value.explanation.startswith("The video service's reply could not be read")


def test_no_error_text_holds_the_key(fake_service):
    service = fake_service()
    echo = json.dumps({"code": "InvalidParameter", "message": f"bad header Bearer {TEST_KEY}"}).encode()
    service.replies.append((400, {"Content-Type": "application/json"}, echo))
    with DashScopeClient(TEST_KEY, ServiceEndpoint(service.base_url, Region.CUSTOM), timeouts=FAST) as client:
        with pytest.raises(InvalidRequestError) as echoed:
            client.get_task("t1")
    assert TEST_KEY not in echoed.value.details() + str(echoed.value) and "sk-…cdef" in echoed.value.message

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError(f"connection reset while sending {request.headers['Authorization']!r}")

    endpoint = ServiceEndpoint("https://api.example.com/api/v1", Region.BEIJING)
    with DashScopeClient(TEST_KEY, endpoint, transport=httpx.MockTransport(handler)) as client:
        with pytest.raises(AmbiguousNetworkError) as dropped:
            client.create(_prepared_stub())
    assert TEST_KEY not in dropped.value.details() + str(dropped.value)
    assert "ReadError" in str(dropped.value) and dropped.value.__cause__ is None


def test_plain_http_is_for_loopback_only():
    local = ["http://127.0.0.1:8000/api/v1", "http://localhost:1/api/v1", "http://[::1]:8/api/v1"]
    for url in [*local, "https://proxy.example.com/api/v1"]:
        assert ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url=url).base_url == url
    for url in ("http://example.com/api/v1", "http://192.168.1.4/api/v1", "http://127.0.0.1.example.com/x"):
        with pytest.raises(ValueError, match="plain http://"):
            ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url=url)
        with pytest.raises(ValueError, match="plain http://"):
            ServiceEndpoint(url, Region.CUSTOM)
    with pytest.raises(ValueError, match="user name or password"):
        ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url="https://me:pw@proxy.example.com/api/v1")
