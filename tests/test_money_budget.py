"""Budget rules and ledger entries without an engine: caps a person types, the sentence of a hold, input-billed
models, and why a job cost nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from wan_desktop.core.budget import Budget, BudgetError, Spent, check, confirmation_needed, parse_cap
from wan_desktop.core.dashscope.catalog import Currency, Region
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import Job, JobState
from wan_desktop.core.ledger import FREE_CANCELED, FREE_DEMO, entry_for, estimate_for_budget
from wan_desktop.core.pricing import PriceTable, parse_rows

T0 = datetime(2026, 11, 26, 10, tzinfo=UTC)
ROWS, _ = parse_rows(
    [
        {
            "model": "wan2.7-i2v",
            "region": "cn-beijing",
            "resolution": "1080P",
            "currency": "CNY",
            "per_second": 1.0,
            "input_per_second": 0.5,
            "valid_from": "2026-01-01",
        }
    ]
)
TABLE = PriceTable(ROWS)


def job(state=JobState.DONE, usage=None, first_clip: str | None = None) -> Job:
    return Job(
        id="j1",
        request=GenerationRequest(model="wan2.7-i2v", resolution="1080P", duration=10, first_clip=first_clip),
        state=state,
        created_at=T0,
        updated_at=T0,
        region=Region.BEIJING.value,
        task_id="t1",
        submit_started_at=T0,
        usage=usage or {},
    )


@pytest.mark.parametrize("typed", ["0", "-5", 0, -1.5, "lots", "nan", "inf", "1e12", True, [3]])
def test_nonsense_caps_are_refused_with_a_sentence(typed):
    with pytest.raises(BudgetError) as caught:
        parse_cap(typed, "daily cap")
    assert str(caught.value).startswith("The daily cap")


def test_caps_that_make_sense_are_taken_and_none_removes_one():
    assert parse_cap("12.50", "daily cap") == 12.5
    assert parse_cap("1,000", "monthly cap") == 1000.0
    assert parse_cap("none", "daily cap") is None and parse_cap("", "daily cap") is None


def test_the_hold_sentence_names_the_cap_the_spend_and_the_need():
    verdict = check(Budget(Currency.USD, daily=10.0), Spent(day=9.5, month=9.5), 0.75, Currency.USD)
    assert not verdict.allowed
    assert "daily cap is US$10.00" in verdict.sentence and "US$9.50 is spent" in verdict.sentence
    assert "needs up to US$0.75" in verdict.sentence
    assert check(None, Spent(100, 100), None, Currency.USD).allowed  # no caps: nothing to hold for
    assert not check(Budget(Currency.USD, monthly=5.0), Spent(0, 0), None, Currency.USD).allowed


def test_a_batch_over_the_confirm_threshold_asks_first():
    budget = Budget(Currency.CNY, confirm_over=20.0)
    assert confirmation_needed(budget, 19.0) is None
    assert "over your CN¥20.00" in (confirmation_needed(budget, 25.0) or "")
    assert confirmation_needed(budget, None) is not None


def test_input_billed_models_charge_input_seconds_from_usage():
    done = job(usage={"duration": 13, "input_video_duration": 3, "output_video_duration": 10}, first_clip="c.mp4")
    entry = entry_for(done, TABLE, demo=False, zone=UTC)
    assert (entry.output_seconds, entry.input_seconds) == (10.0, 3.0)
    assert entry.amount == 11.5 and entry.charged and entry.price_date == "2026-01-01"


def test_the_budget_counts_the_longest_input_an_input_billed_model_can_take():
    estimate = estimate_for_budget(job(state=JobState.QUEUED, first_clip="c.mp4"), TABLE, Region.BEIJING, T0.date())
    assert estimate is not None and estimate[0] > 10.0
    plain = estimate_for_budget(job(state=JobState.QUEUED), TABLE, Region.BEIJING, T0.date())
    assert plain is not None and plain[0] == 10.0


def test_jobs_that_never_ran_and_demo_jobs_cost_nothing():
    canceled = entry_for(job(JobState.CANCELED), TABLE, demo=False, zone=UTC)
    assert canceled.amount == 0 and not canceled.charged and canceled.reason == FREE_CANCELED
    demo = entry_for(job(usage={"output_video_duration": 5}), TABLE, demo=True, zone=UTC)
    assert demo.amount == 0 and demo.reason == FREE_DEMO and demo.counted == 5.0


def test_an_old_entry_keeps_the_price_of_its_day():
    later, _ = parse_rows([dict(ROWS_RAW, per_second=2.0, valid_from="2026-12-01")])
    table = PriceTable(ROWS + later)
    assert entry_for(job(usage={"output_video_duration": 10}), table, demo=False, zone=UTC).amount == 10.0
    december = entry_for(job(usage={"output_video_duration": 10}), table, demo=False, zone=UTC, day=date(2026, 12, 2))
    assert december.amount == 20.0


ROWS_RAW = {
    "model": "wan2.7-i2v",
    "region": "cn-beijing",
    "resolution": "1080P",
    "currency": "CNY",
    "per_second": 1.0,
    "valid_from": "2026-01-01",
}
