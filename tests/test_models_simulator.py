"""The simulator side of the one table of media cases, and the official SDK creating Wan 3.0 tasks."""

from __future__ import annotations

import io
from http import HTTPStatus

import av
import httpx
import pytest

from tests.conftest import TEST_KEY
from tests.media_cases import CASES, Case
from wan_desktop.simulator.server import SimulatorServer
from wan_desktop.simulator.testing import ASYNC, CREATE, client, data_url, finish, png

_URLS = {
    "first_frame": "https://e.com/first.png",
    "last_frame": "https://e.com/last.png",
    "reference_image": "https://e.com/ref.png",
    "reference_video": "https://e.com/ref.mp4",
    "reference_audio": "https://e.com/ref.mp3",
    "video": "https://e.com/edit.mp4",
}


@pytest.fixture
def sim(tmp_path):
    # One per test: the leak check fails a test whose render threads outlive it.
    with SimulatorServer(api_keys=[TEST_KEY], time_scale=0.002, data_dir=tmp_path, enforce_limits=False) as server:
        yield server


@pytest.fixture
def http(sim):
    with client(sim, TEST_KEY) as http:
        yield http


def case_body(case: Case) -> dict:
    media = []
    for index, (role, seconds) in enumerate(case.media):
        url = f"{_URLS[role]}?n={index}" + (f"#seconds={seconds}" if seconds is not None else "")
        media.append({"type": role, "url": url})
    inputs = {"prompt": case.prompt} | ({"media": media} if media else {})
    return {"model": case.model, "input": inputs, "parameters": {"resolution": "720P", "duration": case.duration}}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_simulator_gives_the_tables_verdict(sim, http, case: Case):
    reply = http.post(CREATE, json=case_body(case), headers=ASYNC)
    if case.verdict is None:
        assert reply.status_code == 200, reply.text
        done = finish(sim, http, reply.json()["output"]["task_id"])
        assert done["output"]["task_status"] == "SUCCEEDED", done
    elif case.verdict == "modes_exclusive":
        assert reply.status_code == 200, reply.text  # the service takes it, then the task fails
        done = finish(sim, http, reply.json()["output"]["task_id"])
        assert done["output"]["task_status"] == "FAILED"
        assert done["output"]["code"] == "InvalidParameter" and "mutually exclusive" in done["output"]["message"]
    else:
        assert reply.status_code == 400, reply.text
        assert reply.json()["code"] == "InvalidParameter"


def test_wan3_usage_is_as_the_service_reports_it_and_the_video_is_30_fps(sim, http):
    body = {
        "model": "wan3.0-video",
        "input": {"prompt": "a cat", "media": [{"type": "reference_video", "url": "https://e.com/v.mp4#seconds=4"}]},
        "parameters": {"resolution": "480P", "duration": 3, "ratio": "9:16"},
    }
    done = finish(sim, http, http.post(CREATE, json=body, headers=ASYNC).json()["output"]["task_id"])
    assert done["usage"] == {
        "video_count": 1,
        "duration": 3.0,
        "input_video_duration": 4.0,
        "output_video_duration": 3.0,
        "fps": 30,
        "SR": 480,
        "ratio": "9:16",
    }
    video = httpx.get(done["output"]["video_url"]).content
    with av.open(io.BytesIO(video)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == 30 and stream.codec_context.width < stream.codec_context.height


def test_smart_duration_lets_the_simulator_choose_within_range(sim, http):
    body = {"model": "wan3.0-video", "input": {"prompt": " ".join(["word"] * 60)}, "parameters": {"duration": -1}}
    done = finish(sim, http, http.post(CREATE, json=body, headers=ASYNC).json()["output"]["task_id"])
    assert done["usage"]["output_video_duration"] == 10.0


def test_1080p_at_16_9_is_1920_by_1080(sim, http):
    body = {"model": "wan3.0-video", "input": {"prompt": "x"}, "parameters": {"resolution": "1080P", "ratio": "16:9"}}
    task_id = http.post(CREATE, json=body, headers=ASYNC).json()["output"]["task_id"]
    [row] = [t for t in sim.tasks() if t["id"] == task_id]
    assert row["size"] == [1920, 1080]


# -- the official SDK ----------------------------------------------------------------------------------
dashscope = pytest.importorskip("dashscope")
from dashscope.aigc.video_synthesis import VideoSynthesis  # noqa: E402


@pytest.fixture
def sdk(sim, monkeypatch):
    monkeypatch.setattr(dashscope, "base_http_api_url", sim.base_url)
    monkeypatch.setattr(dashscope, "api_key", TEST_KEY)
    return sim


def test_sdk_creates_and_completes_a_wan3_first_and_last_frame_task(sdk):
    first, last = data_url(png(640, 360, colour=(200, 40, 40))), data_url(png(640, 360, colour=(40, 200, 40)))
    created = VideoSynthesis.async_call(
        model="wan3.0-video",
        prompt="from red to green",
        media=[{"type": "first_frame", "url": first}, {"type": "last_frame", "url": last}],
        ratio="adaptive",
        duration=2,
        resolution="720P",
    )
    assert created.status_code == HTTPStatus.OK, created.message
    done = VideoSynthesis.wait(created)
    assert done.output.task_status == "SUCCEEDED" and done.usage.fps == 30
    [row] = [t for t in sdk.tasks() if t["id"] == created.output.task_id]
    assert row["media_types"] == ["first_frame", "last_frame"] and row["size"] == [1280, 720]


def test_sdk_creates_a_wan3_reference_task_with_smart_duration_and_thinking(sdk):
    created = VideoSynthesis.async_call(
        model="wan3.0-video-prime",
        prompt="Image 1 and Image 2 talk",
        media=[
            {"type": "reference_image", "url": "https://e.com/a.png"},
            {"type": "reference_image", "url": "https://e.com/b.png"},
            {"type": "reference_audio", "url": "https://e.com/a.mp3#seconds=3"},
        ],
        ratio="1:1",
        duration=-1,
        enable_thinking=True,
        resolution="480P",
    )
    assert created.status_code == HTTPStatus.OK, created.message
    done = VideoSynthesis.wait(created)
    assert done.output.task_status == "SUCCEEDED" and done.usage.ratio == "1:1"


def test_sdk_gets_the_services_errors_for_bad_wan3_media(sdk):
    mixed = VideoSynthesis.async_call(
        model="wan3.0-video",
        prompt="x",
        media=[
            {"type": "first_frame", "url": "https://e.com/a.png"},
            {"type": "reference_image", "url": "https://e.com/b.png"},
        ],
    )
    assert mixed.status_code == HTTPStatus.OK
    failed = VideoSynthesis.wait(mixed)
    assert failed.output.task_status == "FAILED" and "mutually exclusive" in failed.output.message
    too_many = VideoSynthesis.async_call(
        model="wan3.0-video",
        prompt="x",
        media=[{"type": "reference_image", "url": f"https://e.com/{n}.png"} for n in range(11)],
    )
    assert too_many.status_code == HTTPStatus.BAD_REQUEST and too_many.code == "InvalidParameter"
    bad_ratio = VideoSynthesis.async_call(model="wan3.0-video", prompt="x", ratio="2:1")
    assert bad_ratio.status_code == HTTPStatus.BAD_REQUEST and "ratio" in bad_ratio.message


def test_the_simulator_answers_at_the_workspace_host_form_of_the_base_url(sim):
    from wan_desktop.core.dashscope.catalog import Region
    from wan_desktop.core.dashscope.client import DashScopeClient
    from wan_desktop.core.dashscope.regions import ServiceEndpoint
    from wan_desktop.core.dashscope.types import GenerationRequest

    url = sim.workspace_base_url("ws-test1", "cn-beijing")
    client = DashScopeClient(TEST_KEY, ServiceEndpoint(url, Region.CUSTOM))
    try:
        created = client.create(client.prepare(GenerationRequest(model="wan3.0-video", prompt="x", duration=2)))
        assert client.get_task(created.task_id).task_id == created.task_id
    finally:
        client.close()
    by_host = httpx.post(
        sim.base_url + "/services/aigc/video-generation/video-synthesis",
        json={"model": "wan3.0-video", "input": {"prompt": "x"}},
        headers=ASYNC | {"Authorization": f"Bearer {TEST_KEY}", "Host": "ws-test1.ap-southeast-1.maas.aliyuncs.com"},
    )
    assert by_host.status_code == 200, by_host.text


def test_a_real_1080p_16_9_video_is_1920_by_1080_pixels(sim, http):
    body = {"model": "wan3.0-video", "input": {"prompt": "x"}, "parameters": {"resolution": "1080P", "duration": 2}}
    done = finish(sim, http, http.post(CREATE, json=body, headers=ASYNC).json()["output"]["task_id"])
    with av.open(io.BytesIO(httpx.get(done["output"]["video_url"]).content)) as container:
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (1920, 1080)
