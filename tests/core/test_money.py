from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core.currencies import CURRENCIES, minor_units
from relance.core.errors import CurrencyMismatch, InvalidAmount, UnknownCurrency
from relance.core.money import Money, format_minor, parse_amount, round_money

amounts = st.decimals(min_value=-(10**12), max_value=10**12, places=6, allow_nan=False)


def test_zero_and_three_decimal_currencies_keep_their_minor_unit():
    assert Money.of("1500", "JPY") == Money(1500, "JPY")
    assert Money.of("1.5", "KWD") == Money(1500, "KWD")
    assert str(Money(1500, "TND")) == "1.500"


def test_rounding_is_half_up_on_the_magnitude():
    assert round_money(Decimal("2.345"), "EUR") == 235
    assert round_money(Decimal("-2.345"), "EUR") == -235
    assert round_money(Decimal("2.3449"), "EUR") == 234


def test_two_currencies_never_add():
    with pytest.raises(CurrencyMismatch):
        Money(1, "EUR") + Money(1, "GBP")


def test_unknown_currency_is_refused():
    with pytest.raises(UnknownCurrency):
        Money(1, "FRF")


def test_float_amounts_are_refused():
    with pytest.raises(InvalidAmount):
        Money(1.5, "EUR")  # type: ignore[arg-type]


@given(amounts, st.sampled_from(["EUR", "JPY", "KWD", "USD"]))
def test_a_rounded_amount_prints_and_reads_back_exactly(value, currency):
    minor = round_money(value, currency)
    assert round_money(Decimal(format_minor(minor, currency)), currency) == minor
    assert (
        abs(Decimal(minor).scaleb(-minor_units(currency)) - value)
        <= Decimal(1).scaleb(-minor_units(currency)) / 2
    )


@given(st.lists(st.integers(-(10**9), 10**9), max_size=20))
def test_sums_of_money_are_exact(values):
    total = sum((Money(v, "EUR") for v in values), Money.zero("EUR"))
    assert total.minor == sum(values)


@pytest.mark.parametrize(
    ("text", "comma", "expected"),
    [
        ("1234.56", False, "1234.56"),
        ("1 234,56", True, "1234.56"),
        ("1\u00a0234,56", True, "1234.56"),
        ("-0,01", True, "-0.01"),
        ("12", False, "12"),
    ],
)
def test_amounts_read_as_accounting_exports_write_them(text, comma, expected):
    assert parse_amount(text, decimal_comma=comma) == Decimal(expected)


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "NaN", "Infinity", "12,5"])
def test_what_is_not_an_amount_is_refused(text):
    with pytest.raises(InvalidAmount):
        parse_amount(text)


def test_every_currency_is_known_to_babel():
    from babel.numbers import get_currency_name

    for code in CURRENCIES:
        assert get_currency_name(code, locale="en") != code or code in {"XCG", "ZWG", "VED", "SLE"}


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.sampled_from(["EUR", "JPY", "KWD", "CLF", "USD"]),
)
def test_formatting_in_integers_prints_what_the_decimal_prints(minor, currency):
    places = minor_units(currency)
    assert format_minor(minor, currency) == f"{Decimal(minor).scaleb(-places):.{places}f}"
