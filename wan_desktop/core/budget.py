"""Budgets: a daily and a monthly cap per currency and a "confirm any batch over" threshold, and the rule
that holds a job whose cost would pass a cap (the engine applies it on the send path, engine/money.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from wan_desktop.core.cost import format_money
from wan_desktop.core.dashscope.catalog import Currency

_MAX_CAP = 10_000_000.0  # anything larger is a typo, not a budget


class BudgetError(ValueError):
    """A cap a person typed that cannot be a cap; the message is the sentence to show."""


@dataclass(frozen=True)
class Budget:
    currency: Currency
    daily: float | None = None  # None: no cap
    monthly: float | None = None
    confirm_over: float | None = None  # a batch estimated above this asks first

    @property
    def has_caps(self) -> bool:
        return self.daily is not None or self.monthly is not None


@dataclass(frozen=True)
class Spent:
    """Counted spend (the ledger) plus what jobs in flight are expected to cost, for one day and month."""

    day: float
    month: float


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    sentence: str = ""  # why it is held, naming the cap, the amount spent and the amount needed
    reached: tuple[tuple[str, int], ...] = ()  # (cap name, percent) thresholds reached once it is sent


def parse_cap(text: object, name: str) -> float | None:
    """A cap from what a person typed: a positive amount, or "none"/"off"/"" to remove it."""
    if text is None:
        return None
    if isinstance(text, str):
        cleaned = text.strip().lower()
        if cleaned in ("", "none", "off", "no"):
            return None
        try:
            value = float(cleaned.replace(",", ""))
        except ValueError:
            raise BudgetError(f"The {name} must be an amount like 20 or 12.50, not {text!r}.") from None
    elif isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        raise BudgetError(f"The {name} must be an amount like 20 or 12.50.")
    if not math.isfinite(value) or value <= 0:
        raise BudgetError(
            f"The {name} must be more than zero; a cap of {text} would hold every job. "
            "To have no cap, leave it empty (or type none)."
        )
    if value > _MAX_CAP:
        raise BudgetError(f"The {name} of {value:,.0f} is too large to be a cap; type a smaller amount.")
    return round(value, 6)


def check(budget: Budget | None, spent: Spent, needed: float | None, currency: Currency) -> Verdict:
    """May a job costing ``needed`` be sent on top of ``spent``? Held when it would pass a cap, and held when
    its price is unknown while a cap is set (it must never be sent blind)."""
    if budget is None or not budget.has_caps:
        return Verdict(True)
    if needed is None:
        return Verdict(
            False,
            "Held by budget: Wan Desktop has no price for this model in this region, so it cannot check it "
            "against your caps and did not send it. Remove the caps or cancel the job.",
        )
    for name, cap, total in (("daily", budget.daily, spent.day), ("monthly", budget.monthly, spent.month)):
        if cap is not None and total + needed > cap + 1e-9:
            return Verdict(False, _held(name, cap, total, needed, currency))
    return Verdict(True, reached=_reached(budget, spent, needed))


def _held(name: str, cap: float, total: float, needed: float, currency: Currency) -> str:
    period = "today" if name == "daily" else "this month"
    return (
        f"Held by budget: your {name} cap is {format_money(cap, currency)}; {format_money(total, currency)} is "
        f"spent or on its way {period}, and this video needs up to {format_money(needed, currency)}. Raise the "
        f"cap, or it goes when the {'next day' if name == 'daily' else 'next month'} starts."
    )


def _reached(budget: Budget, spent: Spent, needed: float) -> tuple[tuple[str, int], ...]:
    reached = []
    for name, cap, total in (("daily", budget.daily, spent.day), ("monthly", budget.monthly, spent.month)):
        for percent in (80, 100):
            if cap is not None and total + needed >= cap * percent / 100 - 1e-9:
                reached.append((name, percent))
    return tuple(reached)


NOTICE_PREFIX = "Budget: "


def notice_sentence(name: str, percent: int, cap: float, currency: Currency) -> str:
    if percent >= 100:
        return f"{NOTICE_PREFIX}you have reached your {name} cap of {format_money(cap, currency)}; further jobs wait."
    return f"{NOTICE_PREFIX}you have used {percent} % of your {name} cap of {format_money(cap, currency)}."


def is_budget_notice(text: str) -> bool:
    """Whether an engine notice is a cap notice (the window shows those in the tray too)."""
    return text.startswith(NOTICE_PREFIX)


def confirmation_needed(budget: Budget | None, batch_total: float | None) -> str | None:
    """A question for the person when a batch's estimate passes their "confirm over" threshold."""
    if budget is None or budget.confirm_over is None:
        return None
    if batch_total is None:
        return "The price of this batch is unknown. Send it anyway?"
    if batch_total > budget.confirm_over:
        over = format_money(budget.confirm_over, budget.currency)
        return f"This batch costs up to {format_money(batch_total, budget.currency)}, over your {over}. Send it?"
    return None
