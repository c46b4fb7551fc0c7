"""The one rulebook of job actions (core/jobs.py): which actions each state allows, and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import Job, JobAction, JobState, allowed_actions, refusal

S, A = JobState, JobAction
T0 = datetime(2026, 11, 26, tzinfo=UTC)

EXPECTED = {
    S.QUEUED: {A.CANCEL, A.REMOVE},
    S.SUBMITTING: set(),
    S.PENDING: {A.CANCEL},
    S.RUNNING: set(),
    S.SUCCEEDED: set(),
    S.DOWNLOADING: set(),
    S.DONE: {A.DELETE, A.FAVOURITE, A.KEEP},
    S.FAILED: {A.RETRY, A.REMOVE, A.DELETE},
    S.CANCELED: {A.RETRY, A.REMOVE, A.DELETE},
    S.EXPIRED: {A.RETRY, A.REMOVE, A.DELETE},
    S.SUBMIT_UNCERTAIN: {A.CANCEL},  # still being looked for: no decision asked yet
    S.HELD_BY_BUDGET: {A.CANCEL, A.REMOVE},  # never sent: nothing to trash
}


def job_in(state: JobState, **changes) -> Job:
    return Job(
        id="j",
        request=GenerationRequest(model="wan2.6-i2v"),
        state=state,
        created_at=T0,
        updated_at=T0,
        region="beijing",
        **changes,
    )


@pytest.mark.parametrize("state", list(JobState))
def test_each_state_allows_exactly_its_actions(state):
    assert allowed_actions(job_in(state)) == EXPECTED[state]


def test_a_job_waiting_for_the_person_may_be_decided():
    assert allowed_actions(job_in(S.SUBMIT_UNCERTAIN, error_code="TaskAmbiguous")) == {A.CANCEL, A.DECIDE}


def test_every_refusal_is_a_sentence_naming_the_state():
    sentence = refusal(job_in(S.DONE), A.REMOVE)
    assert sentence == "A finished video is not removed from the queue; delete it from the history instead."
    assert refusal(job_in(S.RUNNING), A.REMOVE) == "A job that is generating cannot be removed; cancel it first."
    assert "generating" in refusal(job_in(S.RUNNING), A.FAVOURITE)
    for state in JobState:
        for action in JobAction:
            answer = refusal(job_in(state), action)
            assert answer is None or (answer.endswith(".") and answer[0].isupper())
