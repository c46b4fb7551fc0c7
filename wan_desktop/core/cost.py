"""What a request will cost before it is sent, from the catalog's price table.

The service bills per second of successfully generated video; the price depends on the model, the
resolution and, for wan2.6-i2v-flash, whether sound is on (contract section 8). Prices are published
in the region's currency. An estimate never guesses: a missing price gives ``amount=None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wan_desktop.core import i18n
from wan_desktop.core.dashscope.catalog import REGIONS, AudioMode, Currency, Region, find_model
from wan_desktop.core.dashscope.types import GenerationRequest, TaskUsage
from wan_desktop.core.i18n import N_, _, ngettext

PRICE_UNKNOWN = N_("price unknown")  # the English words; price_unknown() gives them in the person's language
NOTE_SEPARATOR = "; "  # between the parts of ``CostEstimate.note`` in every language (callers split on it)


def price_unknown() -> str:
    return _("price unknown")


@dataclass(frozen=True)
class CostEstimate:
    amount: float | None  # None: the catalog has no price for this combination
    currency: Currency
    per_second: float | None
    seconds: int
    note: str = ""
    amount_low: float | None = None  # the model chooses the length: the least it may cost (amount: the most)
    notes: tuple[str, ...] = ()  # the parts of ``note``, each in the person's language
    price_as_of: str = ""  # the catalog's date of the price ("2026-08"), when there is one

    @property
    def known(self) -> bool:
        return self.amount is not None

    def text(self) -> str:
        """ "US$0.75", "US$0.10 to US$1.50" (the model chooses the length) or "price unknown", for a label."""
        if self.amount is None:
            return price_unknown()
        if self.amount_low is not None and self.amount_low != self.amount:
            low, high = format_money(self.amount_low, self.currency), format_money(self.amount, self.currency)
            return _("{low} to {high}").format(low=low, high=high)
        return format_money(self.amount, self.currency)


def format_money(amount: float, currency: Currency) -> str:
    # Cents, unless that would hide a fraction (0.0375 USD/s flash prices make totals like 0.1875).
    cents_exact = abs(amount * 100 - round(amount * 100)) < 1e-9
    return i18n.format_money(amount, currency.value, 2 if cents_exact else 3)


def estimate(request: GenerationRequest, region: Region) -> CostEstimate:
    """The price of one successful video for ``request`` sent to ``region``."""
    currency = REGIONS[region].currency
    spec = find_model(request.model)
    if spec is None:
        return CostEstimate(None, currency, None, request.duration or 0, price_unknown())
    duration = request.duration if request.duration is not None else spec.default_duration
    smart = spec.auto_duration is not None and duration == spec.auto_duration
    seconds = spec.durations[-1] if smart else (duration or spec.default_duration)
    resolution = request.resolution or spec.default_resolution
    audio = _audio_for_price(request, spec.audio_mode)
    price = spec.price_per_second(resolution, currency, audio, region)
    if price is None:
        return CostEstimate(None, currency, None, seconds, price_unknown())
    notes = []
    if request.first_clip and spec.takes_first_clip:
        # wan2.7 continuation: `duration` is the total output length, and the total is billed.
        notes.append(_("billed on the total length, including the clip you continue"))
    if spec.bills_input_video and any(ref.role in ("reference_video", "video") for ref in request.references):
        notes.append(_("the input clips' seconds are billed too"))  # wan2.7 r2v/videoedit: usage.duration = in + out
    if smart:
        shortest, longest = i18n.format_number(spec.durations[0]), i18n.format_number(spec.durations[-1])
        notes.append(
            _("the model chooses the length ({shortest} to {longest} s); billed as made").format(
                shortest=shortest, longest=longest
            )
        )
    if spec.audio_mode is AudioMode.SWITCHABLE and price.audio is not None:
        notes.append(_("with sound") if audio else _("silent (cheaper)"))
    notes.append(_("price as of {date}").format(date=price.as_of))
    low = round(price.per_second * spec.durations[0], 6) if smart else None
    amount = round(price.per_second * seconds, 6)
    note = NOTE_SEPARATOR.join(notes)
    return CostEstimate(
        amount, currency, price.per_second, seconds, note, amount_low=low, notes=tuple(notes), price_as_of=price.as_of
    )


def billed_seconds(model: str, usage: TaskUsage | None) -> float | None:
    """The seconds the service bills for a finished task: its output, plus the input clips' seconds for the
    models that bill them (wan2.7 r2v/videoedit: ``usage.duration`` is input + output, contract 12.2)."""
    if usage is None or not usage.output_seconds:
        return None
    spec = find_model(model)
    if spec is not None and spec.bills_input_video:
        return usage.output_seconds + (usage.input_video_seconds or 0.0)
    return usage.output_seconds


def _audio_for_price(request: GenerationRequest, mode: AudioMode) -> bool | None:
    if mode is AudioMode.SWITCHABLE:
        return True if request.audio_enabled is None else request.audio_enabled  # the service default is on
    return None


def total(estimates: Iterable[CostEstimate]) -> CostEstimate:
    """The sum of a batch. Unknown if any part is unknown: a partial sum would understate the bill."""
    items = list(estimates)
    if not items:
        return CostEstimate(0.0, Currency.USD, None, 0, "")
    currency = items[0].currency
    seconds = sum(e.seconds for e in items)
    amounts = [e.amount for e in items if e.amount is not None]
    if len(amounts) < len(items) or any(e.currency is not currency for e in items):
        return CostEstimate(None, currency, None, seconds, price_unknown())
    amount = round(sum(amounts), 6)
    videos = len(items)
    note = ngettext("{n} video, {seconds} s in all", "{n} videos, {seconds} s in all", videos).format(
        n=i18n.format_number(videos), seconds=i18n.format_seconds_value(seconds)
    )
    return CostEstimate(amount, currency, None, seconds, note)
