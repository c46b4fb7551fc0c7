"""The engine's money hooks: the budget check that is one transaction with the claim before a create, and
the ledger entry that commits with the row of a job that reached its end.

Two engines (or threads) over one database cannot both slip under a cap: the check reads the ledger and the
in-flight estimates and writes this job's estimate inside the claim's IMMEDIATE transaction, so the second
claim sees the first one's estimate."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import date

from wan_desktop.core import money_store
from wan_desktop.core.budget import Verdict, check, notice_sentence
from wan_desktop.core.dashscope.catalog import REGIONS, Currency, Region
from wan_desktop.core.engine.clock import Clock
from wan_desktop.core.engine.config import EngineConfig
from wan_desktop.core.jobs import FINAL_STATES, Job, JobState
from wan_desktop.core.ledger import billing_day, entry_for, estimate_for_budget, pricing_region
from wan_desktop.core.pricing import PriceTable, default_table
from wan_desktop.core.store import JobStore

Writer = Callable[[sqlite3.Connection], None]


class Money:
    def __init__(self, store: JobStore, clock: Clock, config: EngineConfig) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.table: PriceTable = config.prices or default_table()
        self._caps_seen: list[tuple] | None = None

    def caps_changed(self) -> bool:
        """True when the budgets changed since the last look (a cap raised in a window or by the CLI): jobs
        held by budget are then looked at again at once instead of at their next recheck."""
        caps = self.store.history_rows("SELECT currency, daily, monthly FROM budgets ORDER BY currency")
        changed = self._caps_seen is not None and caps != self._caps_seen
        self._caps_seen = caps
        return changed

    def ledger_writer(self, job: Job) -> Writer | None:
        """What to write with ``job``'s row: its ledger entry once it has ended, the release of its in-flight
        estimate when it went back to waiting (its create surely never arrived)."""
        if job.state in FINAL_STATES:
            return lambda conn: self._write_entry(conn, job)
        if job.state in (JobState.QUEUED, JobState.HELD_BY_BUDGET):
            return lambda conn: money_store.release(conn, job.id)
        return None

    def _write_entry(self, conn: sqlite3.Connection, job: Job) -> None:
        day = money_store.booked_day(conn, job.id, job.task_id or "")
        entry = entry_for(job, self.table, demo=self.config.demo, zone=self.config.money_zone, day=day)
        money_store.write_entry(conn, entry)

    def guard(self, job: Job) -> BudgetGuard:
        return BudgetGuard(self, job)

    def precheck(self, job: Job) -> Verdict:
        """The budget's answer before inputs are uploaded (the claim asks again, in its transaction)."""
        guard = self.guard(job)
        with self.store.transaction() as conn:
            guard.allows(conn)
        return guard.verdict


class BudgetGuard:
    """The budget check of one claim (store.ClaimGuard)."""

    def __init__(self, money: Money, job: Job) -> None:
        self.money = money
        self.job = job
        self.verdict = Verdict(True)
        self.notices: list[str] = []
        self._day = date.min
        self._currency = Currency.USD
        self._amount: float | None = None

    def allows(self, conn: sqlite3.Connection) -> bool:
        money = self.money
        now = money_store.high_water(conn, money.clock.now())
        self._day = billing_day(now, money.config.money_zone)
        region = pricing_region(self.job.region, money.config.demo)
        self._currency = REGIONS[region].currency if region else REGIONS[Region.CUSTOM].currency
        estimate = estimate_for_budget(self.job, money.table, region, self._day)
        self._amount = estimate[0] if estimate else None
        budget = money_store.budget(conn, self._currency)
        spent = money_store.spent(conn, self._currency, self._day, besides=self.job.id)
        self.verdict = check(budget, spent, self._amount, self._currency)
        return self.verdict.allowed

    def claimed(self, conn: sqlite3.Connection) -> None:
        if self._amount is not None:
            money_store.reserve(conn, self.job.id, self._day, self._currency, self._amount)
        budget = money_store.budget(conn, self._currency)
        for name, percent in self.verdict.reached:
            cap = (budget.daily if name == "daily" else budget.monthly) if budget else None
            period = self._day.isoformat() if name == "daily" else self._day.isoformat()[:7]
            key = f"{self._currency.value}:{name}:{cap:g}:{period}:{percent}"
            if cap is not None and money_store.first_notice(conn, key):
                self.notices.append(notice_sentence(name, percent, cap, self._currency))
