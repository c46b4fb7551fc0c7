"""The engine thread carries the Library tab's changes to the engine (the only writer of job rows) and answers
every request with one EngineReply, even when the engine raises; its loop goes on."""

from __future__ import annotations

import queue
import threading
from datetime import UTC, datetime

import pytest

from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.engine import CommandOutcome, ImportOutcome, Outcome
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.qt.engine_thread import EngineReply, EngineThread

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def make_job(job_id: str, **changes) -> Job:
    request = GenerationRequest("wan2.2-i2v-flash", "https://example.com/a.png", prompt="a fox")
    return Job(job_id, request, JobState.DONE, NOW, NOW, "ap-southeast-1", **changes)


class FakeEngine:
    """Runs posted commands on the engine thread, one at a time, as the real loop does."""

    def __init__(self) -> None:
        self._commands: queue.Queue = queue.Queue()
        self.threads: set[int] = set()

    def post(self, command) -> None:
        self._commands.put(command)

    def wake(self) -> None:
        self._commands.put(None)

    def jobs(self) -> list[Job]:
        return []

    def run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            command = self._commands.get()
            if command is not None:
                command()

    def set_favourite(self, job_id: str, favourite: bool) -> CommandOutcome:
        self.threads.add(threading.get_ident())
        if job_id == "running":
            return CommandOutcome(Outcome.REFUSED, "Only a finished video can be a favourite.")
        return CommandOutcome(Outcome.DONE, "Saved.", make_job(job_id, favourite=favourite))

    def import_jobs(self, jobs) -> ImportOutcome:
        return ImportOutcome(tuple(job.id for job in jobs), 0, (), f"Imported {len(jobs)} videos.")

    def forget(self, job_id: str) -> CommandOutcome:
        if job_id == "boom":
            raise OSError("disk I/O error")
        return CommandOutcome(Outcome.DONE, "Deleted.")


class FakeSession:
    def __init__(self) -> None:
        self.engine = FakeEngine()
        self.store = None
        self.closed = threading.Event()

    def close(self) -> None:
        self.closed.set()


@pytest.fixture
def running(qtbot):
    session = FakeSession()
    thread = EngineThread(lambda _listener: session)
    yield thread, session
    thread.stop()
    thread.wait()


def ask(qtbot, thread: EngineThread, request) -> EngineReply:
    with qtbot.waitSignal(thread.replied, timeout=5000) as replied:
        request()
    return replied.args[0]


def test_a_request_made_before_the_engine_started_is_answered_once_it_runs(qtbot, running):
    thread, session = running
    thread.set_favourite("j1", True)  # queued: the session is not open yet
    with qtbot.waitSignal(thread.replied, timeout=5000) as replied:
        thread.start()
    reply = replied.args[0]
    assert (reply.request, reply.job_id, reply.ok, reply.job.favourite) == ("favourite", "j1", True, True)
    assert threading.get_ident() not in session.engine.threads  # carried out on the engine's thread


def test_each_request_comes_back_as_a_reply(qtbot, running):
    thread, _session = running
    with qtbot.waitSignal(thread.ready, timeout=5000):
        thread.start()
    refused = ask(qtbot, thread, lambda: thread.set_favourite("running", True))
    assert not refused.ok and refused.message == "Only a finished video can be a favourite."
    imported = ask(qtbot, thread, lambda: thread.import_jobs([make_job("a"), make_job("b")]))
    assert imported.request == "import" and imported.added == ("a", "b") and imported.ok
    forgotten = ask(qtbot, thread, lambda: thread.forget("j1"))
    assert forgotten.request == "forget" and forgotten.ok and forgotten.job_id == "j1"


def test_an_engine_error_becomes_a_reply_and_the_loop_goes_on(qtbot, running):
    thread, _session = running
    with qtbot.waitSignal(thread.ready, timeout=5000):
        thread.start()
    failed = ask(qtbot, thread, lambda: thread.forget("boom"))
    assert not failed.ok and "disk I/O error" in failed.message
    assert ask(qtbot, thread, lambda: thread.set_favourite("j2", False)).ok
