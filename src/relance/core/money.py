"""Money: an integer count of minor units and its ISO 4217 currency.

Amounts are stored as integers (SQLite has no exact decimal); arithmetic that can
produce fractions of a cent happens in `Decimal` and comes back through `round_money`,
the only place where Relance rounds.

>>> price = Money.of("1200.10", "EUR")
>>> price
Money(minor=120010, currency='EUR')
>>> str(price + Money.of("0.05", "EUR"))
'1200.15'
>>> Money.of("1500", "JPY").minor
1500
>>> str(Money.of("1.2345", "KWD"))
'1.235'
>>> Money.of("1", "EUR") + Money.of("1", "USD")
Traceback (most recent call last):
...
relance.core.errors.CurrencyMismatch: cannot combine EUR and USD
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Self

from relance.core.currencies import minor_units
from relance.core.errors import CurrencyMismatch, InvalidAmount

# What a 64-bit integer column holds; far above any invoice, and refused beyond.
MAX_MINOR = 2**63 - 1


def round_money(value: Decimal, currency: str) -> int:
    """Round a Decimal amount half-up to the currency's minor unit; return minor units.

    Half-up is applied to the magnitude, so -0.005 EUR rounds to -0.01 like 0.005 to 0.01.

    >>> round_money(Decimal("0.005"), "EUR"), round_money(Decimal("-0.005"), "EUR")
    (1, -1)
    >>> round_money(Decimal("10.4999"), "JPY"), round_money(Decimal("10.5"), "JPY")
    (10, 11)
    """
    try:
        minor = int(
            value.scaleb(minor_units(currency)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        )
    except InvalidOperation:
        raise InvalidAmount(f"amount out of range: {value}") from None
    if abs(minor) > MAX_MINOR:
        raise InvalidAmount(f"amount out of range: {value}")
    return minor


@dataclass(frozen=True, slots=True, order=False)
class Money:
    minor: int
    currency: str

    def __post_init__(self) -> None:
        minor_units(self.currency)  # validates the code
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise InvalidAmount(f"minor units must be an integer, not {self.minor!r}")

    @classmethod
    def of(cls, amount: Decimal | str | int, currency: str) -> Self:
        """Money from a major-unit amount, rounded once through `round_money`."""
        if isinstance(amount, float | bool):
            raise InvalidAmount(f"use a Decimal or a string, not {type(amount).__name__}")
        try:
            value = Decimal(amount)
        except (InvalidOperation, ValueError, TypeError):
            raise InvalidAmount(f"not an amount: {amount!r}") from None
        if not value.is_finite():
            raise InvalidAmount(f"not an amount: {amount!r}")
        return cls(round_money(value, currency), currency)

    @classmethod
    def zero(cls, currency: str) -> Self:
        return cls(0, currency)

    @property
    def amount(self) -> Decimal:
        """The exact value in major units, e.g. Decimal('1200.10')."""
        return Decimal(self.minor).scaleb(-minor_units(self.currency))

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(self.currency, other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def __str__(self) -> str:
        """The amount with the currency's decimals, as the JSON contracts print it."""
        return format_minor(self.minor, self.currency)


def format_minor(minor: int, currency: str) -> str:
    """Minor units as a plain decimal string with the currency's decimals.

    >>> format_minor(-5, "EUR"), format_minor(1200, "JPY"), format_minor(1, "BHD")
    ('-0.05', '1200', '0.001')
    """
    places = minor_units(currency)
    if not places:
        return str(minor)
    # Integer arithmetic: an aged balance's JSON formats half a million amounts, and a
    # Decimal costs several times as much.
    whole, part = divmod(-minor if minor < 0 else minor, 10**places)
    return f"{'-' if minor < 0 else ''}{whole}.{part:0{places}d}"


_THOUSANDS_COMMA = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?")
_THOUSANDS_DOT = re.compile(r"[-+]?\d{1,3}(\.\d{3})+(,\d+)?")


def parse_amount(text: str, *, decimal_comma: bool = False) -> Decimal:
    """Read an amount as written in accounting exports.

    Spaces (also non-breaking) group thousands; with `decimal_comma` the comma is the
    decimal separator and dots group thousands; a trailing minus or parentheses mean
    negative.

    >>> parse_amount("1 234,56", decimal_comma=True)
    Decimal('1234.56')
    >>> parse_amount("1.234,56", decimal_comma=True), parse_amount("-12.5")
    (Decimal('1234.56'), Decimal('-12.5'))
    >>> parse_amount("1,234.56")
    Decimal('1234.56')
    >>> parse_amount("(40.00)"), parse_amount("40,00-", decimal_comma=True)
    (Decimal('-40.00'), Decimal('-40.00'))
    >>> parse_amount("12.50", decimal_comma=True)
    Traceback (most recent call last):
    ...
    relance.core.errors.InvalidAmount: not an amount: '12.50' (with --decimal-comma, write 1234,56)
    >>> parse_amount("12,5")
    Traceback (most recent call last):
    ...
    relance.core.errors.InvalidAmount: not an amount: '12,5' (use --decimal-comma for 1234,56)
    """
    raw = text
    s = text.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    elif s.endswith("-"):
        negative, s = True, s[:-1]
    if negative and s.startswith(("-", "+")):
        raise InvalidAmount(f"not an amount: {raw!r}")
    if decimal_comma:
        if "." in s and not _THOUSANDS_DOT.fullmatch(s):
            raise InvalidAmount(f"not an amount: {raw!r} (with --decimal-comma, write 1234,56)")
        s = s.replace(".", "").replace(",", ".")
    elif _THOUSANDS_COMMA.fullmatch(s):
        s = s.replace(",", "")
    elif "," in s:
        hint = " (use --decimal-comma for 1234,56)" if s.count(",") == 1 else ""
        raise InvalidAmount(f"not an amount: {raw!r}{hint}")
    try:
        value = Decimal(s)
    except InvalidOperation:
        raise InvalidAmount(f"not an amount: {raw!r}") from None
    if not value.is_finite() or s.lower().startswith(("nan", "inf", "+inf", "-inf")):
        raise InvalidAmount(f"not an amount: {raw!r}")
    return -value if negative else value


def typed_minor(text: str, currency: str) -> int:
    """An amount a person typed in a form or on the command line, in minor units: the
    decimal mark is a point or a comma, whichever comes last.

    >>> typed_minor("1 234,50", "EUR"), typed_minor("1,234.50", "EUR"), typed_minor("300", "JPY")
    (123450, 123450, 300)
    """
    decimal_comma = text.rfind(",") > text.rfind(".")
    return Money.of(parse_amount(text, decimal_comma=decimal_comma), currency).minor
