"""The one worker helper: every piece of work reports finished or failed (never swallowed), cancel is
cooperative, and nothing is left running after shutdown."""

from __future__ import annotations

import threading

import pytest

from wan_desktop.qt.background import BackgroundCalls, Cancelled, Failure, WorkContext


@pytest.fixture
def calls(qtbot):
    made = BackgroundCalls(max_threads=2)
    yield made
    made.shutdown()


def test_success_reaches_on_done_and_the_finished_signal(qtbot, calls):
    results = []
    with qtbot.waitSignal(calls.finished, timeout=5000) as finished:
        token = calls.run(lambda: 6 * 7, results.append)
    assert finished.args == [token, 42] and results == [42]
    assert not calls.busy


def test_an_exception_becomes_a_failed_report_with_a_sentence(qtbot, calls):
    errors = []

    def broken():
        raise OSError(28, "No space left on device")

    with qtbot.waitSignal(calls.failed, timeout=5000) as failed:
        calls.run(broken, lambda _result: pytest.fail("a failure must not look like a result"), errors.append)
    failure = failed.args[1]
    assert isinstance(failure, Failure) and "No space left on device" in failure.sentence
    assert isinstance(errors[0], OSError)


def test_an_exception_with_nobody_to_tell_is_still_reported_and_logged(qtbot, calls, caplog):
    class Unexplained(Exception):
        pass

    def broken():
        raise Unexplained()

    with qtbot.waitSignal(calls.failed, timeout=5000) as failed:
        calls.run(broken, lambda _result: None)
    assert failed.args[1].sentence == "The work failed (Unexplained)."
    assert "The work failed (Unexplained)." in caplog.text


def test_an_explanation_is_preferred_as_the_sentence(qtbot, calls):
    class Explained(Exception):
        explanation = "The history could not be opened: the disk is full."

    def broken():
        raise Explained("errno 28")

    with qtbot.waitSignal(calls.failed, timeout=5000) as failed:
        calls.run(broken, lambda _result: None, lambda _error: None)
    assert failed.args[1].sentence == Explained.explanation


def test_cancel_stops_cooperative_work_and_reports_it_failed(qtbot, calls):
    started, progress = threading.Event(), []

    def patient(context: WorkContext) -> str:
        context.report("first")
        started.set()
        while not context.wait(5):  # woken by the cancel, not by a timeout
            pass
        context.check()
        return "never"

    done = []
    token = calls.start(patient, done.append, done.append, progress.append)
    qtbot.waitUntil(lambda: progress == ["first"], timeout=5000)
    assert started.is_set() and calls.busy
    with qtbot.waitSignal(calls.failed, timeout=5000) as failed:
        calls.cancel(token)
    assert failed.args[0] == token and isinstance(failed.args[1].error, Cancelled)
    assert done == [] and not calls.busy  # a canceled call's callbacks are forgotten


def test_work_that_ignores_cancel_is_reported_canceled_not_finished(qtbot, calls):
    release = threading.Event()
    token = calls.run(lambda: release.wait(5) and "late", lambda _result: pytest.fail("it was canceled"))
    calls.cancel(token)
    with qtbot.waitSignal(calls.failed, timeout=5000) as failed:
        release.set()
    assert isinstance(failed.args[1].error, Cancelled)


def test_work_canceled_before_it_starts_does_not_run(qtbot):
    calls = BackgroundCalls(max_threads=1)
    gate, ran = threading.Event(), []
    first = calls.run(lambda: gate.wait(5), lambda _result: None)
    second = calls.run(lambda: ran.append("second"), lambda _result: None)
    calls.cancel(second)
    with qtbot.waitSignals([calls.finished, calls.failed], timeout=5000, order="none"):
        gate.set()
    assert first and ran == []
    calls.shutdown()


def test_shutdown_waits_for_running_work_and_leaves_no_thread(qtbot):
    calls = BackgroundCalls(max_threads=2)
    gate = threading.Event()
    answers = []

    def slow(context: WorkContext) -> None:
        gate.set()
        context.wait(5)

    calls.start(slow, answers.append, answers.append)
    assert gate.wait(5)
    calls.shutdown()  # cancels the work, which stops waiting at once
    assert calls._pool.activeThreadCount() == 0
    assert calls.run(lambda: 1, answers.append) == 0  # nothing runs after shutdown
    assert answers == []  # and no late answer reaches a closed owner
