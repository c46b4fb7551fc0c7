"""The parser of the money commands: ``spend``, ``budget`` and ``ledger`` (registered by cli.py)."""

from __future__ import annotations

from wan_desktop.core.dashscope.catalog import Currency
from wan_desktop.core.i18n import _
from wan_desktop.core.spend import GROUPINGS

MONEY_SUBCOMMANDS = frozenset({"spend", "budget", "ledger"})


def add_money_commands(sub) -> None:
    spend = sub.add_parser("spend", help=_("what was spent, from the ledger (read only)"))
    spend.add_argument("--since", help=_("first day, YYYY-MM-DD (default: the start of this month)"))
    spend.add_argument("--until", help=_("last day, YYYY-MM-DD (default: today)"))
    spend.add_argument("--by", choices=GROUPINGS, default="day")
    output = spend.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true")
    output.add_argument("--csv", action="store_true")
    budget = sub.add_parser("budget", help=_("spending caps that hold jobs before they are sent"))
    budget.add_argument("action", choices=["show", "set"])
    budget.add_argument("--currency", choices=[c.value for c in Currency], help=_("default: the region's"))
    budget.add_argument("--daily", help=_("daily cap (an amount, or none)"))
    budget.add_argument("--monthly", help=_("monthly cap (an amount, or none)"))
    budget.add_argument("--confirm-over", dest="confirm_over", help=_("ask before a batch over this amount"))
    ledger = sub.add_parser("ledger", help=_("ledger tools"))
    ledger.add_argument("action", choices=["rebuild"], help=_("rebuild: the ledger from the library's sidecars"))
