from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core.errors import InvalidTerms
from relance.core.ledger import OpenItem, allocate, overdue_bucket
from relance.core.scenarios import STANDARD_B2B, pre_due_offset
from relance.core.terms import PaymentTerms, due_date


@pytest.mark.parametrize(
    ("issued", "terms", "due"),
    [
        (date(2026, 1, 15), "30", date(2026, 2, 14)),
        (date(2026, 1, 15), "60", date(2026, 3, 16)),
        (date(2026, 1, 10), "45EOM", date(2026, 2, 28)),
        (date(2028, 1, 10), "45 fin de mois", date(2028, 2, 29)),
        (date(2026, 1, 31), "30EOM10", date(2026, 4, 10)),
        (date(2026, 3, 3), "0", date(2026, 3, 3)),
        (date(2026, 3, 3), "30 jours", date(2026, 4, 2)),
    ],
)
def test_due_date_follows_french_payment_terms(issued, terms, due):
    assert due_date(issued, PaymentTerms.parse(terms)) == due


@pytest.mark.parametrize("text", ["", "EOM", "thirty", "30EOM40", "30 10"])
def test_terms_that_mean_nothing_are_refused(text):
    with pytest.raises(InvalidTerms):
        PaymentTerms.parse(text)


def test_terms_print_back_as_written():
    assert [str(PaymentTerms.parse(t)) for t in ("30", "45 eom", "30EOM10")] == [
        "30",
        "45EOM",
        "30EOM10",
    ]


def test_pre_due_offset_follows_the_term_within_3_to_20_days():
    assert pre_due_offset(14) == -7
    assert pre_due_offset(60) == -15
    assert pre_due_offset(90) == -20


def test_standard_scenario_is_the_design_table():
    steps = [
        (s.key, s.offset, [str(c) for c in s.channels], str(s.mode)) for s in STANDARD_B2B.steps
    ]
    assert steps == [
        ("pre_due", None, ["email"], "auto"),
        ("first_reminder", 3, ["email"], "auto"),
        ("call", 10, ["call"], "task"),
        ("second_reminder", 20, ["email", "letter"], "auto"),
        ("third_reminder", 30, ["letter"], "approval"),
        ("formal_notice", 40, ["registered_letter"], "approval"),
        ("handoff", 55, ["handoff"], "approval"),
    ]
    assert STANDARD_B2B.min_gap_days == 5


def test_bucket_edges():
    today = date(2026, 6, 30)
    assert overdue_bucket(today, as_of=today) == "not_due"
    assert overdue_bucket(today - timedelta(days=1), as_of=today) == "1-30"
    assert overdue_bucket(today - timedelta(days=30), as_of=today) == "1-30"
    assert overdue_bucket(today - timedelta(days=31), as_of=today) == "31-60"
    assert overdue_bucket(today - timedelta(days=91), as_of=today) == "over_90"


items_st = st.lists(
    st.builds(
        OpenItem,
        number=st.text("ABCDEF0123", min_size=1, max_size=4),
        due_date=st.dates(date(2025, 1, 1), date(2027, 1, 1)),
        open_amount=st.integers(0, 10**7),
    ),
    max_size=12,
    unique_by=lambda i: i.number,
)


@given(st.integers(-100, 10**8), items_st)
def test_an_allocation_never_exceeds_the_payment_nor_an_item(amount, items):
    result = allocate(amount, items)
    by_number = {i.number: i for i in items}
    assert sum(part for _, part in result) <= max(amount, 0)
    assert all(0 < part <= by_number[n].open_amount for n, part in result)
    assert len({n for n, _ in result}) == len(result)


def test_a_payment_without_hint_pays_the_oldest_first():
    items = [OpenItem("B", date(2026, 2, 1), 100), OpenItem("A", date(2026, 1, 1), 100)]
    assert allocate(150, items) == [("A", 100), ("B", 50)]


@given(
    st.integers(1, 10**9),
    st.integers(1, 36),
    st.sampled_from(["week", "fortnight", "month", "quarter"]),
)
def test_instalments_always_sum_exactly_to_the_total(total, count, every):
    from relance.core.plans import schedule

    lines = schedule(total, count, date(2026, 1, 31), every)
    assert sum(a for _, a in lines) == total
    assert max(a for _, a in lines) - min(a for _, a in lines) <= 1
    assert [d for d, _ in lines] == sorted(d for d, _ in lines)
