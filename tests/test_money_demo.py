"""Demo mode with budgets, on the real simulator over real HTTP: ten jobs under a daily cap that fits four.
Exactly four tasks are created; six wait held by budget with the sentence; raising the cap releases them.
Demo videos cost nothing in the ledger, yet count against the demo's caps so budgets can be tried."""

from __future__ import annotations

from datetime import UTC

from tests.conftest import TEST_KEY
from tests.engine_helpers import EngineRig, make_image
from wan_desktop.core import money_store
from wan_desktop.core.budget import Budget
from wan_desktop.core.dashscope.catalog import Currency
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.jobs import JobState

HELD = (
    "Held by budget: your daily cap is US$2.00; US$2.00 is spent or on its way today, and this video needs "
    "up to US$0.50. Raise the cap, or it goes when the next day starts."
)


def test_ten_jobs_under_a_cap_that_fits_four(tmp_path, simulator):
    rig = EngineRig(tmp_path, simulator.base_url, TEST_KEY, demo=True, money_zone=UTC)
    try:
        money_store.write_budget(rig.store.db_path, Budget(Currency.USD, daily=2.0))
        image = make_image(tmp_path / "fox.png")
        request = GenerationRequest(
            model="wan2.6-i2v", first_frame=str(image), prompt="a fox", resolution="720P", duration=5
        )
        rig.engine.add_jobs([request] * 10)
        rig.run_until_idle()
        states = [job.state for job in rig.engine.jobs()]
        assert len(simulator.tasks()) == 4
        assert states.count(JobState.DONE) == 4 and states.count(JobState.HELD_BY_BUDGET) == 6
        held = [job for job in rig.engine.jobs() if job.state is JobState.HELD_BY_BUDGET]
        assert {job.error_message for job in held} == {HELD}
        entries = money_store.read_entries(rig.store.history_rows)
        assert len(entries) == 4 and all(e.amount == 0 and not e.charged for e in entries)

        money_store.write_budget(rig.store.db_path, Budget(Currency.USD, daily=5.0))
        rig.run_until_idle()
        assert len(simulator.tasks()) == 10
        assert all(job.state is JobState.DONE for job in rig.engine.jobs())
    finally:
        rig.close()
