"""Typed cells: each reader turns a cell into a value or raises `CellError` naming the column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from babel import Locale
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from relance.core import identifiers
from relance.core.currencies import is_currency, minor_units
from relance.core.errors import DomainError
from relance.core.money import parse_amount, round_money
from relance.core.terms import PaymentTerms

# CLDR territories, less its pseudo-regions (unknown, EU, eurozone, UN, pseudo-locales).
COUNTRIES = frozenset(
    code
    for code in Locale("en").territories
    if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
)


class CellError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(f"{column}: {reason}")
        self.column = column
        self.reason = reason


@dataclass(frozen=True)
class Options:
    """How the person said their file is written (`--date-format`, `--decimal-comma`)."""

    date_format: str | None = None
    decimal_comma: bool = False
    default_currency: str = "EUR"
    default_country: str = "FR"


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y%m%d", "%d/%m/%y")


def text(row: dict[str, Any], column: str, *, max_length: int, required: bool = False) -> str:
    value = row.get(column, "")
    value = "" if value is None else str(value).strip()
    if required and not value:
        raise CellError(column, "required value is empty")
    if len(value) > max_length:
        raise CellError(column, f"longer than {max_length} characters")
    return value


def a_date(
    row: dict[str, Any], column: str, options: Options, *, required: bool = False
) -> date | None:
    value = row.get(column, "")
    if isinstance(value, date):
        return value
    raw = str(value or "").strip()
    if not raw:
        if required:
            raise CellError(column, "required date is empty")
        return None
    formats = (options.date_format,) if options.date_format else _DATE_FORMATS
    for fmt in formats:
        try:
            return datetime.strptime(raw, fmt).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    expected = options.date_format or "YYYY-MM-DD or DD/MM/YYYY"
    raise CellError(column, f"{raw!r} is not a date ({expected})")


def amount(
    row: dict[str, Any], column: str, currency: str, options: Options, *, required: bool = False
) -> int | None:
    """Minor units of the currency; more decimals than the currency has are refused."""
    value = row.get(column, "")
    if value in ("", None):
        if required:
            raise CellError(column, "required amount is empty")
        return None
    try:
        number = (
            value
            if isinstance(value, Decimal | int)
            else parse_amount(str(value), decimal_comma=options.decimal_comma)
        )
        minor = round_money(Decimal(number), currency)
    except DomainError as exc:
        raise CellError(column, str(exc)) from None
    if Decimal(minor).scaleb(-minor_units(currency)) != Decimal(number):
        raise CellError(column, f"{value!r} has more decimals than {currency} allows")
    return minor


def currency(row: dict[str, Any], column: str, options: Options) -> str:
    raw = str(row.get(column, "") or "").strip().upper()
    if not raw:
        return options.default_currency
    if not is_currency(raw):
        raise CellError(column, f"unknown currency {raw!r} (ISO 4217 code such as EUR)")
    return raw


def country(row: dict[str, Any], column: str, options: Options) -> str:
    raw = str(row.get(column, "") or "").strip().upper()
    if not raw:
        return options.default_country
    if raw not in COUNTRIES:
        raise CellError(column, f"unknown country {raw!r} (ISO 3166 code such as FR)")
    return raw


def email(row: dict[str, Any], column: str) -> str:
    raw = text(row, column, max_length=254)
    if raw:
        try:
            validate_email(raw)
        except ValidationError:
            raise CellError(column, f"{raw!r} is not an email address") from None
    return raw


def terms(row: dict[str, Any], column: str) -> PaymentTerms | None:
    raw = text(row, column, max_length=20)
    if not raw:
        return None
    try:
        return PaymentTerms.parse(raw)
    except DomainError as exc:
        raise CellError(column, str(exc)) from None


def choice(row: dict[str, Any], column: str, choices: tuple[str, ...], default: str) -> str:
    raw = text(row, column, max_length=20).lower()
    if not raw:
        return default
    if raw not in choices:
        raise CellError(column, f"{raw!r} is not one of {', '.join(choices)}")
    return raw


def identifier(row: dict[str, Any], column: str, check: Any, *args: Any) -> str:
    raw = text(row, column, max_length=40)
    if not raw:
        return ""
    try:
        return str(check(raw, *args))
    except DomainError as exc:
        raise CellError(column, str(exc)) from None


company_number = identifiers.company_number
vat_number = identifiers.vat_number
iban = identifiers.iban


def rate(row: dict[str, Any], column: str, options: Options) -> Decimal | None:
    """A yearly percentage such as 12.15 (or 12,15 with --decimal-comma), 0 to 100."""
    value = row.get(column, "")
    if value in ("", None):
        return None
    try:
        number = (
            value
            if isinstance(value, Decimal | int)
            else parse_amount(str(value).rstrip("% "), decimal_comma=options.decimal_comma)
        )
    except DomainError as exc:
        raise CellError(column, str(exc)) from None
    number = Decimal(number)
    if not 0 <= number <= 100 or number != number.quantize(Decimal("0.001")):
        raise CellError(
            column, f"{value!r} is not a rate in percent (0 to 100, 3 decimals at most)"
        )
    return number
