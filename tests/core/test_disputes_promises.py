"""Disputes, promises and reasons in the core: the transition table, promise statuses,
the keeping rate and the reason statistics, without a database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core.disputes import (
    DisputeEvent,
    DisputeReason,
    DisputeStatus,
    IllegalTransition,
    is_overdue,
    parse_reason,
    reason_from_text,
    transition,
)
from relance.core.errors import DomainError
from relance.core.promises import PromiseFacts, PromiseStatus, keeping_rate, status
from relance.core.reasons import statistics

S, E = DisputeStatus, DisputeEvent
# Every (status, event): the status it leads to, or None where it is refused.
EXPECTED = {
    (S.OPEN, E.COMMENT): S.OPEN,
    (S.OPEN, E.ASSIGN): S.OPEN,
    (S.OPEN, E.CREDIT_NOTE): S.CREDITED,
    (S.OPEN, E.REJECT): S.REJECTED,
    (S.OPEN, E.WRITE_OFF): S.WRITTEN_OFF,
    (S.OPEN, E.WITHDRAW): S.WITHDRAWN,
    **{(s, E.COMMENT): s for s in S if s is not S.OPEN},
}


@pytest.mark.parametrize(("status_", "event"), [(s, e) for s in S for e in E])
def test_a_dispute_moves_only_as_the_table_says(status_, event):
    expected = EXPECTED.get((status_, event))
    if expected is None:
        with pytest.raises(IllegalTransition, match="dispute cannot be"):
            transition(status_, event)
    else:
        assert transition(status_, event) is expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("quantity", DisputeReason.QUANTITY),
        ("Prix non conforme au devis", DisputeReason.PRICE),
        ("marchandise non livrée", DisputeReason.NOT_DELIVERED),
        ("Facture jamais reçue", DisputeReason.INVOICE_NOT_RECEIVED),
        ("doublon de F12", DisputeReason.DUPLICATE),
        ("déjà payé par chèque", DisputeReason.ALREADY_PAID),
        ("pièces abîmées", DisputeReason.QUALITY),
        ("le client n'est pas content", DisputeReason.OTHER),
    ],
)
def test_a_free_text_reason_finds_its_place_in_the_list(text, reason):
    assert reason_from_text(text) is reason


def test_an_unknown_reason_code_is_refused_with_the_list():
    assert parse_reason("Not delivered") is DisputeReason.NOT_DELIVERED
    with pytest.raises(DomainError, match="price, quantity"):
        parse_reason("late")


@pytest.mark.parametrize(
    ("status_", "due_on", "today", "overdue"),
    [
        (S.OPEN, date(2026, 3, 10), date(2026, 3, 10), False),
        (S.OPEN, date(2026, 3, 10), date(2026, 3, 11), True),
        (S.OPEN, None, date(2026, 3, 31), False),  # 30 days from 1 March
        (S.OPEN, None, date(2026, 4, 1), True),
        (S.REJECTED, date(2026, 3, 10), date(2026, 4, 1), False),
    ],
)
def test_an_open_dispute_past_its_due_date_is_overdue(status_, due_on, today, overdue):
    assert is_overdue(status_, date(2026, 3, 1), due_on, today) is overdue


REC, UNTIL = date(2026, 3, 2), date(2026, 3, 10)  # deadline 12 March with 2 days of grace


@pytest.mark.parametrize(
    ("payments", "today", "cancelled", "expected"),
    [
        ([], date(2026, 3, 12), None, (PromiseStatus.OPEN, None)),
        ([], date(2026, 3, 13), None, (PromiseStatus.BROKEN, date(2026, 3, 13))),
        ([(date(2026, 3, 5), 30000)], date(2026, 3, 20), None, (PromiseStatus.BROKEN, date(2026, 3, 13))),
        ([(date(2026, 3, 5), 50000)], date(2026, 3, 6), None, (PromiseStatus.KEPT, date(2026, 3, 5))),
        ([(date(2026, 3, 12), 60000)], date(2026, 3, 20), None, (PromiseStatus.KEPT, date(2026, 3, 12))),
        # paid after the deadline: still broken; paid before it was recorded: not counted
        ([(date(2026, 3, 13), 50000)], date(2026, 3, 20), None, (PromiseStatus.BROKEN, date(2026, 3, 13))),
        ([(date(2026, 3, 1), 50000)], date(2026, 3, 20), None, (PromiseStatus.BROKEN, date(2026, 3, 13))),
        # a payment dated after today is not known yet
        ([(date(2026, 3, 8), 50000)], date(2026, 3, 7), None, (PromiseStatus.OPEN, None)),
        ([], date(2026, 3, 20), date(2026, 3, 4), (PromiseStatus.CANCELLED, date(2026, 3, 4))),
        ([], date(2026, 3, 3), date(2026, 3, 4), (PromiseStatus.OPEN, None)),
    ],
)  # fmt: skip
def test_a_promise_status_follows_its_payments_and_the_day(payments, today, cancelled, expected):
    facts = PromiseFacts(REC, UNTIL, 2, target=50000, cancelled_on=cancelled)
    assert status(facts, payments, today) == expected


def test_a_promise_on_items_already_paid_is_kept_at_once():
    assert status(PromiseFacts(REC, UNTIL, 2, target=0), [], REC) == (PromiseStatus.KEPT, REC)


@given(st.lists(st.sampled_from(list(PromiseStatus)), max_size=40))
def test_the_keeping_rate_is_kept_over_decided(statuses):
    kept = statuses.count(PromiseStatus.KEPT)
    broken = statuses.count(PromiseStatus.BROKEN)
    rate = keeping_rate(statuses)
    if kept + broken == 0:
        assert rate is None
    else:
        assert rate is not None
        assert Decimal(0) <= rate <= Decimal(1)
        assert abs(rate - Decimal(kept) / Decimal(kept + broken)) <= Decimal("0.00005")


@given(st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from(["forgot", "cash_flow", "other"]),
                          st.integers(0, 60)), min_size=1))  # fmt: skip
def test_reason_statistics_count_every_note_once(raw):
    notes = [(c, r, date(2026, 1, 1) + timedelta(days=d)) for c, r, d in raw]
    stats = statistics(notes)
    assert sum(s.count for s in stats) == len(notes)
    assert [s.count for s in stats] == sorted((s.count for s in stats), reverse=True)
    for s in stats:
        assert s.customers == len({c for c, r, _ in notes if r == s.reason})
        assert s.last == max(d for _, r, d in notes if r == s.reason)


def test_the_engine_resumes_an_item_at_its_next_step_once_its_promise_lapses():
    from relance.core.engine import Customer, Item, Ledger, plan
    from relance.core.scenarios import STANDARD_B2B

    due = date(2026, 3, 2)
    item = Item(
        "F1", "C001", "EUR", due_date=due, open_amount=120000, term_days=30,
        promised_until=date(2026, 3, 13), taken={"first_reminder": due + timedelta(days=3)},
    )  # fmt: skip
    book = Ledger(
        {"C001": Customer("C001", email="a@example.fr", phone="0102030405", address="1 rue")},
        [item], {"standard_b2b": STANDARD_B2B}, "standard_b2b",
    )  # fmt: skip
    during = plan(book, date(2026, 3, 13))
    assert [(s.reason, s.until) for s in during.skipped] == [("promise", date(2026, 3, 13))]
    after = plan(book, date(2026, 3, 16))
    assert [(a.step, a.items) for a in after.actions] == [("call", ("F1",))]
