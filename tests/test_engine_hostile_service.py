"""Issue 9, item 7: against a service that lies, `run` (the engine until idle) always ends, with the job failed
in words that state the real cause, and each job still makes exactly one task. The simulator plays the lies."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import TEST_KEY
from tests.engine_helpers import EngineRig, make_image
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import JobState


@pytest.fixture
def rig(tmp_path, simulator):
    rig = EngineRig(tmp_path, simulator.base_url, TEST_KEY)
    yield rig
    rig.close()


def one_job(rig, tmp_path):
    image = make_image(tmp_path / "input.png")
    base = GenerationRequest(model="wan2.2-i2v-plus", first_frame=str(image), prompt="a fox", resolution="480P")
    (job,) = rig.engine.add_jobs([replace(base, duration=5)])
    return job


LIES = {
    "a task that succeeded with no link": ({"on": "task", "action": "no_video_url"}, "link"),
    "a link to a local file": ({"on": "task", "video_url": "file:///etc/passwd"}, "not a web address"),
    "a link of another scheme": ({"on": "task", "video_url": "ftp://example.com/v.mp4"}, "not a web address"),
    "a link that is not found, for good": ({"on": "download", "action": "not_found_forever", "times": 20}, "found"),
    "a lying length, Range ignored": (
        {"on": "download", "action": "lying_length", "times": 20},
        "ignores resume",
    ),
    "a 10 GB video": ({"on": "download", "action": "huge_length", "times": 20}, "GiB"),
}


@pytest.mark.parametrize("lie", sorted(LIES))
def test_run_ends_with_the_real_cause_when_the_service_lies(rig, simulator, tmp_path, lie):
    fault, cause = LIES[lie]
    simulator.add_faults([fault])
    job = one_job(rig, tmp_path)
    rig.run_until_idle(timeout=120)
    final = rig.job(job.id)
    assert final.state is JobState.FAILED, (final.state, final.error_message)
    assert cause.lower() in (final.error_message or "").lower(), final.error_message
    assert "could not connect" not in final.error_message.lower()
    assert len(simulator.tasks()) == 1
    assert not list(rig.library_dir.rglob("*.part"))


def test_a_query_reply_that_is_not_json_is_ridden_out(rig, simulator, tmp_path):
    simulator.add_faults([{"on": "query", "action": "non_json_200", "times": 3}])
    job = one_job(rig, tmp_path)
    rig.run_until_idle(timeout=120)
    assert rig.job(job.id).state is JobState.DONE
    assert len(simulator.tasks()) == 1
