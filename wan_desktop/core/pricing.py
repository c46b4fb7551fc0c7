"""Prices as dated data: what one second of video cost for a model, region and resolution on a given day.

A price is valid from a date until the next price for the same model, region, resolution and sound setting
starts, so a ledger entry written (or rebuilt) today for a video made last month keeps last month's price.

Where prices come from
----------------------
1. The catalog (``core/dashscope/models_table.py``): every ``ModelSpec.prices`` entry becomes one row for each
   region that offers the model and bills in that price's currency, valid from ``BUILTIN_VALID_FROM``.
2. The price file ``wan_desktop/core/dashscope/prices.json`` (optional; the models/catalog side owns it and
   adds new models and price changes there). Its rows are read after the catalog's; a row with the same key
   and a later ``valid_from`` takes over from that day on.

The price file's format (version 1)::

    {
      "format": 1,
      "prices": [
        {
          "model": "wan3.0-video",          # the catalog key (ModelSpec.key); region names are mapped to it
          "region": "cn-beijing",           # a catalog Region value: cn-beijing, ap-southeast-1, us-east-1, ...
          "resolution": "720P",             # "480P" / "720P" / "1080P"
          "currency": "CNY",                # "CNY" or "USD"; must be the region's currency
          "per_second": 0.6,                # price of one second of generated (output) video, > 0
          "input_per_second": 0.6,          # optional: price of one second of input video the model bills
                                            #   (reference / first-clip seconds); null or absent: input is free
          "audio": null,                    # optional: true / false when the price depends on sound, else null
          "valid_from": "2026-08-24",       # ISO date (the region's billing day) the price starts on
          "source": "help.aliyun.com card"  # where the figure was read, for the person who checks the bill
        }
      ]
    }

A row that breaks these rules is skipped and named in ``PriceTable.problems``; a file that cannot be read
leaves the catalog's rows. A model, region and resolution with no row has no price: callers say
"price unknown" and never guess.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from wan_desktop.core.dashscope.catalog import MODELS, REGIONS, Currency, Region, find_model

BUILTIN_VALID_FROM = date(2024, 1, 1)  # the catalog's first prices; older history is priced at them
PRICE_FILE = Path(__file__).resolve().parent / "dashscope" / "prices.json"
PRICE_FILE_FORMAT = 1
_MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Price:
    """One row of the price table."""

    model: str  # catalog key
    region: Region
    resolution: str
    currency: Currency
    per_second: float
    valid_from: date
    source: str = ""
    input_per_second: float | None = None  # None: input video seconds are not billed
    audio: bool | None = None  # None: the price does not depend on sound

    @property
    def bills_input(self) -> bool:
        return self.input_per_second is not None

    def amount(self, output_seconds: float, input_seconds: float = 0.0) -> float:
        """What ``output_seconds`` (and, where billed, ``input_seconds``) cost at this price."""
        total = output_seconds * self.per_second
        if self.input_per_second is not None:
            total += max(input_seconds, 0.0) * self.input_per_second
        return round(total, 6)


@dataclass(frozen=True)
class PriceTable:
    prices: tuple[Price, ...]
    problems: tuple[str, ...] = field(default=())

    def price_on(
        self, model: str, region: Region | str, resolution: str, audio: bool | None, when: date | datetime
    ) -> Price | None:
        """The price that applied on ``when`` (a date, or a moment whose date counts), or None if none did."""
        key = _model_key(model)
        place = _region(region)
        day = when.date() if isinstance(when, datetime) else when
        if place is None:
            return None
        best: Price | None = None
        for price in self.prices:
            if price.model != key or price.region is not place or price.resolution != resolution:
                continue
            if price.valid_from > day or not _audio_matches(price.audio, audio):
                continue
            if best is None or price.valid_from >= best.valid_from:
                best = price
        return best


def _audio_matches(price_audio: bool | None, audio: bool | None) -> bool:
    return price_audio is None or audio is None or price_audio == audio


def _model_key(model: str) -> str:
    spec = find_model(model)
    return spec.key if spec else model


def _region(value: Region | str) -> Region | None:
    if isinstance(value, Region):
        return value
    try:
        return Region(value)
    except ValueError:
        return None


# -- building the table ---------------------------------------------------------------------------------
def catalog_prices() -> tuple[Price, ...]:
    rows: list[Price] = []
    for spec in MODELS.values():
        for listed in spec.prices:
            for region in spec.names_by_region:
                if REGIONS[region].currency is listed.currency:
                    rows.append(
                        Price(
                            spec.key,
                            region,
                            listed.resolution,
                            listed.currency,
                            listed.per_second,
                            BUILTIN_VALID_FROM,
                            f"{listed.source}, {listed.as_of}",
                            audio=listed.audio,
                        )
                    )
    return tuple(rows)


def read_price_file(path: Path) -> tuple[tuple[Price, ...], tuple[str, ...]]:
    """The rows of a price file and a sentence for each one skipped. A missing file has none.

    The sentences stay in English: the price file ships with the app, so they are for whoever maintains it
    (no window or command shows ``PriceTable.problems`` to a person)."""
    try:
        if path.stat().st_size > _MAX_FILE_BYTES:
            return (), (f"The price file {path} is larger than 1 MB and was not read.",)
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return (), ()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        return (), (f"The price file {path} could not be read ({error}).",)
    if not isinstance(data, Mapping) or data.get("format") != PRICE_FILE_FORMAT:
        return (), (f"The price file {path} is not in price format {PRICE_FILE_FORMAT}.",)
    rows = data.get("prices")
    return parse_rows(rows if isinstance(rows, list) else [])


def parse_rows(rows: Iterable[Any]) -> tuple[tuple[Price, ...], tuple[str, ...]]:
    prices: list[Price] = []
    problems: list[str] = []
    for index, row in enumerate(rows, 1):
        try:
            prices.append(parse_row(row))
        except ValueError as error:
            problems.append(f"Price row {index} was skipped: {error}")
    return tuple(prices), tuple(problems)


def parse_row(row: Any) -> Price:
    if not isinstance(row, Mapping):
        raise ValueError("it is not an object.")
    region = _region(str(row.get("region", "")))
    if region is None or region is Region.CUSTOM:
        raise ValueError(f"{row.get('region')!r} is not a region.")
    try:
        currency = Currency(row.get("currency"))
    except ValueError:
        raise ValueError(f"{row.get('currency')!r} is not a currency.") from None
    if currency is not REGIONS[region].currency:
        raise ValueError(f"{region.value} bills in {REGIONS[region].currency.value}, not {currency.value}.")
    model, resolution = row.get("model"), row.get("resolution")
    if not isinstance(model, str) or not model or not isinstance(resolution, str) or not resolution:
        raise ValueError("it needs a model and a resolution.")
    return Price(
        _model_key(model),
        region,
        resolution,
        currency,
        _positive(row.get("per_second"), "per_second"),
        _date(row.get("valid_from")),
        str(row.get("source") or ""),
        input_per_second=None if row.get("input_per_second") is None else _positive(row["input_per_second"], "input"),
        audio=_optional_bool(row.get("audio")),
    )


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a number above zero, not {value!r}.")
    return float(value)


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"valid_from must be a date like 2026-08-24, not {value!r}.") from None


def _optional_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"audio must be true, false or null, not {value!r}.")


def load_table(path: Path = PRICE_FILE) -> PriceTable:
    extra, problems = read_price_file(path)
    return PriceTable(catalog_prices() + extra, problems)


_DEFAULT: PriceTable | None = None


def default_table() -> PriceTable:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_table()
    return _DEFAULT


def price_on(
    model: str, region: Region | str, resolution: str, audio: bool | None, when: date | datetime
) -> Price | None:
    """The price of ``model`` in ``region`` at ``resolution`` on the day of ``when``, from the default table."""
    return default_table().price_on(model, region, resolution, audio, when)
