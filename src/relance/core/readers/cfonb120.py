"""CFONB 120 ("relevé de compte 120 caractères"), the French banks' statement file.

Fixed-width records of 120 characters: 01 old balance, 04 movement, 05 complement of
the 04 before it, 07 new balance. Each 01 ... 07 group is one statement (usually one
day; a day without movement is a 01 and a 07 with the same balance). Amounts are 14
digits whose last character carries the sign ("overpunch": { A-I are +0..9, } J-R
are -0..9), with the number of decimals given in the record itself.

>>> amount("0000000166956E", 2, "EUR"), amount("0000000000227R", 2, "EUR")
(1669565, -2279)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from relance.core.currencies import is_currency, minor_units
from relance.core.errors import DomainError
from relance.core.statements import Entry, Statement

_POSITIVE = {c: i for i, c in enumerate("{ABCDEFGHI")}
_NEGATIVE = {c: i for i, c in enumerate("}JKLMNOPQR")}
RECORD = 120


def _digits(text: str) -> bool:
    """ASCII digits only: Python's isdigit() also takes a superscript two, which int()
    then refuses.

    >>> _digits("0012"), _digits("\u00b2012"), _digits("")
    (True, False, False)
    """
    return text.isascii() and text.isdigit()


def amount(field_: str, decimals: int, currency: str) -> int:
    """A signed amount field in the currency's minor units."""
    digits, last = field_[:-1], field_[-1:]
    if _digits(last):
        sign, unit = 1, int(last)
    elif last in _POSITIVE:
        sign, unit = 1, _POSITIVE[last]
    elif last in _NEGATIVE:
        sign, unit = -1, _NEGATIVE[last]
    else:
        raise DomainError(f"bad amount {field_!r}")
    if not _digits(digits):
        raise DomainError(f"bad amount {field_!r}")
    value = Decimal(int(digits) * 10 + unit).scaleb(-decimals).scaleb(minor_units(currency))
    if value != value.to_integral_value():
        raise DomainError(f"amount {field_!r} has more decimals than {currency}")
    return sign * int(value)


def _date(text: str) -> date:
    """DDMMYY; the two-digit year is taken in 1980-2079.

    >>> _date("010426"), _date("311299")
    (datetime.date(2026, 4, 1), datetime.date(1999, 12, 31))
    >>> _date("0804")
    Traceback (most recent call last):
    ...
    relance.core.errors.DomainError: bad date '0804'
    """
    if len(text) != 6 or not _digits(text):
        raise DomainError(f"bad date {text!r}")
    year = int(text[4:6])
    try:
        return date(year + (1900 if year >= 80 else 2000), int(text[2:4]), int(text[0:2]))
    except ValueError:
        raise DomainError(f"bad date {text!r}") from None


@dataclass
class _Open:
    account: str
    currency: str
    opening: int
    start: date
    line: int
    entries: list[dict[str, object]] = field(default_factory=list)


def _lines(data: bytes) -> list[str]:
    text = data.decode("latin-1")
    if "\n" not in text and "\r" not in text and len(text) > RECORD:
        return [text[i : i + RECORD] for i in range(0, len(text), RECORD)]
    return text.splitlines()


def _account(rec: str) -> str:
    # Bank code, branch code and account number: the French RIB without its key.
    return f"{rec[2:7]}{rec[11:16]}{rec[21:32]}".replace(" ", "")


def _currency(rec: str) -> tuple[str, int]:
    currency = rec[16:19]
    if not is_currency(currency) or not _digits(rec[19]):
        raise DomainError(f"bad currency or decimals {rec[16:20]!r}")
    return currency, int(rec[19])


def _balance(rec: str) -> int:
    currency, decimals = _currency(rec)
    return amount(rec[90:104], decimals, currency)


def _movement(rec: str) -> dict[str, object]:
    currency, decimals = _currency(rec)
    value = rec[42:48].strip()
    return {
        "booked": _date(rec[34:40]),
        "amount": amount(rec[90:104], decimals, currency),
        "currency": currency,
        "value_date": _date(value) if value and value != "000000" else None,
        "text": rec[48:79].strip(),
        "bank_reference": rec[104:120].strip() or rec[81:88].strip().strip("0"),
        "return_reason": rec[40:42].strip(),
    }


def _complement(entry: dict[str, object], rec: str) -> None:
    """A 05 record: LIB adds to the text, NPY/NBE name the payer/payee, RCN is the
    payer's reference."""
    qualifier, info = rec[45:48], rec[48:118].strip()
    if not info:
        return
    if qualifier == "LIB":
        entry["text"] = f"{entry['text']} {info}".strip()
    elif qualifier in ("NPY", "NBE") and not entry.get("counterparty_name"):
        entry["counterparty_name"] = info
    elif qualifier == "RCN":
        entry["end_to_end_id"] = info


def read(data: bytes) -> list[Statement]:
    """Every 01 ... 07 statement of the file, in order."""
    statements: list[Statement] = []
    current: _Open | None = None
    last_movement: dict[str, object] | None = None
    for number, raw in enumerate(_lines(data), start=1):
        rec = raw.rstrip("\r\n")
        if not rec.strip():
            continue
        code = rec[:2]
        try:
            if code not in ("01", "04", "05", "07"):
                raise DomainError(f"unknown record code {code!r}")
            if len(rec.rstrip()) < (48 if code == "05" else 104):
                raise DomainError(f"record too short ({len(rec.rstrip())} characters)")
            rec = rec.ljust(RECORD)
            if code == "01":
                if current is not None:
                    raise DomainError(
                        f"new 01 before the 07 of the statement of line {current.line}"
                    )
                current = _Open(
                    _account(rec), _currency(rec)[0], _balance(rec), _date(rec[34:40]), number
                )
                last_movement = None
            elif current is None:
                raise DomainError(f"record {code} outside a statement (no 01 before it)")
            elif code == "04":
                last_movement = _movement(rec)
                current.entries.append(last_movement)
            elif code == "05":
                if last_movement is None:
                    raise DomainError("05 complement without a 04 movement before it")
                _complement(last_movement, rec)
            else:
                statements.append(
                    Statement(
                        account=current.account,
                        currency=current.currency,
                        opening=current.opening,
                        closing=_balance(rec),
                        entries=tuple(Entry(**e) for e in current.entries),  # type: ignore[arg-type]
                        start=current.start,
                        end=_date(rec[34:40]),
                    )
                )
                current = last_movement = None
        except DomainError as exc:
            raise DomainError(f"line {number}: {exc}") from None
    if current is not None:
        raise DomainError(
            f"the file ends without the 07 new balance of the statement of line {current.line}"
        )
    if not statements:
        raise DomainError("no CFONB 120 statement in the file")
    return statements
