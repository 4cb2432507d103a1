"""A plain CSV of bank movements, for banks whose only export is a spreadsheet.

The header names the columns, in any order (comma or semicolon separated, UTF-8):

    date,amount,currency,reference,text,counterparty,iban,account

`date` (YYYY-MM-DD), `amount` (a point for decimals; negative for money out) and
`currency` are required; the others may be missing or empty. A CSV has no balances, so
its statements are neither balanced nor unbalanced. One statement per account and
currency.

>>> [s] = read(b"date;amount;currency;text\\n2026-03-02;1200.50;EUR;F2026-001\\n")
>>> s.entries[0].amount, s.entries[0].text, s.balanced
(120050, 'F2026-001', None)
"""

from __future__ import annotations

import csv
import io
from datetime import date

from relance.core.currencies import is_currency
from relance.core.errors import DomainError
from relance.core.money import parse_amount, round_money
from relance.core.statements import Entry, Statement

COLUMNS = ("date", "amount", "currency", "reference", "text", "counterparty", "iban", "account")
REQUIRED = ("date", "amount", "currency")


def read(data: bytes) -> list[Statement]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(f"the CSV is not UTF-8 (byte {exc.start})") from None
    first = text.split("\n", 1)[0]
    rows = csv.DictReader(
        io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ","
    )
    try:
        header = [h.strip().lower() for h in rows.fieldnames or []]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise DomainError(
                f"line 1: missing column(s) {', '.join(missing)} (header: {', '.join(COLUMNS)})"
            )
        rows.fieldnames = header
        groups: dict[tuple[str, str], list[Entry]] = {}
        for row in rows:
            line = rows.line_num
            get = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
            if not any(get.values()):
                continue
            try:
                currency = get["currency"].upper()
                if not is_currency(currency):
                    raise DomainError(f"unknown currency {currency!r}")
                entry = Entry(
                    booked=date.fromisoformat(get["date"]),
                    amount=round_money(parse_amount(get["amount"]), currency),
                    currency=currency,
                    reference=get.get("reference", ""),
                    text=get.get("text", ""),
                    counterparty_name=get.get("counterparty", ""),
                    counterparty_iban=get.get("iban", "").replace(" ", "").upper(),
                )
            except ValueError as exc:  # DomainError is a ValueError, as are bad dates
                raise DomainError(f"line {line}: {exc}") from None
            groups.setdefault((get.get("account", ""), currency), []).append(entry)
    except csv.Error as exc:  # a line the csv module cannot split (a stray carriage return)
        raise DomainError(f"line {rows.line_num}: {exc}") from None
    if not groups:
        raise DomainError("the CSV has no movement")
    return [
        Statement(account, currency, None, None, tuple(entries))
        for (account, currency), entries in groups.items()
    ]
