"""The aged balance of any date is the replay of the history (every invoice, credit
note, allocation, write-off and amount settled elsewhere dated on or before it), on the
hand-built ledger (tests/reports/conftest.py) and on a demo ledger: the report's query
reads today's open items through their own indexes and puts back what happened since,
in separate parts (open items, invoices closed since, payments on account), and each
part is checked here on every day it changes something."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

import pytest

from relance.core.aging import CREDITS, Bucket, bucket_of, parse_buckets
from relance.core.indicators import receivables_on
from relance.demo import build_demo
from relance.ledger import flows
from relance.ledger.models import Allocation, Creditor, Invoice, Payment
from relance.reports import queries


def replay(
    creditor: Creditor, day: date, buckets: Sequence[Bucket]
) -> list[tuple[str, str, int, int, int]]:
    """The (currency, customer, bucket, amount, count) sums of what was open on `day`,
    item by item."""
    allocated: dict[int, int] = defaultdict(int)
    paid: dict[int, int] = defaultdict(int)
    for a in Allocation.objects.filter(invoice__creditor=creditor, date__lte=day):
        allocated[a.invoice_id] += a.amount
        if a.credit_note_id is not None:
            allocated[a.credit_note_id] -= a.amount
        if a.payment_id is not None:
            paid[a.payment_id] += a.amount
    sums: dict[tuple[str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    invoices = Invoice.objects.filter(creditor=creditor, issue_date__lte=day)
    for i in invoices.select_related("customer"):
        left = i.amount - allocated[i.pk]
        left -= i.settled_elsewhere if i.due_date <= day else 0
        left -= i.written_off if i.written_off_on and i.written_off_on <= day else 0
        if left:
            late = bucket_of(i.due_date, as_of=day, buckets=buckets)
            cell = sums[(i.currency, i.customer.code, CREDITS if i.kind == "credit_note" else late)]
            cell[0] += left
            cell[1] += 1
    payments = Payment.objects.filter(creditor=creditor, date__lte=day, customer__isnull=False)
    for p in payments.select_related("customer"):
        if left := p.amount - paid[p.pk]:
            cell = sums[(p.currency, p.customer.code, CREDITS)]  # type: ignore[union-attr]
            cell[0] -= left
            cell[1] += 1
    return sorted((cur, code, b, amount, n) for (cur, code, b), (amount, n) in sums.items())


def assert_replayed(creditor: Creditor, day: date) -> None:
    buckets = parse_buckets("")
    expected = replay(creditor, day, buckets)
    rows = queries.aging_rows(creditor, day, buckets)
    keys = [*range(len(buckets)), CREDITS]
    got = [
        (row.currency, row.account.code, key, amount, count)
        for row in rows
        for key, amount, count in zip(keys, row.amounts, row.counts, strict=True)
        if count
    ]
    assert sorted(got) == expected, day
    totals: dict[str, int] = defaultdict(int)
    for currency, _customer, _key, amount, _count in expected:
        totals[currency] += amount
    (snapshots,) = receivables_on(flows.read(creditor.pk)[0], [day]).values()
    assert {c: s.total for c, s in snapshots.items() if s.total} == {
        c: t for c, t in totals.items() if t
    }, day
    listed: dict[str, int] = defaultdict(int)
    for item in queries.items(creditor, day, buckets, limit=10_000):
        listed[item.currency] += item.open_amount
    assert dict(listed) == totals, day


def test_every_day_of_the_hand_built_ledger_is_the_replay_of_its_history(ledger, load) -> None:  # type: ignore[no-untyped-def]
    # Money on account applied later than it came (a lettering made weeks after): the
    # payment has nothing unapplied today, but had on the days between.
    load("invoices", "number,customer,issue_date,due_date,currency,amount,open_amount\n"
                     "F7,C2,2026-03-01,2026-03-31,EUR,250.00,\n")  # fmt: skip
    load("payments", "date,amount,currency,customer,reference,invoices\n"
                     "2026-03-20,250.00,EUR,C2,P5,F7\n")  # fmt: skip
    Allocation.objects.filter(payment__reference="P5").update(date=date(2026, 4, 2))
    assert Payment.objects.get(reference="P5").unapplied == 0
    day = date(2025, 12, 31)
    while day <= date(2026, 6, 1):
        assert_replayed(ledger, day)
        day += timedelta(days=1)


@pytest.fixture
def demo(db: None) -> Creditor:
    build_demo(customers=40, invoices_per_customer=10, seed=11, today=date(2026, 3, 2))
    return Creditor.objects.get()


def test_the_demo_ledger_is_the_replay_of_its_history_month_after_month(demo) -> None:  # type: ignore[no-untyped-def]
    assert Invoice.objects.exclude(settled_elsewhere=0).exists()
    assert Invoice.objects.filter(kind="credit_note").exists()
    for back in range(0, 600, 23):
        assert_replayed(demo, date(2026, 3, 2) - timedelta(days=back))
