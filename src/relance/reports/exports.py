"""The aged balance as documents: the JSON contract, CSV and xlsx.

Amounts are decimal strings with the currency's decimals in JSON and CSV (DESIGN.md
section 6), numbers in xlsx. Text cells that a spreadsheet would run as a formula
(starting with = + - @, or a tab or carriage return) get a leading quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from relance.core.aging import Aging, Cell, cells
from relance.core.currencies import minor_units
from relance.core.money import format_minor

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    """A text cell no spreadsheet will run as a formula.

    >>> neutral("=HYPERLINK(\\"http://x\\")"), neutral("Dupont SAS"), neutral("-2")
    ('\\'=HYPERLINK("http://x")', 'Dupont SAS', "'-2")
    """
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _cells_json(cells: Sequence[Cell], currency: str) -> list[dict[str, Any]]:
    return [
        {"label": c.label, "amount": format_minor(c.amount, currency), "count": c.items}
        for c in cells
    ]


def aging_json(aging: Aging) -> dict[str, Any]:
    """`{"date", "currency", "buckets": [{"label", "amount", "count"}], "total",
    "customers": [{"code", "name", "segment", "buckets", "total"}]}`."""
    cur, labels = aging.currency, aging.labels
    return {
        "date": aging.date.isoformat(),
        "currency": cur,
        "buckets": _cells_json(aging.buckets, cur),
        "total": format_minor(aging.total, cur),
        "customers": [
            {
                "code": line.account.code,
                "name": line.account.name,
                "segment": line.account.segment,
                "buckets": _cells_json(cells(labels, line), cur),
                "total": format_minor(line.total, cur),
            }
            for line in aging.customers
        ],
    }


def document(agings: Sequence[Aging]) -> dict[str, Any] | list[dict[str, Any]]:
    """One JSON document per currency; a list of them when there are several."""
    docs = [aging_json(a) for a in agings]
    return docs[0] if len(docs) == 1 else docs


HEADER = ("date", "currency", "customer", "name", "segment")


def _table(agings: Sequence[Aging]) -> Iterator[tuple[list[str], list[int], str]]:
    """(text cells, amounts in minor units, currency) per customer, then a total line
    per currency."""
    for aging in agings:
        day = aging.date.isoformat()
        for line in aging.customers:
            account = line.account
            yield (
                [day, aging.currency, account.code, account.name, account.segment],
                [*line.amounts, line.total],
                aging.currency,
            )
        yield (
            [day, aging.currency, "", "TOTAL", ""],
            [c.amount for c in aging.buckets] + [aging.total],
            aging.currency,
        )


def _labels(agings: Sequence[Aging]) -> list[str]:
    return [c.label for c in agings[0].buckets] + ["total"] if agings else ["total"]


def aging_csv(agings: Sequence[Aging]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*HEADER, *_labels(agings)])
    for texts, amounts, currency in _table(agings):
        writer.writerow([neutral(t) for t in texts] + [format_minor(a, currency) for a in amounts])
    return out.getvalue()


def aging_xlsx(agings: Sequence[Aging]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "aging"
    sheet.append([*HEADER, *_labels(agings)])
    for texts, amounts, currency in _table(agings):
        places = minor_units(currency)
        sheet.append([neutral(t) for t in texts] + [Decimal(a).scaleb(-places) for a in amounts])
        number_format = "#,##0" + ("." + "0" * places if places else "")
        for cell in sheet[sheet.max_row][len(texts) :]:
            cell.number_format = number_format
    sheet.freeze_panes = "F2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
