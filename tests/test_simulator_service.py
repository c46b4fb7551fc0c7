"""The simulated service called directly, with no sockets and no video encoding: task states, limits,
errors, list paging, task faults and result links. The HTTP side is covered by test_simulator.py."""

from __future__ import annotations

import json
from concurrent.futures import Future
from urllib.parse import parse_qs, urlsplit

import pytest

from wan_desktop.core.dashscope.catalog import Endpoint
from wan_desktop.simulator.errors import ApiError
from wan_desktop.simulator.service import SimService
from wan_desktop.simulator.views import CreateCall, ListQuery, SimConfig, UploadForm

KEY = "sk-service-test"
OTHER = "sk-service-other"
ROOT = "http://sim.test"
HOUR = 3600.0


class FinishedRenders:
    """Stands in for the encoder: every clip is "rendered" at once into one small file."""

    def __init__(self, path) -> None:
        self.path = path
        path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(100))
        self.specs = []

    def submit(self, spec) -> Future:
        self.specs.append(spec)
        done: Future = Future()
        done.set_result(self.path)
        return done


class Seconds:
    """A clock the test moves by hand (for the rate limits and the wall clock)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def rate_clock():
    return Seconds(1000.0)


def make_service(tmp_path, rate_clock, **config) -> SimService:
    options = {"api_keys": frozenset({KEY, OTHER}), **config}
    return SimService(
        SimConfig(**options),
        tmp_path,
        renderer=FinishedRenders(tmp_path / "clip.mp4"),
        rate_clock=rate_clock,
        wall_clock=Seconds(1_800_000_000.0),
    )


@pytest.fixture
def service(tmp_path, rate_clock):
    return make_service(tmp_path, rate_clock)


def body(model="wan2.6-i2v-flash", **parameters) -> bytes:
    payload = {"model": model, "input": {"prompt": "a cat", "img_url": "https://example.com/a.png"}}
    return json.dumps({**payload, "parameters": parameters}).encode()


def create(service, key=KEY, payload=None, **call):
    fields = {"endpoint": Endpoint.VIDEO_SYNTHESIS, "request_id": "req-1", **call}
    return service.create(CreateCall(api_key=key, body=body() if payload is None else payload, **fields))


def refusal(action) -> tuple[int, str]:
    with pytest.raises(ApiError) as caught:
        action()
    return caught.value.status, caught.value.code


def finish(service, task_id, key=KEY):
    service.advance(400)
    return service.query(key, task_id, ROOT)


def link_query(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    task_id = parts.path.rsplit("/", 1)[-1].removesuffix(".mp4")
    return task_id, {name: values[0] for name, values in parse_qs(parts.query).items()}


def test_a_task_goes_pending_running_succeeded_and_only_its_owner_sees_it(service):
    created = create(service)
    assert created.status == "PENDING"
    assert service.query(KEY, created.task_id, ROOT).status == "PENDING"
    assert service.query(OTHER, created.task_id, ROOT).status == "UNKNOWN"
    service.advance(21)  # queueing is 2-20 s
    assert service.query(KEY, created.task_id, ROOT).status == "RUNNING"
    done = finish(service, created.task_id)
    assert done.status == "SUCCEEDED" and done.end is not None and done.prompt == "a cat"
    assert done.video_url.startswith(f"{ROOT}/results/{created.task_id}.mp4?Expires=")
    assert done.usage == {
        "duration": 5,
        "input_video_duration": 0,
        "output_video_duration": 5,
        "video_count": 1,
        "SR": 1080,
        "audio": True,
    }
    assert [status for _, status in service.task_states()] == ["SUCCEEDED"]


def test_tasks_expire_after_a_day(service):
    created = create(service)
    finish(service, created.task_id)
    service.advance(25 * HOUR)
    assert service.query(KEY, created.task_id, ROOT).status == "UNKNOWN"
    assert [status for _, status in service.task_states()] == ["EXPIRED"]
    assert service.list_tasks(KEY, ListQuery()).total == 0


def test_cancel_only_while_pending(service):
    first, second = create(service), create(service)
    service.cancel(KEY, first.task_id)
    assert service.query(KEY, first.task_id, ROOT).status == "CANCELED"
    assert refusal(lambda: service.cancel(KEY, first.task_id)) == (400, "UnsupportedOperation")
    assert refusal(lambda: service.cancel(OTHER, second.task_id)) == (400, "UnsupportedOperation")
    finish(service, second.task_id)
    assert refusal(lambda: service.cancel(KEY, second.task_id)) == (400, "UnsupportedOperation")


def test_keys_sync_calls_and_bodies_are_checked(service):
    assert service.authenticate(f"Bearer {KEY}") == KEY
    assert refusal(lambda: service.authenticate("")) == (401, "InvalidApiKey")
    assert refusal(lambda: service.authenticate("Bearer sk-nobody")) == (401, "InvalidApiKey")
    assert refusal(lambda: create(service, async_call=False)) == (403, "AccessDenied")
    assert refusal(lambda: create(service, payload=b"{not json")) == (400, "InvalidParameter")
    assert refusal(lambda: create(service, payload=b"[1]")) == (400, "InvalidParameter")
    assert refusal(lambda: create(service, payload=body("wan9-nothing"))) == (400, "InvalidParameter")
    assert refusal(lambda: create(service, payload=body(resolution="4K"))) == (400, "InvalidParameter")
    assert service.task_states() == []


def test_an_unknown_model_can_be_a_404(tmp_path, rate_clock):
    service = make_service(tmp_path, rate_clock, unknown_model_status=404)
    assert refusal(lambda: create(service, payload=body("wan9-nothing"))) == (404, "ModelNotFound")


def test_the_simulator_needs_a_key_and_a_positive_time_scale():
    with pytest.raises(ValueError):
        SimConfig(api_keys=frozenset())
    with pytest.raises(ValueError):
        SimConfig(api_keys=frozenset({KEY}), time_scale=0)


def test_submit_rate_and_concurrency_caps(service, rate_clock):
    for _ in range(5):
        create(service)
    assert refusal(lambda: create(service)) == (429, "Throttling.RateQuota")  # 5 per second
    rate_clock.now += 1.0
    assert refusal(lambda: create(service)) == (429, "Throttling.RateQuota")  # 5 in flight
    create(service, key=OTHER)  # the cap is per key
    service.advance(400)
    create(service)  # the first five are done


def test_query_rate_limit(service, rate_clock):
    created = create(service)
    for _ in range(20):
        service.query(KEY, created.task_id, ROOT)
    assert refusal(lambda: service.query(KEY, created.task_id, ROOT)) == (429, "Throttling.RateQuota")
    rate_clock.now += 1.0
    assert service.query(KEY, created.task_id, ROOT).status == "PENDING"


def test_limits_can_be_lifted(tmp_path, rate_clock):
    service = make_service(tmp_path, rate_clock, enforce_limits=False)
    assert len({create(service).task_id for _ in range(12)}) == 12


def test_list_filters_pages_and_keeps_keys_apart(service, rate_clock):
    ids = []
    for number in range(3):
        ids.append(create(service).task_id)
        if number == 0:  # canceled while surely PENDING (a task may start after 2 s, chosen at random)
            service.cancel(KEY, ids[0])
        service.advance(1)
        rate_clock.now += 1.0
    create(service, key=OTHER)
    page = service.list_tasks(KEY, ListQuery(page_size=2))
    assert page.total == 3 and page.total_page == 2 and [v.task_id for v in page.views] == ids[:0:-1]
    assert [v.task_id for v in service.list_tasks(KEY, ListQuery(page_no=2, page_size=2)).views] == ids[:1]
    assert [v.task_id for v in service.list_tasks(KEY, ListQuery(status="CANCELED")).views] == ids[:1]
    assert service.list_tasks(KEY, ListQuery(task_id=ids[1])).total == 1
    assert service.list_tasks(KEY, ListQuery(model_name="wan2.2-i2v-plus")).total == 0
    later = service.now() + 10
    assert service.list_tasks(KEY, ListQuery(start=later)).total == 0


def test_a_task_fault_fails_the_next_task_only(service):
    service.faults.add([{"on": "task", "fail_code": "DataInspectionFailed", "fail_message": "no"}])
    failed, fine = create(service), create(service)
    assert finish(service, failed.task_id).failure == ("DataInspectionFailed", "no")
    assert service.query(KEY, failed.task_id, ROOT).status == "FAILED"
    assert service.query(KEY, fine.task_id, ROOT).status == "SUCCEEDED"


def test_task_faults_spoil_the_video_url(service):
    service.faults.add([{"on": "task", "action": "no_video_url"}, {"on": "task", "video_url": "file:///etc/passwd"}])
    without, local = create(service), create(service)
    gone = finish(service, without.task_id)
    assert gone.status == "SUCCEEDED" and gone.video_url is None
    assert service.query(KEY, local.task_id, ROOT).video_url == "file:///etc/passwd"


def test_result_links_are_signed_expire_and_can_vanish_for_good(service):
    created = create(service)
    url = finish(service, created.task_id).video_url
    task_id, query = link_query(url)
    assert service.result_file(task_id, query).size == 112
    assert refusal(lambda: service.result_file(task_id, {**query, "Signature": "x" + query["Signature"]})) == (
        403,
        "SignatureDoesNotMatch",
    )
    assert refusal(lambda: service.result_file(task_id, {"Expires": query["Expires"]})) == (403, "AccessDenied")
    service.faults.add([{"on": "download", "action": "not_found_forever"}])
    gone = service.faults.take("download")
    assert refusal(lambda: service.result_file(task_id, query, gone)) == (404, "NoSuchKey")
    assert refusal(lambda: service.result_file(task_id, query)) == (404, "NoSuchKey")  # pinned to the link
    service.advance(25 * HOUR)
    assert refusal(lambda: service.result_file(task_id, query)) == (403, "AccessDenied")


def test_a_finished_video_can_be_the_input_of_the_next_task(service):
    url = finish(service, create(service).task_id).video_url
    path_and_query = url.removeprefix(ROOT)
    assert service.own_file(path_and_query).startswith(b"\x00\x00\x00\x18ftyp")
    assert service.own_file("/results/nothing.mp4") is None


def test_upload_policies_and_forms_are_checked(service):
    assert refusal(lambda: service.policy(KEY, "wan9-nothing", ROOT + "/oss")) == (400, "InvalidParameter")
    grant = service.policy(KEY, "wan2.6-i2v-flash", ROOT + "/oss")
    form = {
        "policy": grant.policy,
        "Signature": grant.signature,
        "key": f"{grant.upload_dir}/a.png",
        "success_action_status": "200",
    }
    assert service.upload(UploadForm(form, {"file": (b"png", "image/png")})) == 200
    assert refusal(lambda: service.upload(UploadForm({**form, "Signature": "bad"}, {"file": (b"", "x")}))) == (
        403,
        "SignatureDoesNotMatch",
    )
    assert refusal(lambda: service.upload(UploadForm({**form, "key": "elsewhere/a.png"}, {}))) == (403, "AccessDenied")
    assert refusal(lambda: service.upload(UploadForm(form, {}))) == (400, "InvalidArgument")
    service.advance(301)
    assert refusal(lambda: service.upload(UploadForm(form, {"file": (b"", "x")}))) == (403, "AccessDenied")
