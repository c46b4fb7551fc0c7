"""The official dashscope SDK (2.0.2) against the simulator: whatever the SDK sends must be understood,
and whatever the simulator answers must parse. Where the SDK and the simulator disagree, the simulator
is wrong."""

from __future__ import annotations

import io
from http import HTTPStatus

import av
import httpx
import pytest

from tests.conftest import TEST_KEY
from wan_desktop.core.dashscope.catalog import output_size
from wan_desktop.simulator.server import SimulatorServer
from wan_desktop.simulator.testing import data_url, png

dashscope = pytest.importorskip("dashscope")
# the class dashscope exports, from its own module: the package's __init__.pyi stub leaves out .list()
from dashscope.aigc.video_synthesis import VideoSynthesis  # noqa: E402

PICTURE = "https://example.com/a.png"


@pytest.fixture
def sim(tmp_path, monkeypatch):
    """Tasks end in well under a second of real time; the SDK talks to it like to the real service."""
    with SimulatorServer(
        api_keys=[TEST_KEY], time_scale=0.002, data_dir=tmp_path / "sim", enforce_limits=False
    ) as server:
        monkeypatch.setattr(dashscope, "base_http_api_url", server.base_url)
        monkeypatch.setattr(dashscope, "api_key", TEST_KEY)
        yield server


@pytest.fixture
def slow_sim(tmp_path, monkeypatch):
    """Time scale 1: a task stays PENDING for at least 2 s, long enough to cancel it."""
    with SimulatorServer(api_keys=[TEST_KEY], time_scale=1.0, data_dir=tmp_path / "slow") as server:
        monkeypatch.setattr(dashscope, "base_http_api_url", server.base_url)
        monkeypatch.setattr(dashscope, "api_key", TEST_KEY)
        yield server


def submit(model="wan2.6-i2v-flash", **kwargs):
    kwargs.setdefault("img_url", PICTURE)
    return VideoSynthesis.async_call(model=model, prompt="a cat", duration=2, resolution="720P", **kwargs)


def assert_real_video(url: str, duration: int, audio: bool) -> None:
    reply = httpx.get(url)
    assert reply.status_code == 200
    with av.open(io.BytesIO(reply.content), mode="r") as container:
        video = container.streams.video[0]
        assert video.codec_context.name == "h264" and video.average_rate == 30
        assert sum(1 for _ in container.decode(video=0)) == 30 * duration
        assert bool(container.streams.audio) is audio


def test_async_call_fetch_wait_with_https_input(sim):
    created = submit(seed=1, prompt_extend=True, watermark=False)
    assert created.status_code == HTTPStatus.OK and created.output.task_status == "PENDING"
    fetched = VideoSynthesis.fetch(created)
    assert fetched.status_code == HTTPStatus.OK and fetched.output.task_id == created.output.task_id
    done = VideoSynthesis.wait(created)
    assert done.status_code == HTTPStatus.OK and done.output.task_status == "SUCCEEDED"
    assert done.usage.output_video_duration == 2 and done.usage.SR == 720
    assert_real_video(done.output.video_url, 2, audio=True)
    [task] = sim.tasks()
    assert task["create_request_count"] == 1


def test_base64_data_url_input(sim):
    created = submit(img_url=data_url(png(640, 480)), audio=False)
    assert created.status_code == HTTPStatus.OK, created.message
    done = VideoSynthesis.wait(created)
    assert done.output.task_status == "SUCCEEDED" and done.usage.audio is False
    assert_real_video(done.output.video_url, 2, audio=False)


@pytest.mark.parametrize("style", ["file-uri", "bare-path"])
def test_local_file_goes_through_the_upload_flow(sim, tmp_path, style):
    picture = tmp_path / "cat.png"
    picture.write_bytes(png(800, 600))
    reference = f"file://{picture}" if style == "file-uri" else str(picture)
    created = submit(img_url=reference)
    assert created.status_code == HTTPStatus.OK, created.message
    paths = [(r["method"], r["path"], r["status"]) for r in sim.requests()]
    assert paths[:3] == [
        ("GET", "/api/v1/uploads", 200),
        ("POST", "/oss", 200),
        ("POST", "/api/v1/services/aigc/video-generation/video-synthesis", 200),
    ]
    assert VideoSynthesis.wait(created).output.task_status == "SUCCEEDED"
    assert sim.tasks()[0]["size"] == list(output_size(800, 600, "720P"))  # sized from the uploaded picture itself


def test_cancel_a_pending_task_and_refusal_afterwards(slow_sim):
    created = submit()
    cancelled = VideoSynthesis.cancel(created)
    assert cancelled.status_code == HTTPStatus.OK
    assert VideoSynthesis.fetch(created).output.task_status == "CANCELED"
    again = VideoSynthesis.cancel(created)
    assert again.status_code == HTTPStatus.BAD_REQUEST and again.code == "UnsupportedOperation"


def test_list(sim):
    for _ in range(3):
        assert submit().status_code == HTTPStatus.OK
    page = VideoSynthesis.list(page_no=1, page_size=2, model_name="wan2.6-i2v-flash")
    assert page.status_code == HTTPStatus.OK
    assert page.output["total"] == 3 and len(page.output["data"]) == 2 and page.output["total_page"] == 2
    assert (
        VideoSynthesis.list(status="SUCCEEDED", start_time="20200101000000", end_time="20200102000000").output["total"]
        == 0
    )


@pytest.mark.parametrize(
    "media, ok",
    [
        ([{"type": "first_frame", "url": PICTURE}], True),
        ([{"type": "first_frame", "url": PICTURE}, {"type": "last_frame", "url": PICTURE}], True),
        ([{"type": "first_clip", "url": "https://example.com/a.mp4"}, {"type": "last_frame", "url": PICTURE}], True),
        ([{"type": "last_frame", "url": PICTURE}], False),
        ([{"type": "first_frame", "url": PICTURE}, {"type": "first_clip", "url": "https://example.com/a.mp4"}], False),
    ],
)
def test_wan27_media_combinations(sim, media, ok):
    reply = VideoSynthesis.async_call(model="wan2.7-i2v", prompt="x", media=media, duration=7, resolution="720P")
    if ok:
        assert reply.status_code == HTTPStatus.OK, reply.message
    else:
        assert (reply.status_code, reply.code) == (HTTPStatus.BAD_REQUEST, "InvalidParameter")
        assert "combination" in reply.message


def test_wan27_first_clip_continuation_succeeds_with_total_duration(sim):
    media = [{"type": "first_clip", "url": "https://example.com/a.mp4"}]
    created = VideoSynthesis.async_call(model="wan2.7-i2v", prompt="x", media=media, duration=7, resolution="720P")
    done = VideoSynthesis.wait(created)
    assert done.output.task_status == "SUCCEEDED"
    assert done.usage.input_video_duration == 5 and done.usage.duration == 7


def test_kf2v_models_use_the_image2video_endpoint(sim):
    reply = VideoSynthesis.async_call(
        model="wanx2.1-kf2v-plus", prompt="x", first_frame_url=PICTURE, last_frame_url=PICTURE
    )
    assert reply.status_code == HTTPStatus.OK, reply.message
    assert sim.requests()[-1]["path"] == "/api/v1/services/aigc/image2video/video-synthesis"


def test_wrong_key_and_bad_options(sim):
    refused = submit(api_key="sk-nope")
    assert (refused.status_code, refused.code, refused.message) == (401, "InvalidApiKey", "Invalid API-key provided.")
    bad = VideoSynthesis.async_call(model="wan2.6-i2v-flash", prompt="x", img_url=PICTURE, duration=99)
    assert (bad.status_code, bad.code) == (400, "InvalidParameter") and "duration" in bad.message
    shot = VideoSynthesis.async_call(model="wan2.5-i2v-preview", prompt="x", img_url=PICTURE, shot_type="multi")
    assert shot.status_code == 400 and "shot_type" in shot.message
    unknown = VideoSynthesis.async_call(model="wan0-i2v", prompt="x", img_url=PICTURE)
    assert (unknown.status_code, unknown.message) == (400, "Model not exist.")


def test_sdk_sees_injected_faults_like_service_errors(sim):
    sim.add_faults([{"on": "create", "status": 429, "code": "Throttling.RateQuota", "message": "slow down"}])
    reply = submit()
    assert (reply.status_code, reply.code, reply.message) == (429, "Throttling.RateQuota", "slow down")
    sim.add_faults([{"on": "query", "status": 503, "code": "ModelUnavailable", "message": "later"}])
    created = submit()
    assert VideoSynthesis.wait(created).output.task_status == "SUCCEEDED"  # the SDK retries 503 while waiting


def test_sdk_v2_client(sim):
    from dashscope.v2 import Client

    client = Client(api_key=TEST_KEY, base_url=sim.base_url)
    job = client.videos.jobs.create(model="wan2.7-i2v", prompt="x", image_url=PICTURE, duration=2, resolution="720P")
    finished = client.videos.jobs.wait(job, poll_interval=0.2)
    assert finished.succeeded and finished.video_url
    listing = client.videos.jobs.list(page_no=1, page_size=10)
    assert listing.total == 1 and listing.tasks[0].task_id == job.task_id
