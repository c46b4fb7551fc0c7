"""Spend summaries from ledger entries: totals by model, day, month, project, resolution or region, and the
cost per kept clip. Pure functions over ``LedgerEntry`` values; the CLI and the Spend panel share them."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date

from wan_desktop.core import money_store
from wan_desktop.core.budget import Budget
from wan_desktop.core.i18n import N_, _
from wan_desktop.core.jobs import JobState
from wan_desktop.core.ledger import LedgerEntry
from wan_desktop.core.store import JobReader

GROUPINGS = ("model", "day", "month", "storyboard", "project", "resolution", "region")
NO_PROJECT = N_("(no batch or storyboard)")  # the group of entries of no project; shown through _() in key_of


@dataclass(frozen=True)
class SpendRow:
    key: str
    currency: str
    amount: float  # charged
    videos: int  # charged entries
    seconds: float
    free: int  # entries that cost nothing (failed, canceled, demo)
    unpriced: int  # charged entries whose price was unknown: the amount leaves them out


@dataclass(frozen=True)
class SpendData:
    """Everything the Spend panel shows, read in one go off the GUI thread."""

    entries: tuple[LedgerEntry, ...]
    kept: Mapping[str, bool | None]  # finished jobs' kept/rejected marks
    budgets: tuple[Budget, ...]


def load(reader: JobReader) -> SpendData:
    entries = tuple(money_store.read_entries(reader.history_rows))
    kept = {job.id: job.kept for job in reader.jobs([JobState.DONE])}
    return SpendData(entries, kept, tuple(money_store.read_budgets(reader.history_rows)))


def in_range(entries: Iterable[LedgerEntry], since: date, until: date) -> list[LedgerEntry]:
    low, high = since.isoformat(), until.isoformat()
    return [entry for entry in entries if low <= entry.day <= high]


def key_of(entry: LedgerEntry, by: str) -> str:
    if by == "day":
        return entry.day
    if by == "month":
        return entry.month
    if by in ("storyboard", "project"):
        return entry.project or _("(no batch or storyboard)")
    if by in ("model", "resolution", "region"):
        return str(getattr(entry, by))
    raise ValueError(f"Spend can be grouped by {', '.join(GROUPINGS)}; not by {by!r}.")


def group(entries: Iterable[LedgerEntry], by: str) -> list[SpendRow]:
    rows: dict[tuple[str, str], SpendRow] = {}
    for entry in entries:
        slot = (key_of(entry, by), entry.currency)
        row = rows.get(slot) or SpendRow(slot[0], slot[1], 0.0, 0, 0.0, 0, 0)
        rows[slot] = _add(row, entry)
    return [rows[slot] for slot in sorted(rows)]


def _add(row: SpendRow, entry: LedgerEntry) -> SpendRow:
    charged = entry.charged
    return SpendRow(
        row.key,
        row.currency,
        round(row.amount + (entry.amount or 0.0), 6),
        row.videos + int(charged),
        row.seconds + (entry.output_seconds + entry.input_seconds if charged else 0.0),
        row.free + int(not charged),
        row.unpriced + int(charged and entry.amount is None),
    )


def totals(entries: Iterable[LedgerEntry], since: date, until: date | None = None) -> dict[str, float]:
    """Charged amount per currency from ``since`` to ``until`` (inclusive)."""
    low, high = since.isoformat(), (until.isoformat() if until else "9999-99-99")
    result: dict[str, float] = {}
    for entry in entries:
        if low <= entry.day <= high and entry.charged:
            result[entry.currency] = round(result.get(entry.currency, 0.0) + (entry.amount or 0.0), 6)
    return result


def cost_per_kept(entries: Iterable[LedgerEntry], kept: Mapping[str, bool | None]) -> dict[str, float | None]:
    """What was spent divided by the clips marked kept, per currency (None while nothing is kept)."""
    spent: dict[str, float] = {}
    keepers: dict[str, int] = {}
    counted: set[str] = set()
    for entry in entries:
        if not entry.charged:
            continue
        spent[entry.currency] = spent.get(entry.currency, 0.0) + (entry.amount or 0.0)
        if kept.get(entry.job_id) and entry.job_id not in counted:
            counted.add(entry.job_id)
            keepers[entry.currency] = keepers.get(entry.currency, 0) + 1
    return {cur: (round(total / keepers[cur], 6) if keepers.get(cur) else None) for cur, total in spent.items()}


def entries_csv(entries: Iterable[LedgerEntry]) -> str:
    names = [f.name for f in fields(LedgerEntry)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for entry in entries:
        writer.writerow([_cell(getattr(entry, name)) for name in names])
    return out.getvalue()


def rows_csv(rows: Iterable[SpendRow], by: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([by, "currency", "amount", "videos", "seconds", "free", "unpriced"])
    for row in rows:
        writer.writerow([_cell(row.key), row.currency, row.amount, row.videos, row.seconds, row.free, row.unpriced])
    return out.getvalue()


def _cell(value: object) -> object:
    # A spreadsheet runs a cell that starts with = + - @ as a formula; prompts and projects are the person's text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value
