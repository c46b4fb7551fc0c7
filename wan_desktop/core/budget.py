"""Budgets: a daily and a monthly cap per currency and a "confirm any batch over" threshold, and the rule
that holds a job whose cost would pass a cap (the engine applies it on the send path, engine/money.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from wan_desktop.core.cost import format_money
from wan_desktop.core.dashscope.catalog import Currency
from wan_desktop.core.i18n import N_, _, format_number

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


def cap_words(name: str) -> str:
    """What a cap is called in the person's language; callers name it in English ("daily cap")."""
    words = {
        "daily cap": _("daily cap"),
        "monthly cap": _("monthly cap"),
        "confirm-over amount": _("confirm-over amount"),
    }
    return words.get(name, name)


def parse_cap(text: object, name: str) -> float | None:
    """A cap from what a person typed: a positive amount, or "none"/"off"/"" to remove it. ``name``: which cap
    ("daily cap", "monthly cap", "confirm-over amount"), for the sentence of a mistake."""
    if text is None:
        return None
    words = cap_words(name)
    if isinstance(text, str):
        cleaned = text.strip().lower()
        if cleaned in ("", "none", "off", "no"):
            return None
        try:
            value = float(cleaned.replace(",", ""))
        except ValueError:
            raise BudgetError(
                _("The {name} must be an amount like 20 or 12.50, not {typed}.").format(name=words, typed=repr(text))
            ) from None
    elif isinstance(text, (int, float)) and not isinstance(text, bool):
        value = float(text)
    else:
        raise BudgetError(_("The {name} must be an amount like 20 or 12.50.").format(name=words))
    if not math.isfinite(value) or value <= 0:
        raise BudgetError(
            _(
                "The {name} must be more than zero; a cap of {typed} would hold every job. "
                "To have no cap, leave it empty (or type none)."
            ).format(name=words, typed=text)
        )
    if value > _MAX_CAP:
        raise BudgetError(
            _("The {name} of {amount} is too large to be a cap; type a smaller amount.").format(
                name=words, amount=format_number(value)
            )
        )
    return round(value, 6)


def check(budget: Budget | None, spent: Spent, needed: float | None, currency: Currency) -> Verdict:
    """May a job costing ``needed`` be sent on top of ``spent``? Held when it would pass a cap, and held when
    its price is unknown while a cap is set (it must never be sent blind)."""
    if budget is None or not budget.has_caps:
        return Verdict(True)
    if needed is None:
        return Verdict(
            False,
            _(
                "Held by budget: Wan Desktop has no price for this model in this region, so it cannot check it "
                "against your caps and did not send it. Remove the caps or cancel the job."
            ),
        )
    for name, cap, total in (("daily", budget.daily, spent.day), ("monthly", budget.monthly, spent.month)):
        if cap is not None and total + needed > cap + 1e-9:
            return Verdict(False, _held(name, cap, total, needed, currency))
    return Verdict(True, reached=_reached(budget, spent, needed))


def _held(name: str, cap: float, total: float, needed: float, currency: Currency) -> str:
    if name == "daily":
        sentence = _(
            "Held by budget: your daily cap is {cap}; {spent} is spent or on its way today, and this video needs "
            "up to {needed}. Raise the cap, or it goes when the next day starts."
        )
    else:
        sentence = _(
            "Held by budget: your monthly cap is {cap}; {spent} is spent or on its way this month, and this video "
            "needs up to {needed}. Raise the cap, or it goes when the next month starts."
        )
    return sentence.format(
        cap=format_money(cap, currency), spent=format_money(total, currency), needed=format_money(needed, currency)
    )


def _reached(budget: Budget, spent: Spent, needed: float) -> tuple[tuple[str, int], ...]:
    reached = []
    for name, cap, total in (("daily", budget.daily, spent.day), ("monthly", budget.monthly, spent.month)):
        for percent in (80, 100):
            if cap is not None and total + needed >= cap * percent / 100 - 1e-9:
                reached.append((name, percent))
    return tuple(reached)


NOTICE_PREFIX = N_("Budget: ")  # how every cap notice begins (in English; notice_prefix() in the person's words)


def notice_prefix() -> str:
    # Translators: every budget notice below begins with exactly these words
    return _("Budget: ")


def notice_sentence(name: str, percent: int, cap: float, currency: Currency) -> str:
    money = format_money(cap, currency)
    if percent >= 100:
        if name == "daily":
            return _("Budget: you have reached your daily cap of {cap}; further jobs wait.").format(cap=money)
        return _("Budget: you have reached your monthly cap of {cap}; further jobs wait.").format(cap=money)
    used = format_number(percent)
    if name == "daily":
        return _("Budget: you have used {percent} % of your daily cap of {cap}.").format(percent=used, cap=money)
    return _("Budget: you have used {percent} % of your monthly cap of {cap}.").format(percent=used, cap=money)


def is_budget_notice(text: str) -> bool:
    """Whether an engine notice is a cap notice (the window shows those in the tray too), in either language."""
    return text.startswith((NOTICE_PREFIX, notice_prefix()))


def confirmation_needed(budget: Budget | None, batch_total: float | None) -> str | None:
    """A question for the person when a batch's estimate passes their "confirm over" threshold."""
    if budget is None or budget.confirm_over is None:
        return None
    if batch_total is None:
        return _("The price of this batch is unknown. Send it anyway?")
    if batch_total > budget.confirm_over:
        return _("This batch costs up to {total}, over your {threshold}. Send it?").format(
            total=format_money(batch_total, budget.currency),
            threshold=format_money(budget.confirm_over, budget.currency),
        )
    return None
