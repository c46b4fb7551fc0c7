"""The money commands: ``spend`` (read only, works while the app runs), ``budget show|set`` (writes only the
budgets table, which the engine reads before every create, so a raised cap releases held jobs at once) and
``ledger rebuild`` (from the sidecars; takes the home)."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, replace
from datetime import date
from pathlib import Path

from wan_desktop.cli import EXIT_ERROR, EXIT_OK, pad
from wan_desktop.core import money_store, spend
from wan_desktop.core.budget import Budget, BudgetError, parse_cap
from wan_desktop.core.cost import format_money
from wan_desktop.core.dashscope.catalog import REGIONS, Currency
from wan_desktop.core.home_lock import HomeLock
from wan_desktop.core.i18n import _, format_date, format_number, format_seconds, ngettext
from wan_desktop.core.settings import Settings
from wan_desktop.core.store import open_reader


def run_money_command(args, home: Path, settings: Settings, *, demo: bool) -> int:
    db_path = home / "jobs.sqlite3"
    if args.command == "spend":
        return _spend(args, db_path)
    if args.command == "budget":
        return _budget(args, db_path, settings)
    with HomeLock.acquire(home, f"wan-desktop {'demo ' if demo else ''}ledger rebuild"):
        return _rebuild(db_path, settings, demo=demo)


def _day(text: str | None, default: date | None) -> date | None:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            _("{text!r} is not a day; write it as YYYY-MM-DD, e.g. 2026-11-01.").format(text=text)
        ) from None


def _spend(args, db_path: Path) -> int:
    today = date.today()
    since = _day(args.since, today.replace(day=1))
    until = _day(args.until, None)
    with open_reader(db_path) as reader:
        entries = money_store.read_entries(reader.history_rows, since, until)
    rows = spend.group(entries, args.by)
    if args.csv:
        sys.stdout.write(spend.rows_csv(rows, args.by))
    elif args.json:
        print(json.dumps([asdict(row) for row in rows], indent=2, ensure_ascii=False))
    else:
        _print_rows(rows, args.by, since)
    return EXIT_OK


def _print_rows(rows: list[spend.SpendRow], by: str, since: date | None) -> None:
    if not rows:
        print(_("Nothing spent since {day}.").format(day=format_date(since) if since else "-"))
        return
    for row in rows:
        amount = format_money(row.amount, Currency(row.currency))
        parts = _(", ").join(_spend_parts(row))
        print(f"{pad(row.key, 28)} {amount:>14}  {parts}")


def _spend_parts(row: spend.SpendRow) -> list[str]:
    parts = [
        ngettext("{n} video", "{n} videos", row.videos).format(n=format_number(row.videos)),
        format_seconds(row.seconds),
    ]
    if row.free:
        parts.append(_("{n} free").format(n=format_number(row.free)))
    if row.unpriced:
        parts.append(_("{n} without a price").format(n=format_number(row.unpriced)))
    return parts


def _budget(args, db_path: Path, settings: Settings) -> int:
    currency = Currency(args.currency) if args.currency else REGIONS[settings.region].currency
    with open_reader(db_path) as reader:  # brings an older database up to the schema with the budgets table
        budgets = {b.currency: b for b in money_store.read_budgets(reader.history_rows)}
    if args.action == "show":
        _show_budgets(list(budgets.values()))
        return EXIT_OK
    current = budgets.get(currency) or Budget(currency)
    try:
        changed = _changed(current, args)
    except BudgetError as error:
        print(f"wan-desktop: {error}", file=sys.stderr)
        return EXIT_ERROR
    money_store.write_budget(db_path, changed)
    _show_budgets([changed])
    return EXIT_OK


def _changed(current: Budget, args) -> Budget:
    updates = {}
    names = (("daily", _("daily cap")), ("monthly", _("monthly cap")), ("confirm_over", _("confirm-over amount")))
    for name, words in names:
        typed = getattr(args, name)
        if typed is not None:
            updates[name] = parse_cap(typed, words)
    if not updates:
        raise BudgetError(_("Say what to set: --daily, --monthly or --confirm-over (an amount, or none)."))
    return replace(current, **updates)


def _show_budgets(budgets: list[Budget]) -> None:
    if not budgets:
        print(_("No budget is set: jobs are sent without a cap."))
    for budget in budgets:
        words = _("daily {daily}, monthly {monthly}, confirm batches over {confirm}").format(
            daily=_cap(budget.daily, budget.currency),
            monthly=_cap(budget.monthly, budget.currency),
            confirm=_cap(budget.confirm_over, budget.currency),
        )
        print(f"{budget.currency.value}: {words}")


def _cap(value: float | None, currency: Currency) -> str:
    return _("no cap") if value is None else format_money(value, currency)


def _rebuild(db_path: Path, settings: Settings, *, demo: bool) -> int:
    from wan_desktop.core.ledger_rebuild import rebuild
    from wan_desktop.core.library import Library
    from wan_desktop.core.store import JobStore

    if settings.library_dir is None:
        raise ValueError(_("No library folder is set; give one with --library."))
    with JobStore(db_path) as store:
        outcome = rebuild(store, Library(settings.library_dir), demo=demo)
    for problem in outcome.skipped:
        words = _("skipped {problem}").format(problem=problem)
        print(f"wan-desktop: {words}", file=sys.stderr)
    print(outcome.message)
    return EXIT_OK
