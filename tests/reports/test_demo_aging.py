"""On the demo ledger: today's aged balance is the open amounts as stored, and a past
one is what replaying every invoice, allocation and write-off gives."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import pytest
from tests.reports.totals import aged_totals, nonzero

from relance.core.aging import parse_buckets
from relance.core.indicators import receivables_on
from relance.core.ledger import overdue_bucket
from relance.demo import build_demo
from relance.ledger import flows
from relance.ledger.models import Allocation, Creditor, Invoice, Payment
from relance.reports import queries

TODAY = date(2026, 3, 2)


@pytest.fixture
def demo(db: None) -> Creditor:
    build_demo(customers=40, invoices_per_customer=10, seed=7, today=TODAY)
    return Creditor.objects.get()


def test_aging_today_is_the_sum_of_the_open_amounts(demo: Creditor) -> None:
    (aging,) = queries.aging(demo, TODAY, parse_buckets(""))
    on_account = sum(p.unapplied for p in Payment.objects.exclude(customer=None))
    invoices = Invoice.objects.exclude(open_amount=0)
    assert aging.total == sum(i.open_amount for i in invoices) - on_account
    assert aging.total > 0
    expected: dict[str, int] = defaultdict(int)
    for i in invoices.filter(kind="invoice"):
        expected[overdue_bucket(i.due_date, as_of=TODAY)] += i.open_amount
    got = {c.label: c.amount for c in aging.buckets}
    assert {label: got[label] for label in expected} == dict(expected)
    owed: dict[str, int] = defaultdict(int)
    for i in invoices.select_related("customer"):
        owed[i.customer.code] += i.open_amount
    for p in Payment.objects.exclude(customer=None).select_related("customer"):
        owed[p.customer.code] -= p.unapplied
    listed = {c.account.code: c.total for c in aging.customers}
    assert all(listed.get(code, 0) == owed.get(code, 0) for code in {*listed, *owed})


def test_a_past_aging_is_the_replay_of_the_history(demo: Creditor) -> None:
    day = TODAY - timedelta(days=75)
    paid: dict[int, int] = defaultdict(int)
    for a in Allocation.objects.filter(date__lte=day):
        paid[a.invoice_id] += a.amount
        if a.credit_note_id:
            paid[a.credit_note_id] -= a.amount
    expected: dict[str, int] = defaultdict(int)
    for i in Invoice.objects.filter(issue_date__lte=day):
        left = i.amount - paid[i.pk]
        left -= i.settled_elsewhere if i.due_date <= day else 0
        left -= i.written_off if i.written_off_on and i.written_off_on <= day else 0
        label = "credits" if i.kind == "credit_note" else overdue_bucket(i.due_date, as_of=day)
        expected[label] += left
    (aging,) = queries.aging(demo, day, parse_buckets(""))
    got = {c.label: c.amount for c in aging.buckets}
    assert got["credits"] <= 0
    on_account = got["credits"] - expected.pop("credits")
    assert {label: got[label] for label in expected} == dict(expected)
    assert on_account <= 0  # what payments left unapplied then


def test_the_indicators_receivables_agree_with_the_aged_balance(demo: Creditor) -> None:
    dates = [TODAY - timedelta(days=n) for n in (0, 31, 90, 200, 400)]
    found, _sales = flows.read(demo.pk)
    snapshots = receivables_on(found, dates)
    for day in dates:
        assert nonzero(snapshots[day]) == aged_totals(demo, day)
