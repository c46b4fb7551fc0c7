"""Settings carried inside the video: written by a stream copy, read back as untrusted input."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import av
import pytest

from tests.test_media import encode_video
from wan_desktop.core import media_tags
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library
from wan_desktop.core.sidecars import scan

WHEN = datetime(2026, 11, 26, 14, 3, 22, tzinfo=UTC)


def done_job(library: Library, **changes) -> Job:
    request = GenerationRequest(
        model="wan2.2-i2v-plus",
        first_frame=str(library.inputs_dir / "ab12.png"),
        prompt="a fox running in snow",
        negative_prompt="blur",
        resolution="480P",
        duration=5,
        seed=42,
    )
    job = Job(
        id="job-1234abcd",
        request=request,
        state=JobState.DONE,
        created_at=WHEN,
        updated_at=WHEN,
        region="ap-southeast-1",
        task_id="task-77",
        finished_at=WHEN,
    )
    return replace(job, **changes)


def packets(path):
    with av.open(str(path)) as container:
        return [bytes(p) for p in container.demux(container.streams.video[0]) if p.size]


@pytest.fixture
def library(tmp_path):
    return Library(tmp_path / "lib")


@pytest.fixture
def video(library):
    library.root.mkdir(parents=True)
    return encode_video(library.root / "clip.mp4", seconds=1.0, audio=True)


def test_tags_are_written_without_re_encoding(library, video):
    before = packets(video)
    assert media_tags.write_settings(video, done_job(library), library)
    assert packets(video) == before  # the same compressed pictures, byte for byte
    with av.open(str(video)) as container:
        tags = container.metadata
    assert tags["title"] == "a fox running in snow"
    assert "Wan Desktop" in tags["comment"] and "seed 42" in tags["comment"]
    assert tags["date"] == "2026-11-26"
    assert json.loads(tags[media_tags.SETTINGS_TAG])["task_id"] == "task-77"
    assert not [p for p in video.parent.iterdir() if p.name.startswith(".")]  # no temp file left


def test_settings_read_back_equal_the_request(library, video):
    job = done_job(library)
    media_tags.write_settings(video, job, library)
    settings = media_tags.read_settings(video)
    assert settings.request == replace(job.request, first_frame=".wan-desktop/inputs/ab12.png")
    assert (settings.job_id, settings.task_id, settings.region) == (job.id, "task-77", "ap-southeast-1")
    assert settings.app_version


def test_a_failure_to_tag_keeps_the_video(library, tmp_path, caplog):
    broken = library.root / "broken.mp4"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"not a video at all" * 100)
    assert not media_tags.write_settings(broken, done_job(library), library)
    assert broken.read_bytes() == b"not a video at all" * 100
    assert "kept as it is" in caplog.text
    assert [p.name for p in broken.parent.iterdir()] == ["broken.mp4"]


def test_a_copy_that_does_not_verify_keeps_the_video(library, video, monkeypatch):
    """A disk that fills mid-copy leaves a truncated temp file: it must never replace the video."""
    before = video.read_bytes()
    monkeypatch.setattr(media_tags, "_copy_streams", lambda src, dst, tags: dst.write_bytes(before[: len(before) // 2]))
    assert not media_tags.write_settings(video, done_job(library), library)
    assert video.read_bytes() == before
    assert [p.name for p in video.parent.iterdir()] == ["clip.mp4"]


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        json.dumps({"format": "someone-else", "version": 1, "request": {"model": "x"}}),
        json.dumps({"format": media_tags.SETTINGS_FORMAT, "version": 99, "request": {"model": "x"}}),
        json.dumps({"format": media_tags.SETTINGS_FORMAT, "version": 1, "request": {"model": 5}}),
        json.dumps({"format": media_tags.SETTINGS_FORMAT, "version": 1, "request": {"model": "m", "seed": True}}),
        json.dumps(
            {"format": media_tags.SETTINGS_FORMAT, "version": 1, "request": {"model": "m", "prompt": "x" * 300_000}}
        ),
        "[" * 5000 + "]" * 5000,
    ],
)
def test_hostile_tags_read_as_nothing(video, payload):
    media_tags._copy_streams(video, video.with_name("h.mp4"), {media_tags.SETTINGS_TAG: payload})
    assert media_tags.read_settings(video.with_name("h.mp4")) is None


def test_a_video_that_is_not_ours_has_no_settings(video, tmp_path):
    assert media_tags.read_settings(video) is None
    assert media_tags.read_settings(tmp_path / "missing.mp4") is None


def test_rebuild_restores_a_tagged_video_without_a_note(library, video):
    media_tags.write_settings(video, done_job(library), library)
    jobs = scan(library).jobs
    assert len(jobs) == 1
    job = jobs[0]
    assert job.state is JobState.DONE and job.id == "job-1234abcd"
    assert job.video_path == "clip.mp4"
    assert job.request.first_frame == str(library.inputs_dir / "ab12.png")


def test_a_tagged_media_path_leading_out_is_dropped(library, video):
    escaping = done_job(library, request=replace(done_job(library).request, first_frame="../../etc/passwd"))
    payload = media_tags.settings_payload(escaping)
    payload["request"]["first_frame"] = "../../etc/passwd"
    media_tags._remux_with_tags(video, {media_tags.SETTINGS_TAG: json.dumps(payload)})
    job = media_tags.job_from_video(library, video)
    assert job is not None and job.request.first_frame is None
    assert job.state is JobState.DONE


def test_a_copy_left_by_a_killed_run_is_removed_on_the_next_pass(library, video):
    stale = video.with_name(f".{video.name}.abc123{media_tags.TEMP_SUFFIX}")
    stale.write_bytes(b"half a copy")
    other = video.with_name("other.mp4")
    other.write_bytes(b"someone's file")
    assert media_tags.write_settings(video, done_job(library), library)
    assert not stale.exists() and other.read_bytes() == b"someone's file"


def test_a_chinese_prompt_survives_the_tags_in_utf8(library, video, chinese):
    job = done_job(library, request=replace(done_job(library).request, prompt="山后的日落很美", negative_prompt="模糊"))
    assert media_tags.write_settings(video, job, library)
    with av.open(str(video)) as container:
        tags = dict(container.metadata)
    assert tags["title"] == "山后的日落很美"
    assert tags["description"] == "Negative prompt: 模糊"  # the tags are for other programs: English words
    assert json.loads(tags[media_tags.SETTINGS_TAG])["request"]["prompt"] == "山后的日落很美"
    assert media_tags.read_settings(video).request.prompt == "山后的日落很美"
