"""The law's data files (rate tables, each row with its source) and the interest service.

The tables are in `relance/law/data/*.csv`, one row per rate change or semester: to
update them twice a year, add a row with its source; `relance interest` refuses a date
beyond what a table confirms instead of computing with an old rate.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources

from relance.core.rates import RateTables, Series


def _series(name: str, column: str, key: str) -> Series:
    text = resources.files("relance.law").joinpath("data", name).read_text(encoding="utf-8")
    rows = [
        (date.fromisoformat(r[key]), Decimal(r[column])) for r in csv.DictReader(text.splitlines())
    ]
    return tuple(sorted(rows))


@cache
def tables() -> RateTables:
    return RateTables(
        ecb=_series("ecb_mro.csv", "rate", "effective_date"),
        fr_legal_individuals=_series("fr_legal_rate.csv", "individuals", "semester_start"),
        fr_legal_others=_series("fr_legal_rate.csv", "others", "semester_start"),
        de_base=_series("de_base_rate.csv", "rate", "semester_start"),
        uk_base=_series("uk_base_rate.csv", "rate", "semester_start"),
    )
