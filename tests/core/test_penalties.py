"""Penalties as LAW.md section 7 computes them, period by period, and their properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core.law import Claim, for_country
from relance.core.penalties import accrue
from relance.core.rates import MissingRate
from relance.law import tables


def flat(rate: str):  # type: ignore[no-untyped-def]
    return lambda day: (Decimal(rate), None)


def total(periods) -> int:  # type: ignore[no-untyped-def]
    return sum(p.amount for p in periods)


def test_e1_legal_interest_on_a_judgment_counts_thirty_days_even_in_a_leap_year():
    # Interest from 1 September (the day after the 31 August "due date") to 30 September.
    assert (
        total(accrue(200000, [], date(2020, 8, 31), date(2020, 9, 30), flat("3.11"), "EUR")) == 511
    )


def test_e2_majoration_after_two_months_across_semesters():
    """4.29 % for two months, then +5 points: 9.29 % (2015 S2), 9.54 % (2016 S1); the
    source does not count the payment day."""

    def rate_at(day: date):  # type: ignore[no-untyped-def]
        if day <= date(2015, 11, 17):
            return Decimal("4.29"), date(2015, 11, 17)
        if day <= date(2015, 12, 31):
            return Decimal("9.29"), date(2015, 12, 31)
        return Decimal("9.54"), None

    periods = accrue(
        200000, [], date(2015, 9, 17), date(2016, 4, 10), rate_at, "EUR", count_last_day=False
    )
    assert [(p.days, p.amount) for p in periods] == [(61, 1434), (44, 2240), (100, 5227)]
    assert total(periods) == 8901


@pytest.mark.parametrize(
    ("amount", "days", "rate", "currency", "expected"),
    [(1500000, 30, "15", "EUR", 18493), (100000, 30, "14.5", "EUR", 1192)],
)
def test_e3_e4_simple_late_invoices(amount, days, rate, currency, expected):
    due = date(2026, 1, 10)
    assert (
        total(accrue(amount, [], due, due + timedelta(days=days), flat(rate), currency)) == expected
    )


@pytest.mark.parametrize(
    ("amount", "days", "rate", "published", "exact"),
    [(500000, 101, "12.25", 16968, 16949), (200000, 45, "13.25", 3266, 3267)],
)
def test_e5_e6_published_figures_are_rounded_wrongly(amount, days, rate, published, exact):
    due = date(2025, 7, 10)
    ours = total(accrue(amount, [], due, due + timedelta(days=days), flat(rate), "GBP"))
    assert ours == exact
    assert ours != published


def test_french_b2b_penalties_split_at_each_semester_and_follow_partial_payments():
    rules = for_country("FR")
    claim = Claim("b2b", "EUR", 1000000, date(2024, 12, 1))
    periods = accrue(1000000, [(date(2025, 2, 1), 600000)], claim.due, date(2025, 8, 15),
                     rules.rate_at(claim, tables()), "EUR")  # fmt: skip
    assert [(str(p.start), str(p.end), p.days, p.base, str(p.rate)) for p in periods] == [
        ("2024-12-02", "2024-12-31", 30, 1000000, "14.25"),
        ("2025-01-01", "2025-02-01", 32, 1000000, "13.15"),
        ("2025-02-02", "2025-06-30", 149, 600000, "13.15"),
        ("2025-07-01", "2025-08-15", 46, 600000, "12.15"),
    ]
    assert rules.indemnity(claim) == 4000


def test_a_french_contract_rate_never_goes_below_three_times_the_legal_rate():
    rules = for_country("FR")
    claim = Claim("b2b", "EUR", 100000, date(2024, 3, 1), contract_rate=Decimal("5"))
    rate_at = rules.rate_at(claim, tables())
    assert rate_at(date(2024, 3, 2))[0] == Decimal("15.21")  # 3 x 5.07
    assert rate_at(date(2026, 3, 2))[0] == Decimal("7.86")  # 3 x 2.62


def test_french_public_buyers_pay_ecb_plus_8_frozen_at_the_semester_interest_started():
    rules = for_country("FR")
    rate_at = rules.rate_at(Claim("public", "EUR", 100000, date(2024, 6, 15)), tables())
    assert rate_at(date(2024, 6, 16))[0] == rate_at(date(2025, 3, 1))[0] == Decimal("12.50")


def test_french_consumers_owe_the_legal_rate_only_from_a_formal_notice_and_no_indemnity():
    rules = for_country("FR")
    claim = Claim("b2c", "EUR", 100000, date(2025, 3, 1))
    assert rules.rate_at(claim, tables()) is None
    assert rules.indemnity(claim) == 0
    noticed = Claim("b2c", "EUR", 100000, date(2025, 3, 1), formal_notice=date(2025, 4, 1))
    assert rules.start(noticed) == date(2025, 4, 1)
    assert rules.rate_at(noticed, tables())(date(2025, 4, 2))[0] == Decimal("3.71")


@pytest.mark.parametrize(
    ("country", "debtor", "day", "rate"),
    [
        ("DE", "b2b", date(2025, 8, 1), "10.27"),
        ("DE", "b2c", date(2025, 8, 1), "6.27"),
        ("BE", "b2b", date(2025, 3, 1), "11.5"),
        ("BE", "b2b", date(2026, 3, 1), "10.5"),
        ("ES", "b2b", date(2025, 3, 1), "11.15"),
        ("IT", "b2b", date(2025, 8, 1), "10.15"),
        ("NL", "b2b", date(2025, 8, 1), "10.15"),
        ("GB", "b2b", date(2026, 2, 1), "11.75"),
    ],
)
def test_each_jurisdiction_gives_its_rate(country, debtor, day, rate):
    rules = for_country(country)
    claim = Claim(debtor, "EUR", 100000, day - timedelta(days=1))
    assert rules.rate_at(claim, tables())(day)[0] == Decimal(rate)


def test_the_uk_rate_stays_fixed_for_the_debt_and_the_fixed_sums_follow_its_size():
    rules = for_country("GB")
    claim = Claim("b2b", "GBP", 500000, date(2025, 7, 10))
    rate_at = rules.rate_at(claim, tables())
    assert rate_at(date(2025, 7, 11))[0] == rate_at(date(2026, 3, 1))[0] == Decimal("12.25")
    assert rules.indemnity(claim) == 7000


def test_a_date_beyond_the_rate_tables_is_refused_not_guessed():
    rules = for_country("FR")
    rate_at = rules.rate_at(Claim("b2b", "EUR", 100000, date(2026, 6, 1)), tables())
    with pytest.raises(MissingRate, match="add the rate for the semester of 2099-07-01"):
        rate_at(date(2099, 7, 2))
    assert tables().stale(date(2099, 7, 2)) == [
        "ecb_mro",
        "fr_legal_rate",
        "de_base_rate",
        "uk_base_rate",
    ]
    assert tables().stale(date(2026, 3, 1)) == []


amounts = st.integers(1, 10**9)
days = st.integers(0, 400)


@given(amounts, days)
def test_no_penalty_when_paid_on_time(amount, late):
    due = date(2025, 1, 10)
    assert accrue(amount, [], due, due, flat("12.15"), "EUR") == []


@given(amounts, st.integers(1, 400), st.integers(1, 400))
def test_penalties_are_monotone_in_days_and_amount(amount, a, b):
    due = date(2024, 1, 10)
    shorter, longer = sorted((a, b))
    one = total(accrue(amount, [], due, due + timedelta(days=shorter), flat("12.15"), "EUR"))
    two = total(accrue(amount, [], due, due + timedelta(days=longer), flat("12.15"), "EUR"))
    more = total(accrue(amount + 100, [], due, due + timedelta(days=shorter), flat("12.15"), "EUR"))
    assert one <= two
    assert one <= more


@given(amounts, st.integers(2, 400), st.data())
def test_splitting_a_period_changes_the_total_by_rounding_only(amount, late, data):
    due = date(2024, 1, 10)
    cut = due + timedelta(days=data.draw(st.integers(1, late - 1)))
    whole = total(accrue(amount, [], due, due + timedelta(days=late), flat("12.15"), "EUR"))

    def split(day: date):  # type: ignore[no-untyped-def]
        return (Decimal("12.15"), cut) if day <= cut else (Decimal("12.15"), None)

    parts = accrue(amount, [], due, due + timedelta(days=late), split, "EUR")
    assert len(parts) == 2
    assert abs(total(parts) - whole) <= 1
