"""The engine against the real simulator over real HTTP: every state, every recovery path, and money safety
(each job creates exactly one task on the service)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import av
import pytest

from tests.conftest import TEST_KEY
from tests.engine_helpers import EngineRig, make_image
from wan_desktop.core.dashscope.errors import AmbiguousNetworkError
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.events import EngineMode, EventKind, UncertainDecision
from wan_desktop.core.jobs import JobState, utc_now


@pytest.fixture
def rig(tmp_path, simulator):
    rig = EngineRig(tmp_path, simulator.base_url, TEST_KEY)
    yield rig
    rig.close()


@pytest.fixture
def image(tmp_path):
    return make_image(tmp_path / "input.png")


def request(image, **changes) -> GenerationRequest:
    base = GenerationRequest(
        model="wan2.2-i2v-plus", first_frame=str(image), prompt="a fox in the snow", resolution="480P", duration=5
    )
    return replace(base, **changes)


def tasks_per_job(simulator, rig) -> Counter:
    owned = {job.task_id: job.id for job in rig.engine.jobs() if job.task_id}
    return Counter(owned.get(task["id"], "unowned") for task in simulator.tasks())


def assert_done_once(simulator, rig, jobs) -> None:
    for job in jobs:
        final = rig.job(job.id)
        assert final.state is JobState.DONE, (final.state, final.error_message)
        video = rig.library_dir / final.video_path
        assert video.is_file() and (rig.library_dir / final.thumbnail_path).is_file()
        assert (rig.library_dir / final.sidecar_path).is_file()
        with av.open(str(video)) as container:
            assert container.streams.video[0].frames > 0
    counts = tasks_per_job(simulator, rig)
    assert counts == Counter({job.id: 1 for job in jobs}), counts
    assert all(task["create_request_count"] == 1 for task in simulator.tasks())
    assert not list(rig.library_dir.rglob("*.part"))


def test_jobs_go_from_queued_to_done_with_video_thumbnail_and_sidecar(rig, simulator, image):
    jobs = rig.engine.add_jobs([request(image), request(image, prompt="a second fox")])
    assert [job.state for job in jobs] == [JobState.QUEUED, JobState.QUEUED]
    rig.run_until_idle()
    assert_done_once(simulator, rig, jobs)
    seen = [e.job.state for e in rig.events if e.kind is EventKind.JOB_UPDATED and e.job.id == jobs[0].id]
    for state in (JobState.SUBMITTING, JobState.PENDING, JobState.SUCCEEDED, JobState.DOWNLOADING, JobState.DONE):
        assert state in seen
    assert seen.index(JobState.SUBMITTING) < seen.index(JobState.PENDING) < seen.index(JobState.DONE)
    done = rig.job(jobs[0].id)
    assert done.usage and done.finished_at and done.request_ids and done.cost is not None
    # the journal matches memory: a new store sees the same finished job
    assert rig.store.get(done.id).state is JobState.DONE


def test_inputs_are_copied_into_the_library(rig, image):
    (job,) = rig.engine.add_jobs([request(image)])
    kept = job.request.first_frame
    assert kept != str(image) and str(rig.library_dir) in kept
    image.unlink()  # the original moves away; the job still has its input
    rig.run_until_idle()
    assert rig.job(job.id).state is JobState.DONE


def test_invalid_request_is_refused_before_anything_is_queued(rig, image):
    from wan_desktop.core.dashscope.errors import LocalValidationError

    with pytest.raises(LocalValidationError) as info:
        rig.engine.add_jobs([request(image), request(image, duration=9)])
    assert "duration" in str(info.value)
    assert rig.engine.jobs() == []


def test_429_storm_on_create_is_retried_and_creates_one_task(rig, simulator, image):
    simulator.add_faults(
        [
            {
                "on": "create",
                "times": 4,
                "status": 429,
                "code": "Throttling.RateQuota",
                "message": "Requests rate limit exceeded, please try again later.",
                "retry_after": 0.1,
            }
        ]
    )
    jobs = rig.engine.add_jobs([request(image)])
    rig.run_until_idle()
    assert_done_once(simulator, rig, jobs)
    assert rig.job(jobs[0].id).attempts == 4


def test_server_error_on_create_is_retried(rig, simulator, image):
    simulator.add_faults(
        [
            {
                "on": "create",
                "times": 2,
                "status": 500,
                "code": "InternalError",
                "message": "An internal error has occured, please try again later.",
            }
        ]
    )
    jobs = rig.engine.add_jobs([request(image)])
    rig.run_until_idle()
    assert_done_once(simulator, rig, jobs)


def test_lost_reply_after_the_task_exists_is_reconciled_not_resubmitted(rig, simulator, image):
    simulator.add_faults([{"on": "create", "times": 1, "action": "drop_after_commit"}])
    jobs = rig.engine.add_jobs([request(image)])
    rig.run_until_idle()
    assert_done_once(simulator, rig, jobs)
    states = [e.job.state for e in rig.events if e.kind is EventKind.JOB_UPDATED]
    assert JobState.SUBMIT_UNCERTAIN in states


def test_dropped_create_that_made_no_task_is_sent_once_the_list_confirms_it(rig, simulator, image):
    simulator.add_faults([{"on": "create", "times": 1, "action": "drop"}])
    (job,) = rig.engine.add_jobs([request(image)])
    rig.run_until_idle()
    assert_done_once(simulator, rig, [job])
    searches = [r for r in simulator.requests() if r["path"] == "/api/v1/tasks"]
    assert len(searches) == len(rig.engine.config.reconcile_delays)  # searched every time before resending


def test_dropped_create_waits_for_the_person_when_told_to(tmp_path, simulator, image):
    rig = EngineRig(tmp_path, simulator.base_url, TEST_KEY, requeue_when_absent=False)
    simulator.add_faults([{"on": "create", "times": 1, "action": "drop"}])
    (job,) = rig.engine.add_jobs([request(image)])
    rig.run_until_idle()
    waiting = rig.job(job.id)
    assert waiting.state is JobState.SUBMIT_UNCERTAIN and waiting.error_code == "TaskNotFound"
    assert simulator.tasks() == []  # and never a second create on its own
    assert rig.engine.waiting_on_person() == [waiting]
    rig.engine.decide(job.id, UncertainDecision.RESUBMIT)
    rig.run_until_idle()
    assert_done_once(simulator, rig, [job])
    rig.close()


def test_two_unowned_candidates_are_left_to_the_person(rig, simulator, image):
    # another client of the same account creates a task of the same model in the same moment
    import httpx

    other = {
        "model": "wan2.2-i2v-plus",
        "input": {"img_url": "https://example.com/a.png"},
        "parameters": {"resolution": "480P"},
    }
    httpx.post(
        simulator.base_url + "/services/aigc/video-generation/video-synthesis",
        json=other,
        headers={"Authorization": f"Bearer {TEST_KEY}", "X-DashScope-Async": "enable"},
    ).raise_for_status()
    simulator.add_faults([{"on": "create", "times": 1, "action": "drop_after_commit"}])
    (job,) = rig.engine.add_jobs([request(image)])
    # the other task was created before this job's create went out, but inside the clock-skew margin
    rig.run_until_idle()
    waiting = rig.job(job.id)
    assert waiting.state is JobState.SUBMIT_UNCERTAIN and waiting.error_code == "TaskAmbiguous"
    assert len(simulator.tasks()) == 2
    rig.engine.decide(job.id, UncertainDecision.DROP)
    assert rig.job(job.id).state is JobState.CANCELED


def test_truncated_download_resumes_to_an_intact_file(rig, simulator, image):
    simulator.add_faults([{"on": "download", "times": 2, "action": "truncate"}])
    jobs = rig.engine.add_jobs([request(image)])
    rig.run_until_idle()
    assert_done_once(simulator, rig, jobs)
    ranged = [
        r
        for r in simulator.requests()
        if r["method"] == "GET" and not r["path"].startswith("/api/") and r["status"] == 206
    ]
    assert ranged, "the second attempt resumes with a Range request"


def test_failed_task_becomes_failed_with_words_and_code(rig, simulator, image):
    simulator.add_faults(
        [
            {
                "on": "task",
                "times": 1,
                "fail_code": "DataInspectionFailed",
                "fail_message": "Input data may contain inappropriate content.",
            }
        ]
    )
    (job,) = rig.engine.add_jobs([request(image)])
    rig.run_until_idle()
    failed = rig.job(job.id)
    assert failed.state is JobState.FAILED
    assert failed.error_code == "DataInspectionFailed"
    assert "content check" in failed.error_message
    assert failed.error_detail == "Input data may contain inappropriate content."
    assert rig.engine.retry(job.id).message == "Queued again."
    rig.run_until_idle()
    assert rig.job(job.id).state is JobState.DONE


def test_wrong_key_blocks_the_queue_without_losing_or_creating_anything(tmp_path, simulator, image):
    rig = EngineRig(tmp_path, simulator.base_url, "sk-wrong")
    try:
        (job,) = rig.engine.add_jobs([request(image)])
        rig.run_until_idle()
        assert rig.engine.mode is EngineMode.BLOCKED
        assert "key" in rig.engine.mode_reason.lower()
        assert rig.job(job.id).state is JobState.QUEUED
        assert simulator.tasks() == []
    finally:
        rig.close()


def test_task_the_service_forgot_becomes_expired(rig, simulator, image):
    (job,) = rig.engine.add_jobs([request(image)])
    with rig.running():
        rig.wait_until(lambda: rig.job(job.id).state in (JobState.PENDING, JobState.RUNNING))
        rig.engine.post(rig.engine.pause)
        rig.wait_until(lambda: rig.engine.mode is EngineMode.PAUSED)
        simulator.advance(25 * 3600 * 0.01 * 100)  # far past the service's 24 h (scaled) memory
        rig.engine.post(rig.engine.resume)
        rig.wait_until(lambda: rig.job(job.id).state.is_final)
    expired = rig.job(job.id)
    assert expired.state is JobState.EXPIRED and "24 hours" in expired.error_message


def test_recovery_marks_jobs_past_the_service_memory_as_expired(rig, simulator, image):
    (job,) = rig.engine.add_jobs([request(image)])
    old = utc_now() - timedelta(days=2)
    stale = job.moved_to(JobState.SUBMITTING, submit_started_at=old).moved_to(JobState.PENDING, task_id="gone")
    rig.store.save(stale)
    rig.close()
    rig2 = EngineRig(rig.home.parent, simulator.base_url, TEST_KEY)
    try:
        rig2.engine.recover()
        recovered = rig2.job(job.id)
        assert recovered.state is JobState.EXPIRED and "24 hours" in recovered.error_message
        assert not any(r["path"].startswith("/api/v1/tasks/gone") for r in simulator.requests())
    finally:
        rig2.close()


def test_recovery_resumes_a_job_left_submitting_by_a_crash(rig, simulator, image):
    simulator.add_faults([{"on": "create", "times": 1, "action": "drop_after_commit"}])
    (job,) = rig.engine.add_jobs([request(image)])
    prepared = rig.client.prepare(job.request)
    rig.store.save(job.moved_to(JobState.SUBMITTING, submit_started_at=utc_now()))
    with pytest.raises(AmbiguousNetworkError):
        rig.client.create(prepared)  # the create went out, then "the app died"
    rig.close()
    rig2 = EngineRig(rig.home.parent, simulator.base_url, TEST_KEY)
    try:
        rig2.run_until_idle()
        assert_done_once(simulator, rig2, [job])
    finally:
        rig2.close()


def test_cancel_a_pending_task_on_the_service(tmp_path, image):
    from wan_desktop.simulator.server import SimulatorServer

    # a slow clock keeps the task PENDING long enough to cancel it
    with SimulatorServer(api_keys=[TEST_KEY], time_scale=1.0, data_dir=tmp_path / "sim") as slow:
        rig = EngineRig(tmp_path, slow.base_url, TEST_KEY, time_scale=1.0)
        try:
            (job,) = rig.engine.add_jobs([request(image)])
            with rig.running():
                rig.wait_until(lambda: rig.job(job.id).state is JobState.PENDING)
                answers = []
                rig.engine.post(lambda: answers.append(rig.engine.cancel(job.id)))
                rig.wait_until(lambda: rig.job(job.id).state is JobState.CANCELED)
            assert [answer.message for answer in answers] == ["Canceled on the service; not charged."]
            assert [t["status"] for t in slow.tasks()] == ["CANCELED"]
        finally:
            rig.close()


def test_cancel_queued_and_remove(rig, image):
    (job,) = rig.engine.add_jobs([request(image)])
    assert rig.engine.cancel(job.id).message == "Canceled."
    assert rig.job(job.id).state is JobState.CANCELED
    assert rig.engine.remove(job.id).message == "Removed."
    assert rig.engine.job(job.id) is None and rig.store.get(job.id) is None


def test_model_concurrency_cap_is_respected(rig, simulator, image):
    jobs = rig.engine.add_jobs([request(image, prompt=f"fox {n}") for n in range(5)])
    peak = 0

    def watch(event):
        nonlocal peak
        on_service = [
            j for j in rig.engine.jobs() if j.state in (JobState.SUBMITTING, JobState.PENDING, JobState.RUNNING)
        ]
        peak = max(peak, len(on_service))

    rig.engine._rt._listener = lambda e: (rig._record(e), watch(e))
    rig.run_until_idle()
    assert_done_once(simulator, rig, jobs)
    assert peak <= 2  # wan2.2-i2v-plus allows 2 concurrent tasks per account


def test_key_never_written_to_disk_or_sent_outside_the_api(rig, simulator, image):
    jobs = rig.engine.add_jobs([request(image)])
    rig.run_until_idle()
    assert_done_once(simulator, rig, jobs)
    for folder in (rig.home, rig.library_dir):
        for path in folder.rglob("*"):
            if path.is_file():
                assert TEST_KEY.encode() not in path.read_bytes(), path
    outside = [r for r in simulator.requests() if not r["path"].startswith("/api/v1/")]
    assert outside and not any(r["has_auth"] for r in outside)


def test_storage_refusing_a_live_task_never_gives_up_the_video(rig, simulator, image):
    """A 403 from the storage host while the service still has the task: retry, never expire."""
    simulator.add_faults(
        [{"on": "download", "times": 3, "status": 403, "code": "AccessDenied", "message": "Request has expired."}]
    )
    jobs = rig.engine.add_jobs([request(image)])
    rig.run_until_idle()
    assert_done_once(simulator, rig, jobs)


def test_full_library_disk_is_reported_and_the_download_resumes(tmp_path, simulator, image):
    from tests.disks import mount_tmpfs, unmount

    library = tmp_path / "library"
    mount_tmpfs(library, "4m")
    rig = EngineRig(tmp_path, simulator.base_url, TEST_KEY, disk_retry=0.2)
    try:
        (job,) = rig.engine.add_jobs([request(image)])
        filler = library / "someone-elses-big-file"
        with pytest.raises(OSError):
            filler.write_bytes(bytes(8 * 1024 * 1024))  # the disk is now full
        with rig.running():
            rig.wait_until(lambda: any(e.kind is EventKind.NOTICE and "full" in e.message for e in rig.events))
            assert rig.job(job.id).state in (JobState.SUCCEEDED, JobState.DOWNLOADING)
            assert not list(library.rglob("*.mp4"))
            filler.unlink()  # the person frees space
            rig.wait_until(lambda: rig.job(job.id).state is JobState.DONE)
        assert_done_once(simulator, rig, [job])
    finally:
        rig.close()
        unmount(library)


def test_full_database_disk_blocks_creates_until_it_can_journal(tmp_path, simulator, image):
    """No journal, no create: a create is never sent while its `submitting` row cannot be written.
    (A read-only remount is refused while SQLite holds the file open; the store's own tests cover
    read-only folders.)"""
    from tests.disks import mount_tmpfs, unmount

    home = tmp_path / "home"
    mount_tmpfs(home, "8m")
    rig = EngineRig(tmp_path, simulator.base_url, TEST_KEY, store_retry=0.2)
    filler = home / "someone-elses-big-file"
    try:
        (job,) = rig.engine.add_jobs([request(image)])
        with pytest.raises(OSError):
            filler.write_bytes(bytes(16 * 1024 * 1024))
        with rig.running():
            rig.wait_until(lambda: any(e.kind is EventKind.NOTICE and "full" in e.message.lower() for e in rig.events))
            assert simulator.tasks() == []
            filler.unlink()
            rig.wait_until(lambda: rig.job(job.id).state is JobState.DONE)
        assert_done_once(simulator, rig, [job])
    finally:
        rig.close()
        unmount(home)


def test_forget_drops_a_finished_job_and_refuses_a_live_one(rig, image):
    done, live = rig.engine.add_jobs([request(image), request(image)])
    rig.engine.cancel(done.id)
    assert rig.engine.forget(live.id).message.startswith("A job that is queued")
    assert rig.engine.forget(done.id).message == "Deleted."
    assert rig.engine.job(done.id) is None and rig.store.get(done.id) is None
    assert rig.events[-1].kind is EventKind.JOB_REMOVED and rig.events[-1].job_id == done.id


def test_learned_clock_offset_keeps_an_earlier_foreign_task_out_of_reconciliation(tmp_path, simulator, image):
    """Once a few tasks have shown how the service's clock relates to ours, a task another program created
    well before our lost create is no longer a candidate, so the lost one is found without asking."""
    import httpx

    rig = EngineRig(tmp_path, simulator.base_url, TEST_KEY, clock_slack=0.5)
    try:
        other = {
            "model": "wan2.2-i2v-plus",
            "input": {"img_url": "https://example.com/a.png"},
            "parameters": {"resolution": "480P"},
        }
        httpx.post(
            simulator.base_url + "/services/aigc/video-generation/video-synthesis",
            json=other,
            headers={"Authorization": f"Bearer {TEST_KEY}", "X-DashScope-Async": "enable"},
        ).raise_for_status()
        rig.engine.add_jobs([request(image, prompt=f"warm-up {n}") for n in range(3)])
        rig.run_until_idle()  # takes seconds: the foreign task is now well in the past
        assert len(rig.engine._loop.reconciler.clock_offsets) == 3
        simulator.add_faults([{"on": "create", "times": 1, "action": "drop_after_commit"}])
        (job,) = rig.engine.add_jobs([request(image, prompt="the lost one")])
        rig.run_until_idle()
        found = rig.job(job.id)
        assert found.state is JobState.DONE, (found.state, found.error_message)
        owned = {j.task_id for j in rig.engine.jobs()}
        assert len([t for t in simulator.tasks() if t["id"] not in owned]) == 1  # the foreign one, left alone
        assert all(t["create_request_count"] == 1 for t in simulator.tasks())
    finally:
        rig.close()


def test_a_persons_file_at_the_videos_name_keeps_its_place_and_the_note_follows_the_video(rig, simulator, image):
    (job,) = rig.engine.add_jobs([request(image)])
    theirs = rig.engine.library.video_path(job)
    theirs.parent.mkdir(parents=True, exist_ok=True)
    theirs.write_bytes(b"the person's own file, not ours")
    rig.run_until_idle()
    done = rig.job(job.id)
    assert done.state is JobState.DONE, done.error_message
    assert theirs.read_bytes() == b"the person's own file, not ours"
    video, note = rig.library_dir / done.video_path, rig.library_dir / done.sidecar_path
    assert video.name == f"{theirs.stem} (2).mp4" and note == video.with_suffix(".json") and note.is_file()
    assert not theirs.with_suffix(".json").exists()
