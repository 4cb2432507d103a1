"""Payment plan arithmetic, life and instalment states: pure, without a database."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core.currencies import minor_units
from relance.core.errors import DomainError
from relance.core.money import Money
from relance.core.plans import (
    FREQUENCIES,
    InstalmentStatus,
    PlanStatus,
    ReminderKind,
    instalment_states,
    outcome,
    reminders,
    schedule,
    transition,
)

FIRST = date(2026, 1, 31)


@st.composite
def plans(draw):  # type: ignore[no-untyped-def]
    """A total in a currency of 0, 2 or 3 decimals, a down payment, and either equal
    instalments or custom amounts that add up to the rest."""
    currency = draw(st.sampled_from(["JPY", "EUR", "KWD", "USD", "TND"]))
    whole = draw(st.integers(1, 10**7))
    minor = draw(st.integers(0, 10 ** minor_units(currency) - 1))
    total = Money.of(
        f"{whole}.{minor:0{minor_units(currency)}d}" if minor_units(currency) else str(whole),
        currency,
    ).minor
    down = draw(st.integers(0, total - 1)) if draw(st.booleans()) else 0
    count = draw(st.integers(1, min(36, total - down)))
    amounts = None
    if draw(st.booleans()):
        cuts = (
            sorted(
                draw(
                    st.sets(
                        st.integers(1, total - down - 1), min_size=count - 1, max_size=count - 1
                    )
                )
            )
            if count > 1
            else []
        )
        bounds = [0, *cuts, total - down]
        amounts = [b - a for a, b in pairwise(bounds)]
        count = len(amounts)
    return currency, total, down, count, amounts


@given(plans(), st.sampled_from(FREQUENCIES))
def test_instalments_with_down_payment_and_custom_amounts_sum_exactly_to_the_total(plan, every):
    currency, total, down, count, amounts = plan
    lines = schedule(
        total, count, FIRST, every, down_payment=down, amounts=amounts, currency=currency
    )
    assert sum(a for _, a in lines) == total
    assert all(a > 0 for _, a in lines)
    assert len(lines) == count + (1 if down else 0)
    assert [d for d, _ in lines] == sorted(d for d, _ in lines)
    if amounts is None:
        spread = [a for _, a in lines[1 if down else 0 :]]
        assert max(spread) - min(spread) <= 1


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ([500, 300, 100], "the amounts add up to 9.00, not the 10.00 to spread"),
        ([500, 600, -100], "every instalment is more than zero"),
    ],
)
def test_custom_amounts_that_do_not_add_up_are_refused_with_the_figures(amounts, message):
    with pytest.raises(DomainError, match=message):
        schedule(1000, 3, FIRST, "month", amounts=amounts)


def test_a_count_that_disagrees_with_the_amounts_is_refused():
    with pytest.raises(DomainError, match="2 amounts given for 3 instalments"):
        schedule(1000, 3, FIRST, "month", amounts=[500, 500])


def test_amounts_in_a_three_decimal_currency_are_worded_with_three_decimals():
    with pytest.raises(DomainError, match=r"1\.000, not the 1\.500"):
        schedule(1500, 2, FIRST, "month", amounts=[500, 500], currency="KWD")


def test_monthly_instalments_keep_their_day_and_quarterly_ones_step_three_months():
    assert [d for d, _ in schedule(600, 3, FIRST, "month")] == [
        date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31),
    ]  # fmt: skip
    assert [d for d, _ in schedule(600, 2, FIRST, "quarter")] == [
        date(2026, 1, 31), date(2026, 4, 30),
    ]  # fmt: skip
    assert [d for d, _ in schedule(600, 2, FIRST, "fortnight")][1] == FIRST + timedelta(days=14)


@pytest.mark.parametrize(
    ("status", "event", "after"),
    [
        ("proposed", "sign", PlanStatus.ACTIVE),
        ("proposed", "cancel", PlanStatus.CANCELLED),
        ("proposed", "complete", PlanStatus.COMPLETED),
        ("proposed", "default", PlanStatus.DEFAULTED),
        ("active", "complete", PlanStatus.COMPLETED),
        ("active", "default", PlanStatus.DEFAULTED),
        ("active", "cancel", PlanStatus.CANCELLED),
        ("active", "sign", None),
        ("completed", "cancel", None),
        ("completed", "default", None),
        ("defaulted", "sign", None),
        ("defaulted", "complete", None),
        ("cancelled", "sign", None),
        ("cancelled", "cancel", None),
    ],
)
def test_plan_transitions(status, event, after):
    if after is None:
        article = "an" if status == "active" else "a"
        with pytest.raises(DomainError, match=f"^{article} {status} plan cannot be"):
            transition(status, event)
    else:
        assert transition(status, event) == after


LINES = [(date(2026, 3, 10), 500), (date(2026, 4, 10), 500), (date(2026, 5, 10), 500)]


@pytest.mark.parametrize(
    ("paid", "today", "statuses"),
    [
        (0, date(2026, 3, 1), ["due", "due", "due"]),
        (0, date(2026, 3, 10), ["due", "due", "due"]),  # due today is not missed yet
        (0, date(2026, 3, 11), ["missed", "due", "due"]),
        (200, date(2026, 3, 1), ["partly_paid", "due", "due"]),
        (700, date(2026, 3, 20), ["paid", "partly_paid", "due"]),
        (700, date(2026, 4, 11), ["paid", "missed", "due"]),
        (1500, date(2026, 6, 1), ["paid", "paid", "paid"]),
        (1600, date(2026, 6, 1), ["paid", "paid", "paid"]),
    ],
)
def test_instalment_status_from_what_was_allocated_oldest_first(paid, today, statuses):
    states = instalment_states(LINES, paid, today)
    assert [s.status.value for s in states] == statuses
    assert sum(s.paid for s in states) == min(paid, 1500)


@pytest.mark.parametrize(
    ("status", "paid", "today", "event"),
    [
        ("active", 0, date(2026, 3, 15), None),  # within the grace days
        ("active", 0, date(2026, 3, 16), "default"),
        ("proposed", 0, date(2026, 3, 16), "default"),
        ("active", 500, date(2026, 4, 15), None),
        ("active", 1500, date(2026, 4, 15), "complete"),
        ("defaulted", 0, date(2026, 6, 1), None),
        ("cancelled", 1500, date(2026, 6, 1), None),
    ],
)
def test_a_current_plan_completes_when_paid_and_defaults_after_the_grace_days(
    status, paid, today, event
):
    assert outcome(status, LINES, paid, today, 5) == event


def test_each_reminder_comes_once_in_its_window():
    before, missed = ReminderKind.BEFORE, ReminderKind.MISSED

    def due(today: date, paid: int = 0, sent: frozenset = frozenset()) -> list:  # type: ignore[type-arg]
        states = instalment_states(LINES, paid, today)
        return reminders(states, today, before_days=5, grace_days=5, sent=set(sent))

    assert due(date(2026, 3, 4)) == []
    assert due(date(2026, 3, 5)) == [(1, before)]
    assert due(date(2026, 3, 6), sent=frozenset({(1, before)})) == []
    assert due(date(2026, 3, 11), sent=frozenset({(1, before)})) == [(1, missed)]
    assert due(date(2026, 3, 11), paid=500, sent=frozenset({(1, before)})) == []
    assert due(date(2026, 3, 16), sent=frozenset({(1, before)})) == []  # the plan defaults
    assert InstalmentStatus.MISSED.value == "missed"
