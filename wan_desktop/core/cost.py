"""What a request will cost before it is sent, from the catalog's price table.

The service bills per second of successfully generated video; the price depends on the model, the
resolution and, for wan2.6-i2v-flash, whether sound is on (contract section 8). Prices are published
in the region's currency. An estimate never guesses: a missing price gives ``amount=None``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from wan_desktop.core.dashscope.catalog import REGIONS, AudioMode, Currency, Region, find_model
from wan_desktop.core.dashscope.types import GenerationRequest
from wan_desktop.core.wording import count

PRICE_UNKNOWN = "price unknown"


@dataclass(frozen=True)
class CostEstimate:
    amount: float | None  # None: the catalog has no price for this combination
    currency: Currency
    per_second: float | None
    seconds: int
    note: str = ""

    @property
    def known(self) -> bool:
        return self.amount is not None

    def text(self) -> str:
        """ "USD 0.75" or "price unknown", for a label."""
        if self.amount is None:
            return PRICE_UNKNOWN
        return format_money(self.amount, self.currency)


def format_money(amount: float, currency: Currency) -> str:
    # Cents, unless that would hide a fraction (0.0375 USD/s flash prices make totals like 0.1875).
    cents_exact = abs(amount * 100 - round(amount * 100)) < 1e-9
    return f"{currency.value} {amount:,.2f}" if cents_exact else f"{currency.value} {amount:,.3f}"


def estimate(request: GenerationRequest, region: Region) -> CostEstimate:
    """The price of one successful video for ``request`` sent to ``region``."""
    currency = REGIONS[region].currency
    spec = find_model(request.model)
    if spec is None:
        return CostEstimate(None, currency, None, request.duration or 0, PRICE_UNKNOWN)
    seconds = request.duration or spec.default_duration
    resolution = request.resolution or spec.default_resolution
    audio = _audio_for_price(request, spec.audio_mode)
    price = spec.price_per_second(resolution, currency, audio)
    if price is None:
        return CostEstimate(None, currency, None, seconds, PRICE_UNKNOWN)
    notes = []
    if request.first_clip and spec.takes_first_clip:
        # wan2.7 continuation: `duration` is the total output length, and the total is billed.
        notes.append("billed on the total length, including the clip you continue")
    if spec.audio_mode is AudioMode.SWITCHABLE:
        notes.append("with sound" if audio else "silent (cheaper)")
    notes.append(f"price as of {price.as_of}")
    return CostEstimate(round(price.per_second * seconds, 6), currency, price.per_second, seconds, "; ".join(notes))


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
        return CostEstimate(None, currency, None, seconds, PRICE_UNKNOWN)
    amount = round(sum(amounts), 6)
    return CostEstimate(amount, currency, None, seconds, f"{count(len(items), 'video')}, {seconds} s in all")
