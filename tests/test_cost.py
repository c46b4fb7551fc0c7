"""Cost estimates come from the catalog's price table; unknown prices are never guessed."""

from __future__ import annotations

import pytest

from wan_desktop.core.cost import PRICE_UNKNOWN, estimate, format_money, total
from wan_desktop.core.dashscope.catalog import Currency, Region
from wan_desktop.core.dashscope.types import GenerationRequest


def test_beijing_wan26_flash_with_sound_is_cny_per_second_times_duration():
    cost = estimate(GenerationRequest("wan2.6-i2v-flash", "a.png", resolution="720P", duration=10), Region.BEIJING)
    assert cost.currency is Currency.CNY
    assert cost.per_second == 0.3
    assert cost.seconds == 10
    assert cost.amount == pytest.approx(3.0)
    assert "with sound" in cost.note


def test_switching_sound_off_halves_the_flash_price():
    silent = GenerationRequest("wan2.6-i2v-flash", "a.png", resolution="1080P", duration=4, audio_enabled=False)
    cost = estimate(silent, Region.SINGAPORE)
    assert (cost.currency, cost.per_second, cost.amount) == (Currency.USD, 0.0375, pytest.approx(0.15))
    assert "silent" in cost.note


def test_defaults_of_the_model_are_used_when_options_are_left_open():
    # wan2.5 defaults: 1080P, 5 s → 0.15 USD/s in Singapore
    cost = estimate(GenerationRequest("wan2.5-i2v-preview", "a.png"), Region.SINGAPORE)
    assert (cost.seconds, cost.per_second, cost.amount) == (5, 0.15, pytest.approx(0.75))


def test_wan27_continuation_is_billed_on_the_total_duration():
    request = GenerationRequest("wan2.7-i2v", first_clip="https://x/clip.mp4", resolution="720P", duration=12)
    cost = estimate(request, Region.BEIJING)
    assert cost.amount == pytest.approx(0.6 * 12)
    assert "total length" in cost.note


def test_virginia_uses_usd_prices():
    cost = estimate(GenerationRequest("wan2.6-i2v-us", "a.png", resolution="720P", duration=15), Region.VIRGINIA)
    assert (cost.currency, cost.amount) == (Currency.USD, pytest.approx(1.5))


def test_a_price_missing_from_the_table_is_unknown_not_zero():
    # wan2.2-i2v-flash has no published USD price
    cost = estimate(GenerationRequest("wan2.2-i2v-flash", "a.png"), Region.SINGAPORE)
    assert cost.amount is None and cost.note == PRICE_UNKNOWN and cost.text() == PRICE_UNKNOWN
    unknown_model = estimate(GenerationRequest("no-such-model", "a.png", duration=5), Region.BEIJING)
    assert unknown_model.amount is None and unknown_model.note == PRICE_UNKNOWN


def test_batch_total_sums_and_turns_unknown_when_any_part_is():
    one = estimate(GenerationRequest("wanx2.1-i2v-turbo", "a.png", duration=3), Region.BEIJING)
    assert one.amount == pytest.approx(0.72)
    batch = total([one] * 4)
    assert batch.amount == pytest.approx(2.88) and batch.seconds == 12
    unknown = estimate(GenerationRequest("wan2.2-i2v-flash", "a.png"), Region.SINGAPORE)
    assert total([estimate(GenerationRequest("wan2.7-i2v", "a.png"), Region.SINGAPORE), unknown]).amount is None


def test_money_is_shown_in_cents_unless_that_hides_a_fraction():
    assert format_money(0.75, Currency.USD) == "US$0.75"
    assert format_money(0.1875, Currency.USD) == "US$0.188"
    assert format_money(12.0, Currency.CNY) == "CN¥12.00"
