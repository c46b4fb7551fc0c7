"""Prices as dated data: the price of a day, later rows taking over, input-billed rows, bad rows refused."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from wan_desktop.core.dashscope.catalog import Currency, Region
from wan_desktop.core.pricing import PriceTable, load_table, parse_rows, price_on, read_price_file

ROW = {
    "model": "wan3.0-video",
    "region": "cn-beijing",
    "resolution": "720P",
    "currency": "CNY",
    "per_second": 0.6,
    "input_per_second": 0.6,
    "valid_from": "2026-08-24",
    "source": "test",
}


def test_catalog_prices_are_known_in_their_regions_and_not_elsewhere():
    price = price_on("wan2.6-i2v", Region.BEIJING, "720P", None, date(2026, 11, 30))
    assert price is not None and price.currency is Currency.CNY and price.per_second > 0
    assert price_on("wan2.6-i2v", Region.CUSTOM, "720P", None, date(2026, 11, 30)) is None
    assert price_on("no-such-model", Region.BEIJING, "720P", None, date(2026, 11, 30)) is None


def test_regional_request_names_find_the_catalog_price():
    assert price_on("wan2.1-i2v-plus", Region.SINGAPORE, "720P", None, date(2026, 1, 2)) is not None


def test_a_later_row_takes_over_from_its_day_and_old_days_keep_their_price():
    later = dict(ROW, per_second=0.42, valid_from="2026-09-24")
    rows, problems = parse_rows([ROW, later])
    assert problems == ()
    table = PriceTable(rows)
    assert table.price_on("wan3.0-video", "cn-beijing", "720P", None, date(2026, 8, 23)) is None
    september = table.price_on("wan3.0-video", "cn-beijing", "720P", None, date(2026, 9, 1))
    october = table.price_on("wan3.0-video", "cn-beijing", "720P", None, datetime(2026, 10, 1, 3, tzinfo=UTC))
    assert september is not None and september.per_second == 0.6
    assert october is not None and october.per_second == 0.42


def test_input_billed_rows_charge_input_seconds_and_others_do_not():
    (billed,), _ = parse_rows([ROW])
    (plain,), _ = parse_rows([dict(ROW, input_per_second=None)])
    assert billed.bills_input and billed.amount(5, 3) == 4.8
    assert not plain.bills_input and plain.amount(5, 3) == 3.0


def test_bad_rows_are_skipped_with_a_sentence():
    bad = [
        dict(ROW, per_second=0),
        dict(ROW, per_second=-1),
        dict(ROW, per_second="cheap"),
        dict(ROW, currency="USD"),
        dict(ROW, region="mars"),
        dict(ROW, valid_from="soon"),
        dict(ROW, audio="yes"),
        "not a row",
    ]
    rows, problems = parse_rows(bad)
    assert rows == () and len(problems) == len(bad)
    assert all(problem.startswith("Price row ") for problem in problems)


def test_the_price_file_is_read_and_an_unreadable_one_leaves_the_catalog(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"format": 1, "prices": [ROW]}), encoding="utf-8")
    table = load_table(path)
    assert table.price_on("wan3.0-video", "cn-beijing", "720P", True, date(2026, 12, 1)) is not None
    path.write_text("{not json", encoding="utf-8")
    rows, problems = read_price_file(path)
    assert rows == () and "could not be read" in problems[0]
    assert load_table(path).price_on("wan2.6-i2v", "cn-beijing", "720P", None, date(2026, 12, 1)) is not None
    assert read_price_file(tmp_path / "missing.json") == ((), ())
