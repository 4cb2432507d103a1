"""The aged balance as documents: the JSON contract, CSV and xlsx.

Amounts are decimal strings with the currency's decimals in JSON and CSV (DESIGN.md
section 6), numbers in xlsx. Text cells that a spreadsheet would run as a formula
(starting with = + - @, or a tab or carriage return) get a leading quote.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from relance.core.aging import Aging
from relance.core.currencies import minor_units
from relance.core.money import format_minor

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutral(text: str) -> str:
    """A text cell no spreadsheet will run as a formula.

    >>> neutral("=HYPERLINK(\\"http://x\\")"), neutral("Dupont SAS"), neutral("-2")
    ('\\'=HYPERLINK("http://x")', 'Dupont SAS', "'-2")
    >>> neutral("+33 1 23 45 67 89"), neutral("@SUM(A1:A9)"), neutral("a=b")
    ("'+33 1 23 45 67 89", "'@SUM(A1:A9)", 'a=b')
    """
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def _cells_json(
    labels: Sequence[str], amounts: Sequence[int], counts: Sequence[int], currency: str
) -> list[dict[str, Any]]:
    return [
        {"label": label, "amount": format_minor(amount, currency), "count": count}
        for label, amount, count in zip(labels, amounts, counts, strict=True)
    ]


def aging_json(aging: Aging) -> dict[str, Any]:
    """`{"date", "currency", "buckets": [{"label", "amount", "count"}], "total",
    "customers": [{"code", "name", "segment", "collector", "buckets", "total"}]}`."""
    cur, labels = aging.currency, aging.labels
    totals = aging.buckets
    return {
        "date": aging.date.isoformat(),
        "currency": cur,
        "buckets": _cells_json(labels, [c.amount for c in totals], [c.items for c in totals], cur),
        "total": format_minor(aging.total, cur),
        "customers": [
            {
                "code": line.account.code,
                "name": line.account.name,
                "segment": line.account.segment,
                "collector": line.account.collector,
                "buckets": _cells_json(labels, line.amounts, line.counts, cur),
                "total": format_minor(line.total, cur),
            }
            for line in aging.customers
        ],
    }


def one_or_many(docs: list[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    """A report's JSON document per currency: the document itself when there is one
    currency, else the list (`relance report ... --json` and the API print the same)."""
    return docs[0] if len(docs) == 1 else docs


def document(agings: Sequence[Aging]) -> dict[str, Any] | list[dict[str, Any]]:
    """One JSON document per currency; a list of them when there are several."""
    return one_or_many([aging_json(a) for a in agings])


HEADER = ("date", "currency", "customer", "name", "segment", "collector")


def _table(agings: Sequence[Aging]) -> Iterator[tuple[list[str], list[int], str]]:
    """(text cells, amounts in minor units, currency) per customer, then a total line
    per currency."""
    for aging in agings:
        day = aging.date.isoformat()
        for line in aging.customers:
            account = line.account
            yield (
                [
                    day,
                    aging.currency,
                    account.code,
                    account.name,
                    account.segment,
                    account.collector,
                ],
                [*line.amounts, line.total],
                aging.currency,
            )
        yield (
            [day, aging.currency, "", "TOTAL", "", ""],
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


def _number_format(places: int) -> str:
    return "#,##0" + ("." + "0" * places if places else "")


def aging_sheet(sheet: Any, agings: Sequence[Aging]) -> None:
    """Write the aged balance into an openpyxl sheet: one line per customer, totals."""
    sheet.append([*HEADER, *_labels(agings)])
    for texts, amounts, currency in _table(agings):
        places = minor_units(currency)
        sheet.append([neutral(t) for t in texts] + [Decimal(a).scaleb(-places) for a in amounts])
        for cell in sheet[sheet.max_row][len(texts) :]:
            cell.number_format = _number_format(places)
    sheet.freeze_panes = "F2"


def workbook(sheets: Sequence[tuple[str, Any]]) -> bytes:
    """An xlsx file of (title, writer) sheets; each writer fills its openpyxl sheet."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None  # a new workbook has one sheet
    book.remove(first)
    for title, write in sheets:
        write(book.create_sheet(title))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def aging_xlsx(agings: Sequence[Aging]) -> bytes:
    return workbook([("aging", lambda sheet: aging_sheet(sheet, agings))])


def table_sheet(sheet: Any, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A header and rows; text neutralised, Decimal amounts as numbers with 2 decimals
    or the places they carry."""
    sheet.append(list(header))
    for row in rows:
        sheet.append([neutral(v) if isinstance(v, str) else v for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, Decimal):
                places = max(0, -int(cell.value.as_tuple().exponent))
                cell.number_format = _number_format(places)
    sheet.freeze_panes = "A2"


def forecast_rows(docs: Sequence[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
    """The forecast documents (reports.forecast JSON) as a header and rows, amounts as
    Decimal; a back-test adds what was collected."""
    backtest = any(d.get("backtest") for d in docs)
    header = ["currency", "week", "start", "end", "expected", "p10", "p90"]
    if backtest:
        header += ["collected", "inside_band"]
    rows: list[list[Any]] = []
    for d in docs:
        for w in d["weeks"]:
            row = [d["currency"], w["week"], w["start"], w["end"],
                   *(Decimal(w[k]) for k in ("expected", "p10", "p90"))]  # fmt: skip
            if backtest:
                row += [Decimal(w["actual"]), w["inside"]]
            rows.append(row)
        rows.append([d["currency"], "later", "", "", Decimal(d["later"])])
    return header, rows


def forecast_xlsx(docs: Sequence[dict[str, Any]]) -> bytes:
    header, rows = forecast_rows(docs)
    return workbook([("forecast", lambda sheet: table_sheet(sheet, header, rows))])
