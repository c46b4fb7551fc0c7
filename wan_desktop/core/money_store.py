"""The money tables (schema v4): the ledger, what jobs in flight are expected to cost, budgets, and small
facts. Never touches the jobs table. Writes take a connection inside the caller's transaction (the engine's
store, so a ledger entry commits with the job row it belongs to, and a budget check with its claim)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import astuple, fields
from datetime import UTC, date, datetime
from pathlib import Path

from wan_desktop.core.budget import Budget, Spent
from wan_desktop.core.dashscope.catalog import Currency
from wan_desktop.core.ledger import LedgerEntry

_ENTRY_FIELDS = tuple(f.name for f in fields(LedgerEntry))
_COLUMNS = (*_ENTRY_FIELDS, "month")
Rows = Callable[[str, Iterable[object]], list[tuple]]


# -- writing (inside the engine's transactions) ---------------------------------------------------------
def write_entry(conn: sqlite3.Connection, entry: LedgerEntry) -> None:
    values = (*astuple(entry), entry.month)
    marks = ", ".join("?" for _ in _COLUMNS)
    conn.execute(f"INSERT OR REPLACE INTO ledger ({', '.join(_COLUMNS)}) VALUES ({marks})", values)
    release(conn, entry.job_id)


def reserve(conn: sqlite3.Connection, job_id: str, day: date, currency: Currency, amount: float) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO spend_in_flight (job_id, day, month, currency, amount) VALUES (?, ?, ?, ?, ?)",
        (job_id, day.isoformat(), day.isoformat()[:7], currency.value, amount),
    )


def release(conn: sqlite3.Connection, job_id: str) -> None:
    conn.execute("DELETE FROM spend_in_flight WHERE job_id = ?", (job_id,))


def booked_day(conn: sqlite3.Connection, job_id: str, task_id: str) -> date | None:
    """The billing day the budget already gave this attempt: its in-flight estimate's, or its entry's."""
    row = conn.execute("SELECT day FROM spend_in_flight WHERE job_id = ?", (job_id,)).fetchone()
    row = row or conn.execute("SELECT day FROM ledger WHERE job_id = ? AND task_id = ?", (job_id, task_id)).fetchone()
    return date.fromisoformat(row[0]) if row else None


def spent(conn: sqlite3.Connection, currency: Currency, day: date, *, besides: str = "") -> Spent:
    """Counted spend and in-flight estimates of ``day`` and its month (not counting job ``besides``)."""
    iso, month = day.isoformat(), day.isoformat()[:7]
    sums = []
    for column, value in (("day", iso), ("month", month)):
        booked = conn.execute(
            f"SELECT COALESCE(SUM(counted), 0) FROM ledger WHERE currency = ? AND {column} = ?",
            (currency.value, value),
        ).fetchone()[0]
        flying = conn.execute(
            f"SELECT COALESCE(SUM(amount), 0) FROM spend_in_flight WHERE currency = ? AND {column} = ? AND job_id != ?",
            (currency.value, value, besides),
        ).fetchone()[0]
        sums.append(float(booked) + float(flying))
    return Spent(day=sums[0], month=sums[1])


def high_water(conn: sqlite3.Connection, now: datetime) -> datetime:
    """``now``, or the latest time seen before if the clock went back; remembered."""
    row = conn.execute("SELECT value FROM money_state WHERE key = 'high_water'").fetchone()
    seen = datetime.fromisoformat(row[0]) if row else None
    if seen is not None and seen > now:
        return seen
    conn.execute("INSERT OR REPLACE INTO money_state (key, value) VALUES ('high_water', ?)", (now.isoformat(),))
    return now


def first_notice(conn: sqlite3.Connection, key: str) -> bool:
    """True the first time ``key`` is asked for (a cap notice is given once)."""
    cursor = conn.execute("INSERT OR IGNORE INTO money_state (key, value) VALUES (?, '1')", (f"notice:{key}",))
    return cursor.rowcount == 1


def budget(conn: sqlite3.Connection, currency: Currency) -> Budget | None:
    row = conn.execute(
        "SELECT daily, monthly, confirm_over FROM budgets WHERE currency = ?", (currency.value,)
    ).fetchone()
    return Budget(currency, *row) if row else None


def set_budget(conn: sqlite3.Connection, value: Budget) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO budgets (currency, daily, monthly, confirm_over) VALUES (?, ?, ?, ?)",
        (value.currency.value, value.daily, value.monthly, value.confirm_over),
    )


def clear_ledger(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM ledger")


# -- reading (any read-only connection, through JobReader.history_rows) --------------------------------
def read_entries(rows: Rows, since: date | None = None, until: date | None = None) -> list[LedgerEntry]:
    sql = f"SELECT {', '.join(_ENTRY_FIELDS)} FROM ledger WHERE day >= ? AND day <= ? ORDER BY day, job_id, task_id"
    low = since.isoformat() if since else "0000-00-00"
    high = until.isoformat() if until else "9999-99-99"
    return [_entry(row) for row in rows(sql, (low, high))]


def read_budgets(rows: Rows) -> list[Budget]:
    found = rows("SELECT currency, daily, monthly, confirm_over FROM budgets ORDER BY currency", ())
    return [Budget(Currency(row[0]), *row[1:]) for row in found if row[0] in Currency._value2member_map_]


def _entry(row: tuple) -> LedgerEntry:
    values = dict(zip(_ENTRY_FIELDS, row, strict=True))
    values["charged"] = bool(values["charged"])
    return LedgerEntry(**values)


# -- the budget setting outside the engine (the CLI, while a window may run the engine) ----------------
def write_budget(db_path: Path, value: Budget) -> None:
    """Write one currency's budget through a short connection of its own; only the budgets table."""
    conn = sqlite3.connect(db_path, timeout=10.0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        set_budget(conn, value)
        conn.execute("COMMIT")
    finally:
        conn.close()


def utc_now() -> datetime:
    return datetime.now(UTC)
