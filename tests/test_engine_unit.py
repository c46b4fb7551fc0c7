"""The engine on the in-memory fake service and a fake clock: throttling, back-off, reconciliation, recovery,
polling, caps, the rulebook, and the bounds on every retry. No sockets, no video, no sleeps: hours of the
engine's time pass in milliseconds."""

from __future__ import annotations

import ast
import inspect
import threading
from collections import deque
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from tests.fake_service import FakeService, InlinePool, auth_refused, server_error, throttled, unreadable_reply
from wan_desktop.core.dashscope.catalog import Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.downloader import DownloadOutcome, DownloadStatus
from wan_desktop.core.engine import Engine, EngineConfig, FakeClock, Outcome
from wan_desktop.core.events import EngineMode, EventKind, UncertainDecision
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.library import Library
from wan_desktop.core.store import JobStore

MODEL = "wan2.2-i2v-plus"  # two tasks at once per account


class Bench:
    """An engine over a temp home and library, on the fake service and a fake clock."""

    def __init__(
        self,
        tmp_path,
        *,
        service: FakeService | None = None,
        clock: FakeClock | None = None,
        db_name: str = "jobs.sqlite3",
        fetch=None,
        **config,
    ) -> None:
        """``fetch`` downloads the videos (the real downloader, say); the fake service's own by default."""
        self.clock = clock or FakeClock()
        self.service = service or FakeService(self.clock)
        self.store = JobStore(tmp_path / "home" / db_name)
        self.library = Library(tmp_path / "library")
        self.events = []
        self.config = EngineConfig(region=Region.CUSTOM, **config)
        self.engine = Engine(
            self.store,
            self.library,
            self.service,
            self.config,
            listener=self.events.append,
            clock=self.clock,
            fetch=fetch or self.service.fetch,
            pool_factory=InlinePool,
        )

    def add(self, count: int = 1, **changes) -> list[Job]:
        base = GenerationRequest(
            model=MODEL, first_frame="https://example.com/fox.png", prompt="a fox", resolution="480P", duration=5
        )
        return self.engine.add_jobs([replace(base, prompt=f"fox {n}", **changes) for n in range(count)])

    def run(self) -> None:
        """The real loop until idle; its sleeps advance the fake clock (which fails past a week)."""
        self.engine.run(threading.Event(), until_idle=True)

    def turns_until(self, predicate, limit: int = 2000) -> None:
        """Turn the loop, advancing the clock to each next due time, until ``predicate()`` holds."""
        self.engine.start_downloads()
        try:
            for _ in range(limit):
                self.engine.turn()
                if predicate():
                    return
                self.clock.advance(self.engine.seconds_until_due())
            raise AssertionError("condition not reached")
        finally:
            self.engine.stop_downloads()

    def job(self, job_id: str) -> Job:
        return self.engine.job(job_id)

    def fresh_engine(self) -> Engine:
        """A second engine over the same journal, as after a restart (no listener)."""
        return Engine(
            self.store,
            self.library,
            self.service,
            self.config,
            clock=self.clock,
            fetch=self.service.fetch,
            pool_factory=InlinePool,
        )

    def close(self) -> None:
        self.store.close()


@pytest.fixture
def bench(tmp_path):
    made = Bench(tmp_path)
    yield made
    made.close()


def state_of(bench: Bench, job: Job) -> JobState:
    return bench.job(job.id).state


# -- the normal path and the polling schedule ---------------------------------------------------------------
def test_a_job_goes_to_done_with_one_create_and_a_sparse_poll(bench):
    (job,) = bench.add()
    bench.run()
    done = bench.job(job.id)
    assert done.state is JobState.DONE, done.error_message
    assert bench.service.count("create") == 1
    assert (bench.library.root / done.video_path).is_file()
    assert bench.store.get(job.id) == done
    created = bench.service.times("create")[0]
    polls = [at - created for at in bench.service.times("get_task")]
    assert polls[0] >= bench.config.poll.first_poll - 1e-9  # asked once early, not at once
    gaps = [b - a for a, b in pairwise(polls)]
    assert all(bench.config.poll.floor - 1e-9 <= gap <= bench.config.poll.cap + 1e-9 for gap in gaps)
    assert len(polls) <= 12  # 35 s of service time: nowhere near the SDK's query every second


def test_paths_in_the_journal_are_relative_with_forward_slashes(bench):
    (job,) = bench.add()
    bench.run()
    done = bench.job(job.id)
    for path in (done.video_path, done.thumbnail_path, done.sidecar_path):
        assert not path.startswith("/") and "\\" not in path
        assert (bench.library.root / path).exists()


# -- throttling and back-off --------------------------------------------------------------------------------
def test_a_throttled_create_waits_for_retry_after_and_creates_once(bench):
    bench.service.script("create", throttled(retry_after=7.0))
    (job,) = bench.add()
    bench.run()
    assert state_of(bench, job) is JobState.DONE
    first, second = bench.service.times("create")
    assert second - first >= 7.0
    assert len(bench.service.tasks) == 1


def test_server_errors_on_create_back_off_doubling_up_to_the_cap(tmp_path):
    bench = Bench(tmp_path, retry_base=2.0, retry_cap=10.0)
    bench.service.script("create", *[server_error() for _ in range(6)])
    (job,) = bench.add()
    bench.run()
    assert state_of(bench, job) is JobState.DONE
    times = bench.service.times("create")
    gaps = [round(b - a) for a, b in pairwise(times)]
    assert len(times) == 7 and len(bench.service.tasks) == 1
    assert gaps[:3] == [2, 4, 8] and max(gaps) <= 10 + 1  # doubling, capped (within a loop wake-up)
    bench.close()


def test_a_throttled_query_pauses_every_query(bench):
    (job,) = bench.add()
    bench.turns_until(lambda: state_of(bench, job) is JobState.PENDING)
    bench.service.script("get_task", throttled(retry_after=20.0))
    bench.run()
    assert state_of(bench, job) is JobState.DONE
    first_poll, second_poll = bench.service.times("get_task")[:2]
    assert second_poll - first_poll >= 20.0


def test_a_refused_key_blocks_the_queue_and_run_ends_without_a_create(bench):
    bench.service.script("create", auth_refused())
    (job,) = bench.add()
    bench.run()
    assert bench.engine.mode is EngineMode.BLOCKED and "key" in bench.engine.mode_reason.lower()
    assert state_of(bench, job) is JobState.QUEUED and bench.service.tasks == {}


# -- reconciliation -----------------------------------------------------------------------------------------
def test_a_lost_reply_after_the_task_exists_is_adopted_not_sent_again(bench):
    bench.service.script("create", unreadable_reply(commit=True))
    (job,) = bench.add()
    bench.run()
    done = bench.job(job.id)
    assert done.state is JobState.DONE and bench.service.count("create") == 1
    assert done.task_id in bench.service.tasks and len(bench.service.tasks) == 1
    assert any(e.kind is EventKind.NOTICE and "Found the lost task" in e.message for e in bench.events)


def test_two_candidates_leave_the_job_to_the_person(bench):
    bench.service.add_foreign_task(MODEL, seconds_ago=1.0)
    bench.service.script("create", unreadable_reply(commit=True))
    (job,) = bench.add()
    bench.run()
    waiting = bench.job(job.id)
    assert waiting.state is JobState.SUBMIT_UNCERTAIN and waiting.error_code == "TaskAmbiguous"
    assert bench.engine.waiting_on_person() == [waiting] and bench.service.count("create") == 1


def test_a_create_that_made_no_task_is_sent_again_after_the_searches(bench):
    bench.service.script("create", unreadable_reply(commit=False))
    (job,) = bench.add()
    bench.run()
    assert state_of(bench, job) is JobState.DONE
    assert bench.service.count("create") == 2 and len(bench.service.tasks) == 1
    assert bench.service.count("list_tasks") == len(bench.config.reconcile_delays)


def test_automatic_resends_after_unreadable_replies_are_capped(bench):
    """Issue 9 item 8: replies that cannot be read and an empty task list re-sent without limit."""
    bench.service.script("create", *[unreadable_reply(commit=False) for _ in range(10)])
    (job,) = bench.add()
    bench.run()  # ends: before the fix it re-sent every ~26 s until the fake clock's week ran out
    waiting = bench.job(job.id)
    assert bench.service.count("create") == 1 + bench.config.max_auto_resends
    assert waiting.state is JobState.SUBMIT_UNCERTAIN and waiting.error_code == "TaskNotFound"
    assert "stopped sending it by itself" in waiting.error_message
    assert bench.engine.waiting_on_person() == [waiting]
    assert bench.engine.decide(job.id, UncertainDecision.RESUBMIT).ok  # the person may still send it


def test_a_failed_task_list_search_is_retried_with_back_off(bench):
    bench.service.script("create", unreadable_reply(commit=True))
    bench.service.script("list_tasks", server_error(), server_error())
    (job,) = bench.add()
    bench.run()
    assert state_of(bench, job) is JobState.DONE and len(bench.service.tasks) == 1


# -- recovery -----------------------------------------------------------------------------------------------
def test_recovery_after_a_crash_mid_create_finds_the_task(tmp_path):
    first = Bench(tmp_path)
    (job,) = first.add()
    # the crash: the claim was journaled and the create went out, then the process died
    first.store.save(job.moved_to(JobState.SUBMITTING, submit_started_at=first.clock.now()))
    first.service.create(first.service.prepare(job.request))  # reached the service; its reply is lost
    first.close()
    second = Bench(tmp_path, service=first.service, clock=first.clock)
    second.run()
    done = second.job(job.id)
    assert done.state is JobState.DONE and len(second.service.tasks) == 1
    assert second.service.count("create") == 1  # the recovered engine never sent it again
    second.close()


def test_recovery_of_an_interrupted_download_fetches_it_again(tmp_path):
    first = Bench(tmp_path)
    (job,) = first.add()
    first.turns_until(lambda: state_of(first, job) is JobState.SUCCEEDED)
    first.store.save(first.job(job.id).moved_to(JobState.DOWNLOADING))
    first.close()
    second = Bench(tmp_path, service=first.service, clock=first.clock)
    second.run()
    assert state_of(second, job) is JobState.DONE
    second.close()


def test_recovery_expires_a_job_older_than_the_service_keeps_tasks(tmp_path):
    first = Bench(tmp_path)
    (job,) = first.add()
    first.turns_until(lambda: state_of(first, job) is JobState.PENDING)
    first.close()
    first.clock.advance(25 * 3600)
    second = Bench(tmp_path, service=first.service, clock=first.clock)
    second.run()
    assert state_of(second, job) is JobState.EXPIRED
    second.close()


# -- caps ---------------------------------------------------------------------------------------------------
def _peak_on_service(bench: Bench) -> list[int]:
    peaks = []
    on_service = (JobState.SUBMITTING, JobState.PENDING, JobState.RUNNING, JobState.SUBMIT_UNCERTAIN)
    bench.engine._rt._listener = lambda e: peaks.append(sum(j.state in on_service for j in bench.engine.jobs()))
    return peaks


def test_the_models_concurrency_cap_is_respected(bench):
    jobs = bench.add(5)
    peaks = _peak_on_service(bench)
    bench.run()
    assert all(state_of(bench, job) is JobState.DONE for job in jobs)
    assert max(peaks) == 2 and bench.service.count("create") == 5


def test_the_persons_own_cap_is_respected(tmp_path):
    bench = Bench(tmp_path, max_concurrent=1)
    jobs = bench.add(3)
    peaks = _peak_on_service(bench)
    bench.run()
    assert all(state_of(bench, job) is JobState.DONE for job in jobs) and max(peaks) == 1
    bench.close()


# -- the money path: one claim, one create --------------------------------------------------------------------
def test_two_engines_on_one_database_send_one_create(tmp_path):
    """Issue 9 item 1: two engines over one home each sent every queued job."""
    one = Bench(tmp_path)
    (job,) = one.add()
    two = Bench(tmp_path, service=one.service, clock=one.clock)  # a second JobStore; it loads the queued row
    assert two.job(job.id).state is JobState.QUEUED
    for engine in (one.engine, two.engine, one.engine, two.engine):
        engine.turn()
    assert one.service.count("create") == 1 and len(one.service.tasks) == 1
    assert two.job(job.id) == one.store.get(job.id)  # the second took in the first one's row, not its own
    one.close()
    two.close()


# -- issue 9: nothing loops forever --------------------------------------------------------------------------
def test_a_queued_job_with_an_unknown_model_fails_and_does_not_block_the_queue(bench):
    (good,) = bench.add()
    stranger = replace(
        good,
        id="stranger",
        request=replace(good.request, model="wan9-dreams"),
        created_at=good.created_at.replace(year=2020),
    )
    bench.store.save(stranger)
    fresh = bench.fresh_engine()
    fresh.run(threading.Event(), until_idle=True)
    failed = fresh.job("stranger")
    assert failed.state is JobState.FAILED and "wan9-dreams" in failed.error_message
    assert fresh.job(good.id).state is JobState.DONE


def test_a_finished_task_without_a_link_fails_after_a_few_queries(bench):
    (job,) = bench.add()
    bench.turns_until(lambda: state_of(bench, job) is JobState.PENDING)
    task = bench.service.tasks[bench.job(job.id).task_id]
    task.video_url = None
    bench.run()
    failed = bench.job(job.id)
    assert failed.state is JobState.FAILED and "no link" in failed.error_message
    asked_after = [d for name, _, d in bench.service.calls if name == "get_task"]
    assert len(asked_after) <= 20 and bench.service.count("fetch") == 0


def test_a_refused_link_is_asked_again_then_fails_with_the_downloaders_sentence(bench):
    refused = "The video's link points at a private address; it was not fetched."
    (job,) = bench.add()
    bench.service.download_outcomes.extend(DownloadOutcome(job.id, DownloadStatus.REFUSED, refused) for _ in range(10))
    bench.run()
    failed = bench.job(job.id)
    assert failed.state is JobState.FAILED and failed.error_message == refused
    assert bench.service.count("fetch") <= bench.config.max_link_queries + 1


def test_a_refused_link_replaced_by_a_fresh_one_is_downloaded(bench):
    (job,) = bench.add()
    bench.service.download_outcomes.append(DownloadOutcome(job.id, DownloadStatus.REFUSED, "Too big."))
    bench.turns_until(lambda: state_of(bench, job) is JobState.SUCCEEDED)
    bench.service.links[bench.job(job.id).task_id] = deque(["https://results.example.com/fresh.mp4"])
    bench.run()
    done = bench.job(job.id)
    assert done.state is JobState.DONE and done.video_url.endswith("fresh.mp4")
    assert bench.service.count("fetch") == 2


def test_damaged_downloads_fail_after_three(bench):
    (job,) = bench.add()
    bench.service.download_outcomes.extend([DownloadStatus.DAMAGED] * 5)
    bench.run()
    assert state_of(bench, job) is JobState.FAILED and bench.service.count("fetch") == 3


# -- commands and the rulebook -------------------------------------------------------------------------------
def test_commands_answer_with_typed_outcomes_checked_against_the_rulebook(bench):
    queued, other = bench.add(2)
    assert bench.engine.cancel("nope").kind is Outcome.NOT_FOUND
    assert bench.engine.retry(queued.id).kind is Outcome.REFUSED
    assert bench.engine.decide(queued.id, UncertainDecision.DROP).kind is Outcome.REFUSED
    assert bench.engine.forget(queued.id).kind is Outcome.REFUSED
    canceled = bench.engine.cancel(queued.id)
    assert canceled.ok and canceled.job.state is JobState.CANCELED and canceled.message == "Canceled."
    bench.run()
    assert bench.engine.remove(other.id).kind is Outcome.REFUSED  # done: deleted from the history instead
    assert bench.engine.forget(other.id).ok and bench.store.get(other.id) is None
    assert bench.engine.remove(queued.id).ok


def test_a_running_task_cannot_be_canceled_and_a_pending_one_is(bench):
    first, second = bench.add(2)
    bench.turns_until(lambda: state_of(bench, second) is JobState.PENDING)
    answer = bench.engine.cancel(first.id)
    assert answer.ok and answer.job.state is JobState.CANCELED
    bench.turns_until(lambda: state_of(bench, second) is JobState.RUNNING)
    refused = bench.engine.cancel(second.id)
    assert refused.kind is Outcome.REFUSED and "generating" in refused.message


def test_a_favourite_set_through_the_engine_survives_its_later_saves(bench):
    """Issue 10 defect 1: a favourite set through a second store was erased by the engine's next save of
    the job (on a cancel, or a poll of a running job); favourite was offered on running jobs."""
    done, running, queued = bench.add(3)
    bench.engine.cancel(queued.id)
    bench.turns_until(lambda: state_of(bench, done) is JobState.DONE and state_of(bench, running) is JobState.DONE)
    refused = bench.engine.set_favourite(queued.id, True)
    assert refused.kind is Outcome.REFUSED and not bench.job(queued.id).favourite
    assert bench.engine.set_favourite(done.id, True).ok
    assert bench.engine.set_kept(done.id, True).ok
    (later,) = bench.add()
    bench.turns_until(lambda: state_of(bench, later) is JobState.RUNNING)
    assert bench.engine.set_favourite(later.id, True).kind is Outcome.REFUSED  # not on a running job
    bench.engine.cancel(later.id)  # refused: running
    bench.run()  # polls of the running job, and its download
    for view in (bench.job(done.id), bench.store.get(done.id)):
        assert view.favourite and view.kept is True


def test_import_takes_only_finished_jobs_and_never_queues(bench):
    (mine,) = bench.add()
    bench.run()
    finished = replace(bench.job(mine.id), id="imported-done")
    queued = replace(finished, id="imported-queued", state=JobState.QUEUED)
    outcome = bench.engine.import_jobs([finished, queued, bench.job(mine.id)])
    assert outcome.added == ("imported-done",) and outcome.already == 1
    assert [job_id for job_id, _ in outcome.refused] == ["imported-queued"]
    assert bench.store.get("imported-queued") is None and bench.service.count("create") == 1


def test_unit_run_needs_no_threads(bench):
    bench.add()
    before = threading.active_count()
    bench.run()
    assert threading.active_count() == before


def test_a_job_still_being_looked_for_does_not_say_it_needs_the_person(bench):
    """Issue 9 item 8: the CLI said "Needs your decision" while the engine searched and re-sent by itself."""
    from wan_desktop.core.jobs import job_label

    bench.service.script("create", unreadable_reply(commit=False))
    (job,) = bench.add()
    bench.turns_until(lambda: state_of(bench, job) is JobState.SUBMIT_UNCERTAIN)
    assert job_label(bench.job(job.id)) == "Checking with the service"
    waiting = replace(bench.job(job.id), error_code="TaskNotFound")
    assert job_label(waiting) == "Needs your decision"


def test_queries_failing_for_longer_than_the_service_keeps_tasks_end_in_expired(tmp_path):
    bench = Bench(tmp_path, idle_wait=60.0)  # a day of fake time in fewer turns
    (job,) = bench.add()
    bench.turns_until(lambda: state_of(bench, job) is JobState.PENDING)
    bench.service.script("get_task", *[server_error() for _ in range(5000)])
    bench.run()  # back-off capped at retry_cap, and bounded by the task's 24 hours
    assert state_of(bench, job) is JobState.EXPIRED
    said = [e.message for e in bench.events if e.kind is EventKind.NOTICE and e.job_id == job.id]
    assert len(said) == 1 and "keeps asking" in said[0]  # the cause is said once, not every minute
    bench.close()


def test_downloads_failing_for_longer_than_the_service_keeps_tasks_end_in_expired(tmp_path):
    bench = Bench(tmp_path, idle_wait=60.0, retry_cap=600.0)
    (job,) = bench.add()
    bench.service.download_outcomes.extend([DownloadStatus.NETWORK] * 5000)
    bench.run()
    assert state_of(bench, job) is JobState.EXPIRED
    gaps = [b - a for a, b in pairwise(bench.service.times("fetch"))]
    assert max(gaps) <= bench.config.retry_cap + bench.config.idle_wait
    bench.close()


def test_the_real_downloader_saves_a_real_video_from_the_fake(tmp_path):
    from tests.fake_service import tiny_mp4
    from wan_desktop.core.downloader import fetch_video

    bench = Bench(tmp_path, fetch=fetch_video)
    bench.service.video_bytes = tiny_mp4(seconds=5.0)
    (job,) = bench.add()
    bench.run()
    done = bench.job(job.id)
    assert done.state is JobState.DONE, done.error_message
    saved = bench.library.root / done.video_path
    # The video's own packets arrive unchanged; only the container gains the settings tags (issue 13).
    assert _packets(saved) == _packets_of_bytes(bench.service.video_bytes, tmp_path / "sent.mp4")
    from wan_desktop.core.media_tags import read_settings

    assert read_settings(saved).task_id == done.task_id
    assert (bench.library.root / done.thumbnail_path).stat().st_size > 0
    bench.close()


def _packets(path: Path) -> list[bytes]:
    import av

    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux() if packet.size]


def _packets_of_bytes(data: bytes, path: Path) -> list[bytes]:
    path.write_bytes(data)
    return _packets(path)


# -- the shape of the engine ---------------------------------------------------------------------------------
ENGINE_DIR = Path(__file__).resolve().parent.parent / "wan_desktop" / "core" / "engine"


@pytest.mark.parametrize("implementation", ["client", "fake"])
def test_the_client_and_the_fake_implement_the_service_protocol(implementation):
    from wan_desktop.core.dashscope.client import DashScopeClient
    from wan_desktop.core.engine import VideoService

    cls = DashScopeClient if implementation == "client" else FakeService
    for name in ("prepare", "create", "get_task", "cancel_task", "list_tasks", "download"):
        wanted = inspect.signature(getattr(VideoService, name)).parameters
        given = inspect.signature(getattr(cls, name)).parameters
        assert set(wanted) <= set(given), (name, sorted(set(wanted) - set(given)))


def test_the_engine_reads_time_only_through_its_clock():
    offenders = [
        path.name
        for path in ENGINE_DIR.glob("*.py")
        if path.name != "clock.py"
        and any(word in path.read_text() for word in ("time.monotonic", "datetime.now", "utc_now", "time.sleep"))
    ]
    assert offenders == []


def test_only_the_journal_writes_job_rows():
    writes = ("store.save(", "store.add(", "store.delete(", "store.claim(")
    writers = sorted(path.name for path in ENGINE_DIR.glob("*.py") if any(call in path.read_text() for call in writes))
    assert writers == ["journal.py"]


def test_the_engine_package_stays_small():
    for path in ENGINE_DIR.glob("*.py"):
        tree = ast.parse(path.read_text())
        assert len(path.read_text().splitlines()) < 500, path.name
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert length <= 60, (path.name, node.name, length)
            if isinstance(node, ast.ClassDef) and node.name == "Engine":
                assert length < 300, length
        assert "fmt: skip" not in path.read_text(), path.name


def test_a_queued_job_whose_recorded_input_leads_outside_the_library_is_never_uploaded(bench, tmp_path):
    # issue 9, item 2: a path read from the database must stay in the library's inputs folder
    secret = tmp_path / "private.png"
    secret.write_bytes(b"not for the service")
    (good,) = bench.add()
    planted = replace(good, id="planted", request=replace(good.request, first_frame=str(secret)))
    bench.store.save(planted)
    fresh = bench.fresh_engine()
    fresh.run(threading.Event(), until_idle=True)
    failed = fresh.job("planted")
    assert failed.state is JobState.FAILED and "inputs folder" in failed.error_message
    assert bench.service.count("prepare") == 1 and bench.service.count("create") == 1  # only the good job
    assert fresh.job(good.id).state is JobState.DONE
