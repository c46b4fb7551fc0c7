"""The simulator over real HTTP: every endpoint, error, limit, fault, expiry, Range, and the MP4s it makes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from urllib.parse import urlsplit

import av
import httpx
import pytest

from tests.conftest import TEST_KEY
from wan_desktop.core.dashscope.catalog import output_size
from wan_desktop.demo import DEMO_KEY
from wan_desktop.simulator.faults import parse_fault
from wan_desktop.simulator.server import SimulatorServer
from wan_desktop.simulator.testing import (
    ASYNC,
    CREATE,
    KF2V,
    body,
    client,
    data_url,
    finish,
    png,
    upload,
    wait_for,
    wav,
)


@pytest.fixture
def fast(tmp_path):
    """Time scale 1 (tasks stay PENDING for 2+ s); tests jump the clock with advance() instead of waiting."""
    with SimulatorServer(api_keys=[TEST_KEY], time_scale=1.0, data_dir=tmp_path / "sim", enforce_limits=False) as sim:
        yield sim


class FakeSeconds:
    """The rate limiter's clock, moved by the test: "within one second" no longer depends on machine load."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def seconds():
    return FakeSeconds()


@pytest.fixture
def limited(tmp_path, seconds):
    with SimulatorServer(api_keys=[TEST_KEY], time_scale=1.0, data_dir=tmp_path / "limited", rate_clock=seconds) as sim:
        yield sim


@pytest.fixture
def http(fast):
    with client(fast, TEST_KEY) as http:
        yield http


def create(http, payload, path=CREATE, headers=ASYNC):
    return http.post(path, json=payload, headers=headers)


def error_of(reply) -> tuple[int, str, str]:
    data = reply.json()
    assert set(data) == {"request_id", "code", "message"} and len(data["request_id"]) == 36
    return reply.status_code, data["code"], data["message"]


# -- create, query, list shapes --------------------------------------------------------------------
def test_create_then_query_pending_and_unknown(http, fast):
    reply = create(http, body())
    assert reply.status_code == 200
    output = reply.json()["output"]
    assert output["task_status"] == "PENDING" and len(output["task_id"]) == 36
    queried = http.get(f"/tasks/{output['task_id']}").json()["output"]
    assert queried["task_status"] == "PENDING" and "submit_time" in queried and "scheduled_time" not in queried
    unknown = http.get("/tasks/1111")
    assert unknown.status_code == 200 and unknown.json()["output"] == {"task_id": "1111", "task_status": "UNKNOWN"}
    [task] = fast.tasks()
    assert task["create_request_count"] == 1 and task["model"] == "wan2.6-i2v-flash"


def test_succeeded_body_and_usage_per_family(http, fast):
    cases = {
        "wan2.6-i2v-flash": {
            "duration": 5,
            "input_video_duration": 0,
            "output_video_duration": 5,
            "video_count": 1,
            "SR": 720,
            "audio": True,
        },
        "wan2.5-i2v-preview": {"duration": 5, "SR": 480, "video_count": 1},
        "wanx2.1-i2v-turbo": {"video_duration": 3, "video_ratio": "standard", "video_count": 1},
    }
    parameters = {"wan2.6-i2v-flash": (720, 5), "wan2.5-i2v-preview": (480, 5), "wanx2.1-i2v-turbo": (480, 3)}
    ids = {}
    for model, (sr, duration) in parameters.items():
        ids[model] = create(http, body(model, resolution=f"{sr}P", duration=duration)).json()["output"]["task_id"]
    for model, task_id in ids.items():
        reply = finish(fast, http, task_id)
        output = reply["output"]
        assert output["task_status"] == "SUCCEEDED"
        assert reply["usage"] == cases[model]
        assert output["orig_prompt"] == "a cat"
        assert ("actual_prompt" in output) is (model != "wan2.6-i2v-flash")  # 2.6/2.7 return only orig_prompt
        for name in ("submit_time", "scheduled_time", "end_time"):
            assert len(output[name]) == len("2026-01-01 10:00:00.000")


def test_list_filters_and_shape(http, fast):
    first = create(http, body()).json()["output"]["task_id"]
    second = create(http, body("wan2.5-i2v-preview")).json()["output"]["task_id"]
    whole = http.get("/tasks").json()
    assert whole["total"] == 2 and whole["page_no"] == 1
    assert [t["task_id"] for t in whole["tasks"]] == [t["task_id"] for t in whole["data"]]  # SDK v2's name
    assert isinstance(whole["tasks"][0]["submit_time"], str)
    assert [item["task_id"] for item in whole["data"]] == [second, first]  # newest first
    item = whole["data"][0]
    assert isinstance(item["gmt_create"], int) and item["gmt_create"] > 1_600_000_000_000
    assert isinstance(item["api_key_id"], str) and item["status"] == "PENDING"
    assert http.get("/tasks", params={"model_name": "wan2.6-i2v-flash"}).json()["total"] == 1
    assert http.get("/tasks", params={"task_id": first}).json()["data"][0]["task_id"] == first
    assert http.get("/tasks", params={"status": "SUCCEEDED"}).json()["total"] == 0
    paged = http.get("/tasks", params={"page_no": 2, "page_size": 1}).json()
    assert paged["total_page"] == 2 and [i["task_id"] for i in paged["data"]] == [first]
    past = http.get("/tasks", params={"start_time": "20200101000000", "end_time": "20200102000000"}).json()
    assert past["total"] == 0
    assert error_of(http.get("/tasks", params={"start_time": "2020-01-01"}))[:2] == (400, "InvalidParameter")
    assert error_of(http.get("/tasks", params={"page_size": 0}))[0] == 400
    with client(fast, "sk-other") as stranger:
        assert stranger.get("/tasks").status_code == 401


# -- auth, headers, routing ----------------------------------------------------------------------
def test_auth_async_header_and_routing(fast):
    with httpx.Client(base_url=fast.base_url) as anonymous:
        assert error_of(anonymous.post(CREATE, json=body(), headers=ASYNC)) == (
            401,
            "InvalidApiKey",
            "No API-key provided.",
        )
        assert error_of(anonymous.get("/tasks/x"))[:2] == (401, "InvalidApiKey")
    with client(fast, "sk-wrong") as wrong:
        assert error_of(create(wrong, body())) == (401, "InvalidApiKey", "Invalid API-key provided.")
    with client(fast, TEST_KEY) as http:
        assert error_of(create(http, body(), headers={})) == (
            403,
            "AccessDenied",
            "current user api does not support synchronous calls.",
        )
        assert error_of(http.get("/services/aigc/nothing")) == (400, "InvalidParameter", "url error, please check url!")
        assert error_of(http.get(CREATE))[2] == "Request method 'GET' is not supported."
        assert error_of(create(http, body("wan9-i2v"))) == (400, "InvalidParameter", "Model not exist.")
        kf2v = {"model": "wanx2.1-kf2v-plus", "input": {"first_frame_url": "https://e.com/a.png"}}
        assert error_of(create(http, kf2v))[2] == "url error, please check url!"
        assert error_of(create(http, body(), path=KF2V))[2] == "url error, please check url!"
        assert create(http, kf2v, path=KF2V).status_code == 200
        # unknown input keys (the SDK's legacy extend_prompt/function) are ignored; regional names accepted
        sdk_style = body("wan2.1-i2v-turbo") | {
            "input": {"img_url": "https://e.com/a.png", "extend_prompt": True, "function": "video-synthesis"}
        }
        assert create(http, sdk_style).status_code == 200


def test_unknown_model_can_be_404(tmp_path):
    with (
        SimulatorServer(api_keys=[TEST_KEY], data_dir=tmp_path, unknown_model_status=404) as sim,
        client(sim, TEST_KEY) as http,
    ):
        assert error_of(create(http, body("nope"))) == (404, "ModelNotFound", "Model can not be found.")


BAD_OPTIONS = [
    (body(resolution="480P"), "resolution"),
    (body(resolution="720p"), "resolution"),
    (body(duration=16), "duration"),
    (body(duration="5"), "duration"),
    (body("wan2.5-i2v-preview", duration=7), "duration"),
    (body(seed=-1), "seed"),
    (body(seed=2147483648), "seed"),
    (body("wan2.5-i2v-preview", shot_type="multi"), "shot_type"),
    (body(shot_type="triple"), "shot_type"),
    (body("wan2.6-i2v", audio=False), "audio"),
    (body(size="1280*720"), "size"),
    (body(prompt_extend="yes"), "prompt_extend"),
    ({"model": "wan2.2-i2v-plus", "input": {"prompt": "x" * 801, "img_url": "https://e.com/a.png"}}, "prompt"),
    ({"model": "wanx2.1-i2v-plus", "input": {"img_url": "https://e.com/a.png", "template": "nope"}}, "template"),
    ({"model": "wan2.6-i2v", "input": {"img_url": "https://e.com/a.png", "template": "squish"}}, "template"),
    (
        {"model": "wan2.2-i2v-flash", "input": {"img_url": "https://e.com/a.png", "audio_url": "https://e.com/a.mp3"}},
        "audio_url",
    ),
    ({"model": "wan2.6-i2v", "input": {"prompt": "x"}}, "img_url"),
    ({"model": "wan2.6-i2v", "input": {"img_url": "file:///tmp/a.png"}}, "img_url"),
    ({"model": "wan2.7-i2v", "input": {"img_url": "https://e.com/a.png"}}, "img_url"),
    (
        {"model": "wan2.7-i2v", "input": {"media": [{"type": "last_frame", "url": "https://e.com/b.png"}]}},
        "combination",
    ),
    (
        {
            "model": "wan2.7-i2v",
            "input": {
                "media": [
                    {"type": "first_clip", "url": "https://e.com/a.mp4"},
                    {"type": "driving_audio", "url": "https://e.com/a.mp3"},
                ]
            },
        },
        "combination",
    ),
    (
        {
            "model": "wan2.7-i2v",
            "input": {
                "media": [
                    {"type": "first_frame", "url": "https://e.com/a.png"},
                    {"type": "first_frame", "url": "https://e.com/b.png"},
                ]
            },
        },
        "only one",
    ),
    ({"model": "wan2.7-i2v", "input": {"media": [{"type": "selfie", "url": "https://e.com/a.png"}]}}, "unknown"),
    (
        {
            "model": "wan2.7-i2v",
            "input": {"media": [{"type": "first_frame", "url": "https://e.com/a.png"}]},
            "parameters": {"shot_type": "multi"},
        },
        "shot_type",
    ),
    (
        {
            "model": "wan2.7-i2v",
            "input": {
                "media": [
                    {"type": "first_frame", "url": "https://e.com/a.png"},
                    {"type": "driving_audio", "url": data_url(b"RIFF", "audio/wav")},
                ]
            },
        },
        "data URL",
    ),
    ({"model": "wan2.2-kf2v-flash", "input": {"last_frame_url": "https://e.com/a.png"}}, "first_frame_url"),
]


@pytest.mark.parametrize("payload, word", BAD_OPTIONS, ids=[f"{i}-{w}" for i, (_, w) in enumerate(BAD_OPTIONS)])
def test_out_of_range_options_are_refused(http, payload, word):
    path = KF2V if "kf2v" in payload["model"] else CREATE
    status, code, message = error_of(create(http, payload, path=path))
    assert (status, code) == (400, "InvalidParameter")
    assert word in message


def test_valid_wan27_combinations_and_snapshot_name(http):
    a, b = "https://e.com/a.png", "https://e.com/b.png"
    for media in (
        [{"type": "first_frame", "url": a}],
        [{"type": "first_frame", "url": a}, {"type": "last_frame", "url": b}],
        [
            {"type": "first_frame", "url": a},
            {"type": "last_frame", "url": b},
            {"type": "driving_audio", "url": "https://e.com/x.mp3"},
        ],
    ):
        payload = {
            "model": "wan2.7-i2v-2026-04-25",
            "input": {"prompt": "x", "media": media},
            "parameters": {"duration": 2},
        }
        assert create(http, payload).status_code == 200, create(http, payload).text


def test_negative_prompt_over_500_is_truncated(http, fast):
    payload = body()
    payload["input"]["negative_prompt"] = "n" * 600
    assert create(http, payload).status_code == 200
    assert fast.tasks()[0]["negative_prompt"] == "n" * 500


def test_data_url_images_are_checked(http, fast):
    ok = png(750, 1000)
    assert create(http, body(img=data_url(ok))).status_code == 200
    import hashlib

    assert fast.tasks()[0]["input_sha256"]["img_url"] == hashlib.sha256(ok).hexdigest()
    assert fast.tasks()[0]["size"] == list(output_size(750, 1000, "1080P"))
    for image, word in ((png(mode="RGBA"), "alpha"), (png(100, 100), "pixels"), (b"not an image", "readable")):
        assert word in error_of(create(http, body(img=data_url(image))))[2]
    assert "not an image type" in error_of(create(http, body(img=data_url(ok, "text/plain"))))[2]
    assert "damaged" in error_of(create(http, body(img="data:image/png;base64,@@@")))[2]
    wide = png(2000, 240)  # 8.3:1 is outside wan2.7's 1:8..8:1
    payload = {"model": "wan2.7-i2v", "input": {"media": [{"type": "first_frame", "url": data_url(wide)}]}}
    assert "aspect" in error_of(create(http, payload))[2]


# -- temporary uploads and oss:// -------------------------------------------------------------------
def test_upload_flow_and_oss_resolution(http, fast):
    policy = http.get("/uploads", params={"action": "getPolicy", "model": "wan2.6-i2v-flash"}).json()["data"]
    assert policy["upload_host"] == fast.root_url + "/oss" and policy["upload_dir"].startswith("dashscope-instant/")
    assert policy["expire_in_seconds"] == 300 and policy["x_oss_forbid_overwrite"] == "true"
    assert error_of(http.get("/uploads", params={"action": "getPolicy", "model": "nope"}))[2] == "Model not exist."
    url = upload(fast, http, "wan2.6-i2v-flash", "cat.png", png(), "image/png")
    payload = body(img=url)
    assert "X-DashScope-OssResourceResolve" in error_of(create(http, payload))[2]
    resolve = ASYNC | {"X-DashScope-OssResourceResolve": "enable"}
    assert create(http, payload, headers=resolve).status_code == 200
    other_model = body("wan2.5-i2v-preview", img=url)
    assert "another model" in error_of(create(http, other_model, headers=resolve))[2]
    missing = body(img=url + "x")
    assert "Failed to download" in error_of(create(http, missing, headers=resolve))[2]
    oss_posts = [r for r in fast.requests() if r["path"] == "/oss"]
    assert oss_posts and not oss_posts[0]["has_auth"]


def test_large_upload_full_of_newline_bytes_is_stored_intact(http, fast):
    import hashlib
    import time

    picture = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (1600, 1600), (10, 10, 10)).save(picture, format="BMP")  # 7.3 MB of b"\n"
    data = picture.getvalue()
    start = time.process_time()
    url = upload(fast, http, "wan2.6-i2v", "big.bmp", data, "image/bmp")
    assert time.process_time() - start < 2.0  # the form parsing must not walk the bytes line by line
    reply = create(http, body("wan2.6-i2v", img=url), headers=ASYNC | {"X-DashScope-OssResourceResolve": "enable"})
    assert reply.status_code == 200, reply.text
    assert fast.tasks()[0]["input_sha256"]["img_url"] == hashlib.sha256(data).hexdigest()


def test_upload_policy_expiry_and_key_prefix(http, fast):
    policy = http.get("/uploads", params={"action": "getPolicy", "model": "wan2.6-i2v"}).json()["data"]
    form = {
        "OSSAccessKeyId": "x",
        "Signature": policy["signature"],
        "policy": policy["policy"],
        "success_action_status": "200",
    }
    outside = httpx.post(
        policy["upload_host"], data=form | {"key": "elsewhere/a.png"}, files={"file": ("a.png", png())}
    )
    assert outside.status_code == 403 and "<Code>AccessDenied</Code>" in outside.text
    forged = httpx.post(
        policy["upload_host"],
        data=form | {"key": policy["upload_dir"] + "/a.png", "Signature": "x"},
        files={"file": ("a.png", png())},
    )
    assert forged.status_code == 403
    fast.advance(301)
    expired = httpx.post(
        policy["upload_host"], data=form | {"key": policy["upload_dir"] + "/a.png"}, files={"file": ("a.png", png())}
    )
    assert expired.status_code == 403 and "Invalid according to Policy: Policy expired." in expired.text


def test_uploaded_objects_expire_after_48h_scaled(http, fast):
    url = upload(fast, http, "wan2.6-i2v", "a.png", png(), "image/png")
    fast.advance(48 * 3600 * fast.time_scale + 1)
    reply = create(http, body("wan2.6-i2v", img=url), headers=ASYNC | {"X-DashScope-OssResourceResolve": "enable"})
    assert "Failed to download" in error_of(reply)[2]


# -- cancel ----------------------------------------------------------------------------------------
def test_cancel_only_while_pending(http, fast):
    task_id = create(http, body()).json()["output"]["task_id"]
    reply = http.post(f"/tasks/{task_id}/cancel")
    assert reply.status_code == 200 and set(reply.json()) == {"request_id"}
    output = http.get(f"/tasks/{task_id}").json()["output"]
    assert output["task_status"] == "CANCELED" and "end_time" in output
    assert error_of(http.post(f"/tasks/{task_id}/cancel")) == (
        400,
        "UnsupportedOperation",
        "Failed to cancel the task, please confirm if the task is in PENDING status.",
    )
    assert error_of(http.post("/tasks/no-such-task/cancel"))[1] == "UnsupportedOperation"
    running = create(http, body()).json()["output"]["task_id"]
    fast.advance(25 * fast.time_scale)  # past the longest queueing time
    assert http.get(f"/tasks/{running}").json()["output"]["task_status"] in ("RUNNING", "SUCCEEDED")
    assert error_of(http.post(f"/tasks/{running}/cancel"))[1] == "UnsupportedOperation"


def test_cancelling_one_of_two_identical_jobs_leaves_the_other_intact(http, fast):
    first, second = (create(http, body(resolution="720P", duration=2)).json()["output"]["task_id"] for _ in range(2))
    assert http.post(f"/tasks/{first}/cancel").status_code == 200
    assert finish(fast, http, second)["output"]["task_status"] == "SUCCEEDED"
    assert http.get(f"/tasks/{first}").json()["output"]["task_status"] == "CANCELED"


# -- limits ----------------------------------------------------------------------------------------
def test_submit_rate_and_concurrency_limits(limited, seconds):
    http = client(limited, TEST_KEY)
    model = "wan2.2-i2v-flash"  # 2 per second, 2 at a time
    first, second = (create(http, body(model)) for _ in range(2))
    assert first.status_code == second.status_code == 200
    status, code, message = error_of(create(http, body(model)))
    assert (status, code) == (429, "Throttling.RateQuota") and "in progress" not in message
    assert create(http, body("wan2.6-i2v")).status_code == 200  # other models have their own quota
    seconds.now += 1.0
    status, code, message = error_of(create(http, body(model)))
    assert (status, code) == (
        429,
        "Throttling.RateQuota",
    ) and "2 tasks of wan2.2-i2v-flash already in progress" in message
    http.post(f"/tasks/{first.json()['output']['task_id']}/cancel")
    assert create(http, body(model)).status_code == 200
    limited.advance(400)  # both remaining tasks are past their generation time; their renders decide the rest

    def create_a_second_later() -> bool:
        seconds.now += 1.0
        return create(http, body(model)).status_code == 200

    wait_for(create_a_second_later, 20)


def test_query_rate_limit(limited, seconds):
    http = client(limited, TEST_KEY)
    codes = [http.get("/tasks/x").status_code for _ in range(21)]
    assert codes == [200] * 20 + [429]
    reply = http.get("/tasks/x")
    assert error_of(reply)[1] == "Throttling.RateQuota"
    seconds.now += 1.0
    assert http.get("/tasks/x").status_code == 200


# -- faults ----------------------------------------------------------------------------------------
def test_error_faults_in_order_with_retry_after(http, fast):
    fast.add_faults(
        [
            {"on": "create", "status": 503, "code": "ModelUnavailable", "message": "busy", "retry_after": 2},
            {"on": "query", "times": 2, "status": 500, "code": "InternalError", "message": "oops"},
        ]
    )
    reply = create(http, body())
    assert error_of(reply) == (503, "ModelUnavailable", "busy") and reply.headers["Retry-After"] == "2"
    task_id = create(http, body()).json()["output"]["task_id"]
    assert [http.get(f"/tasks/{task_id}").status_code for _ in range(3)] == [500, 500, 200]
    assert len(fast.tasks()) == 1


def test_drop_and_drop_after_commit(http, fast):
    response = httpx.post(
        fast.root_url + "/_sim/faults",
        json={"faults": [{"on": "create", "action": "drop"}, {"on": "create", "action": "drop_after_commit"}]},
    )
    assert response.status_code == 200 and len(response.json()["pending"]) == 2
    with pytest.raises(httpx.TransportError):
        create(http, body())
    assert fast.tasks() == []
    with pytest.raises(httpx.TransportError):
        create(http, body())
    [task] = httpx.get(fast.root_url + "/_sim/tasks").json()["tasks"]
    assert task["create_request_count"] == 1 and task["status"] == "PENDING"
    bad = httpx.post(fast.root_url + "/_sim/faults", json={"faults": [{"on": "list", "action": "truncate"}]})
    assert bad.status_code == 400 and "truncate" in bad.json()["message"]


def test_upload_faults_hit_either_step(http, fast):
    fast.add_faults(
        [
            {"on": "upload", "status": 500, "code": "InternalError", "message": "policy down"},
            {"on": "oss_post", "action": "drop"},
        ]
    )
    params = {"action": "getPolicy", "model": "wan2.6-i2v"}
    assert error_of(http.get("/uploads", params=params))[2] == "policy down"
    with pytest.raises(httpx.TransportError):
        upload(fast, http, "wan2.6-i2v", "a.png", png(), "image/png")
    assert upload(fast, http, "wan2.6-i2v", "a.png", png(), "image/png").startswith("oss://dashscope-instant/")
    statuses = [(r["path"], r["status"]) for r in fast.requests()]
    assert statuses == [
        ("/api/v1/uploads", 500),
        ("/api/v1/uploads", 200),
        ("/oss", None),
        ("/api/v1/uploads", 200),
        ("/oss", 200),
    ]


def test_task_fault_and_delay(http, fast):
    fast.add_faults(
        [
            {"on": "task", "fail_code": "DataInspectionFailed", "fail_message": "bad content"},
            {"on": "list", "action": "delay", "seconds": 0.2},
        ]
    )
    task_id = create(http, body()).json()["output"]["task_id"]
    output = finish(fast, http, task_id)["output"]
    assert (output["task_status"], output["code"], output["message"]) == (
        "FAILED",
        "DataInspectionFailed",
        "bad content",
    )
    assert "video_url" not in output
    reply = http.get("/tasks")
    assert reply.status_code == 200 and reply.elapsed.total_seconds() >= 0.2


# -- videos ----------------------------------------------------------------------------------------
def probe(data: bytes) -> dict:
    with av.open(io.BytesIO(data), mode="r") as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        return {
            "codec": video.codec_context.name,
            "fps": video.average_rate,
            "frames": frames,
            "size": (video.width, video.height),
            "audio": len(container.streams.audio),
            "pix_fmt": video.codec_context.pix_fmt,
        }


def test_video_files_are_real_and_served_with_ranges(http, fast):
    task_id = create(http, body(img=data_url(png(750, 1000)), resolution="720P", duration=3)).json()["output"][
        "task_id"
    ]
    silent_id = create(http, body(img=data_url(png(750, 1000)), resolution="720P", duration=3, audio=False)).json()[
        "output"
    ]["task_id"]
    url = finish(fast, http, task_id)["output"]["video_url"]
    whole = httpx.get(url)
    assert whole.status_code == 200 and whole.headers["content-type"] == "video/mp4"
    assert int(whole.headers["content-length"]) == len(whole.content)
    facts = probe(whole.content)
    assert facts == {"codec": "h264", "fps": 30, "frames": 90, "size": (816, 1104), "audio": 1, "pix_fmt": "yuv420p"}
    silent = httpx.get(finish(fast, http, silent_id)["output"]["video_url"]).content
    assert probe(silent)["audio"] == 0
    part = httpx.get(url, headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == whole.content[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(whole.content)}"
    tail = httpx.get(url, headers={"Range": "bytes=-5"})
    assert tail.status_code == 206 and tail.content == whole.content[-5:]
    beyond = httpx.get(url, headers={"Range": f"bytes={len(whole.content)}-"})
    assert beyond.status_code == 416 and beyond.headers["content-range"] == f"bytes */{len(whole.content)}"
    assert httpx.get(url.replace("Signature=", "Signature=x")).status_code == 403
    assert httpx.get(url.split("?")[0]).status_code == 403


def test_links_and_tasks_expire(http, fast):
    task_id = create(http, body()).json()["output"]["task_id"]
    url = finish(fast, http, task_id)["output"]["video_url"]
    assert httpx.head(url).status_code == 200
    fast.advance(24 * 3600 * fast.time_scale + 5)
    expired = httpx.get(url)
    assert expired.status_code == 403 and "Request has expired." in expired.text
    assert http.get(f"/tasks/{task_id}").json()["output"]["task_status"] == "UNKNOWN"
    assert http.get("/tasks").json()["total"] == 0


def test_truncated_download(http, fast):
    task_id = create(http, body()).json()["output"]["task_id"]
    url = finish(fast, http, task_id)["output"]["video_url"]
    size = int(httpx.head(url).headers["content-length"])
    fast.add_faults([{"on": "download", "action": "truncate"}])
    with pytest.raises(httpx.TransportError):
        httpx.get(url)
    assert len(httpx.get(url).content) == size


def test_identical_jobs_render_once(http, fast):
    ids = [
        create(http, body("wan2.6-i2v", resolution="720P", duration=2)).json()["output"]["task_id"] for _ in range(3)
    ]
    urls = {finish(fast, http, task_id)["output"]["video_url"].split("?")[0] for task_id in ids}
    assert len(urls) == 3
    assert len(list((fast.data_dir / "results").glob("*.mp4"))) == 1


def test_keyframes_continuation_and_driving_audio(http, fast):
    kf2v = {
        "model": "wan2.2-kf2v-flash",
        "input": {
            "first_frame_url": data_url(png(640, 480)),
            "last_frame_url": data_url(png(640, 480, colour=(10, 200, 30))),
        },
        "parameters": {"resolution": "480P"},
    }
    kf_id = create(http, kf2v, path=KF2V).json()["output"]["task_id"]
    kf_url = finish(fast, http, kf_id)["output"]["video_url"]
    kf_video = httpx.get(kf_url).content
    assert probe(kf_video)["size"] == output_size(640, 480, "480P") and probe(kf_video)["audio"] == 0
    with av.open(io.BytesIO(kf_video), mode="r") as container:
        frames = [f.to_image().getpixel((300, 200)) for f in container.decode(video=0)]
    assert frames[0][1] < 120 < frames[-1][1]  # cross-fades from the orange first frame to the green last one
    audio_url = upload(fast, http, "wan2.7-i2v", "voice.wav", wav(3.0), "audio/wav")
    continuation = {
        "model": "wan2.7-i2v",
        "input": {"media": [{"type": "first_clip", "url": kf_url}]},
        "parameters": {"duration": 8, "resolution": "720P"},
    }
    driven = {
        "model": "wan2.7-i2v",
        "input": {
            "media": [{"type": "first_frame", "url": data_url(png())}, {"type": "driving_audio", "url": audio_url}]
        },
        "parameters": {"duration": 2, "resolution": "720P"},
    }
    resolve = ASYNC | {"X-DashScope-OssResourceResolve": "enable"}
    clip_id = create(http, continuation).json()["output"]["task_id"]
    audio_id = create(http, driven, headers=resolve).json()["output"]["task_id"]
    clip = finish(fast, http, clip_id)
    assert clip["usage"]["input_video_duration"] == 5 and clip["usage"]["duration"] == 8
    assert probe(httpx.get(clip["output"]["video_url"]).content)["frames"] == 240
    driven_reply = finish(fast, http, audio_id)
    assert probe(httpx.get(driven_reply["output"]["video_url"]).content)["audio"] == 1
    short = upload(fast, http, "wan2.7-i2v", "short.wav", wav(1.0), "audio/wav")
    driven["input"]["media"][1]["url"] = short
    assert "must last" in error_of(create(http, driven, headers=resolve))[2]


def test_render_speed_720p(tmp_path):
    import time

    from wan_desktop.simulator.render import RenderSpec, placeholder_image, render_mp4

    start = time.process_time()  # CPU time: what the render costs, whatever else the machine is doing
    render_mp4(
        RenderSpec(first=placeholder_image("x"), width=1280, height=720, duration=5, tone=True), tmp_path / "a.mp4"
    )
    assert time.process_time() - start < 3.0  # about half a second of CPU here


# -- admin and CLI ---------------------------------------------------------------------------------
def test_admin_requests_and_clock(http, fast):
    http.get("/tasks/abc")
    httpx.get(fast.base_url + "/tasks/abc")
    requests = httpx.get(fast.root_url + "/_sim/requests").json()["requests"]
    assert [(r["path"], r["has_auth"], r["status"]) for r in requests] == [
        ("/api/v1/tasks/abc", True, 200),
        ("/api/v1/tasks/abc", False, 401),
    ]
    fast.clear_requests()
    assert fast.requests() == []
    before = fast.now()
    assert httpx.post(fast.root_url + "/_sim/clock", json={"advance_seconds": 100}).json()["now"] >= before + 100
    assert httpx.post(fast.root_url + "/_sim/clock", json={"advance_seconds": "x"}).status_code == 400


def test_cli_prints_its_address_first_and_stops_on_sigterm(tmp_path):
    fault = json.dumps({"on": "query", "status": 500, "code": "InternalError", "message": "boom"})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "wan_desktop.simulator",
            "--data-dir",
            str(tmp_path),
            "--time-scale",
            "0.01",
            "--fault",
            fault,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None  # stdout=PIPE
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:") and line.endswith("/api/v1")
        base = line.removeprefix("listening on ")
        headers = {"Authorization": f"Bearer {DEMO_KEY}"}
        assert httpx.get(base + "/tasks/x", headers=headers).status_code == 500
        assert httpx.get(base + "/tasks/x", headers=headers).status_code == 200
        assert httpx.get(base + "/tasks/x", headers={"Authorization": "Bearer sk-test"}).status_code == 401
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        process.stdout.close()


# -- faults for a client that must trust nothing (issue 9) ----------------------------------------
@pytest.mark.parametrize(
    "fault, status, content_type",
    [
        ({"action": "html_200"}, 200, "text/html"),
        ({"action": "gateway_502_html"}, 502, "text/html"),
        ({"action": "redirect_307"}, 307, "text/html"),
    ],
)
def test_unreadable_create_replies_create_nothing(http, fast, fault, status, content_type):
    fast.add_faults([{"on": "create", **fault}])
    reply = create(http, body())
    assert reply.status_code == status and reply.headers["content-type"].startswith(content_type)
    with pytest.raises(ValueError):
        reply.json()
    assert fast.tasks() == []
    assert create(http, body()).status_code == 200  # the fault hit one request only
    assert len(fast.tasks()) == 1


def test_a_redirect_points_at_another_host(http, fast):
    fast.add_faults(
        [
            {"on": "create", "action": "redirect_307"},
            {"on": "create", "action": "redirect_307", "location": "https://elsewhere.example/x"},
        ]
    )
    first, second = create(http, body()), create(http, body())
    assert urlsplit(first.headers["location"]).hostname not in ("127.0.0.1", "localhost")
    assert second.headers["location"] == "https://elsewhere.example/x"


def test_an_html_200_can_come_after_the_task_was_made(http, fast):
    fast.add_faults([{"on": "create", "action": "html_200", "commit": True}])
    reply = create(http, body())
    assert reply.status_code == 200 and b"<html>" in reply.content
    [task] = fast.tasks()
    assert task["status"] == "PENDING"


def test_a_query_can_answer_a_200_that_is_not_json(http, fast):
    task_id = create(http, body()).json()["output"]["task_id"]
    fast.add_faults([{"on": "query", "action": "non_json_200"}])
    reply = http.get(f"/tasks/{task_id}")
    assert reply.status_code == 200
    with pytest.raises(ValueError):
        reply.json()
    assert http.get(f"/tasks/{task_id}").json()["output"]["task_status"] == "PENDING"


def test_a_task_can_succeed_without_a_video_url_or_with_a_bad_one(http, fast):
    fast.add_faults(
        [
            {"on": "task", "action": "no_video_url"},
            {"on": "task", "video_url": "file:///etc/passwd"},
            {"on": "task", "video_url": "ftp://x"},
        ]
    )
    ids = [create(http, body()).json()["output"]["task_id"] for _ in range(3)]
    outputs = [finish(fast, http, task_id)["output"] for task_id in ids]
    assert [output["task_status"] for output in outputs] == ["SUCCEEDED"] * 3
    assert "video_url" not in outputs[0] and "orig_prompt" in outputs[0]
    assert [output["video_url"] for output in outputs[1:]] == ["file:///etc/passwd", "ftp://x"]


def finished_link(fast, http) -> str:
    return finish(fast, http, create(http, body()).json()["output"]["task_id"])["output"]["video_url"]


def test_a_link_can_be_not_found_for_every_fetch(http, fast):
    gone, fine = finished_link(fast, http), finished_link(fast, http)
    fast.add_faults([{"on": "download", "action": "not_found_forever"}])
    replies = [httpx.get(gone), httpx.get(gone, headers={"Range": "bytes=0-9"}), httpx.head(gone)]
    assert [reply.status_code for reply in replies] == [404, 404, 404]
    assert "NoSuchKey" in replies[0].text
    assert httpx.get(fine).status_code == 200


def received(url: str, headers: dict | None = None) -> tuple[httpx.Headers, bytes, bool]:
    """What a client gets before the connection ends: headers, body bytes, and whether it ended early."""
    data = bytearray()
    with httpx.stream("GET", url, headers=headers, timeout=30) as reply:
        try:
            for chunk in reply.iter_raw():
                data.extend(chunk)
        except httpx.TransportError:
            return reply.headers, bytes(data), True
        return reply.headers, bytes(data), False


def test_a_lying_length_ignores_range_and_restarts_from_byte_zero(http, fast):
    url = finished_link(fast, http)
    whole = httpx.get(url).content
    fast.add_faults([{"on": "download", "action": "lying_length"}])
    for headers in (None, {"Range": f"bytes={len(whole) // 2}-"}):
        reply_headers, data, cut = received(url, headers)
        assert int(reply_headers["content-length"]) == len(whole) + 1024 * 1024
        assert "content-range" not in reply_headers
        assert cut and data == whole  # all of it from byte 0, every time, then the connection closes


def test_a_huge_length_streams_a_bounded_amount_of_junk(http, fast):
    url = finished_link(fast, http)
    fast.add_faults([{"on": "download", "action": "huge_length", "junk_bytes": 300_000}])
    for _ in range(2):
        reply_headers, data, cut = received(url)
        assert int(reply_headers["content-length"]) == 10 * 1024**3
        assert cut and len(data) == 300_000


@pytest.mark.parametrize(
    "raw",
    [
        {"on": "query", "action": "html_200"},
        {"on": "create", "action": "non_json_200"},
        {"on": "create", "action": "not_found_forever"},
        {"on": "download", "action": "no_video_url"},
        {"on": "task", "action": "drop"},
        {"on": "task", "video_url": ""},
        {"on": "task", "video_url": 5},
        {"on": "create", "action": "html_200", "commit": "yes"},
        {"on": "create", "action": "redirect_307", "location": None},
        {"on": "download", "action": "huge_length", "junk_bytes": 100 * 1024**2},
        {"on": "download", "action": "lying_length", "claimed_bytes": -1},
        {"on": "list", "action": "delay", "seconds": 0},
        {"on": "list", "action": "delay", "seconds": 10**6},
        {"on": "create", "status": True},
    ],
)
def test_faults_that_make_no_sense_are_refused(raw):
    with pytest.raises(ValueError):
        parse_fault(raw)


# -- faithfulness ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "image, resolution, size",
    [
        ((1280, 720), "1080P", (1920, 1080)),
        ((720, 1280), "1080P", (1080, 1920)),
        ((1920, 1080), "720P", (1280, 720)),
        ((1000, 1000), "1080P", (1440, 1440)),
        ((750, 1000), "720P", (816, 1104)),
        ((1280, 720), "480P", (832, 480)),
    ],
)
def test_output_sizes_are_the_services(image: tuple[int, int], resolution: str, size: tuple[int, int]):
    width, height = image
    assert output_size(width, height, resolution) == size


def test_a_16_by_9_picture_at_1080p_decodes_at_1920x1080(http, fast):
    payload = body(img=data_url(png(1280, 720)), resolution="1080P", duration=2, audio=False)
    url = finish(fast, http, create(http, payload).json()["output"]["task_id"])["output"]["video_url"]
    facts = probe(httpx.get(url).content)
    assert facts["size"] == (1920, 1080) and facts["frames"] == 60


# -- demo mode -------------------------------------------------------------------------------------
def test_demo_mode_lives_above_the_core_and_marks_its_target(tmp_path):
    from wan_desktop.core import session
    from wan_desktop.core.dashscope.catalog import Region
    from wan_desktop.core.dashscope.regions import ServiceEndpoint
    from wan_desktop.demo import DemoService

    assert not hasattr(session, "DEMO_KEY") and not hasattr(session, "DemoService")
    endpoint = ServiceEndpoint.for_region(Region.CUSTOM, custom_base_url="http://127.0.0.1:9/api/v1")
    assert not session.Target(Region.CUSTOM, endpoint, DEMO_KEY).is_demo  # a key is not what makes a demo
    service = DemoService(tmp_path / "demo-sim")
    try:
        target = service.target
        assert target.is_demo and target.api_key == DEMO_KEY and target.endpoint.base_url == service.server.base_url
        assert service.server.api_keys == frozenset({DEMO_KEY})
    finally:
        service.close()
