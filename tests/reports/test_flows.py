"""The receivables' flows kept by triggers (ledger.flows) add up, after every kind of
write, to the flows read from the ledger itself: through the services, bulk imports
(COPY on PostgreSQL), multi-row and raw updates, deletes; and `compact` and `rebuild`
change no sum."""

from __future__ import annotations

from datetime import date

from relance.ledger import flows
from relance.ledger.models import Allocation, Creditor, Flow, Invoice, Payment
from relance.ledger.services import (
    allocate_payment,
    apply_credit_note,
    credit_invoice,
    unallocate_payment,
    write_off,
)


def assert_kept(creditor: Creditor) -> None:
    assert flows.sums(creditor.pk) == flows.history(creditor.pk)


def test_the_flows_follow_every_kind_of_write(creditor, load) -> None:  # type: ignore[no-untyped-def]
    load("customers", "customer,name\nC2,Beta\n")
    load(
        "invoices",
        "number,customer,issue_date,due_date,currency,amount,open_amount\n"
        "F1,C1,2026-01-05,2026-02-04,EUR,1000.00,\n"
        "F2,C1,2026-02-10,2026-03-12,EUR,500.00,\n"
        "F3,C2,2026-01-15,2026-01-31,EUR,2400.00,\n"
        "F4,C2,2026-02-01,2026-03-03,USD,300.00,\n"
        "F6,C1,2026-01-10,2026-02-09,EUR,800.00,300.00\n"  # 500.00 settled elsewhere
        "AV1,C1,2026-03-01,2026-03-01,EUR,-100.00,\n",
    )
    assert flows.history(creditor.pk)  # something to compare
    assert_kept(creditor)

    load(
        "payments",
        "date,amount,currency,customer,reference,invoices\n"
        "2026-03-10,400.00,EUR,C1,P1,F1\n"
        "2026-03-15,700.00,EUR,C1,P4,F2\n"  # 200.00 stays on account
        "2026-04-05,2000.00,EUR,C2,P2,F3\n",
    )
    assert_kept(creditor)

    credit_invoice(Invoice.objects.get(number="F3"), 40000, on=date(2026, 3, 5), actor="t")
    note = Invoice.objects.get(number="AV1")
    apply_credit_note(note, Invoice.objects.get(number="F1"), on=date(2026, 3, 20), actor="t")
    write_off(Invoice.objects.get(number="F4"), on=date(2026, 4, 20), actor="t")
    assert_kept(creditor)

    # Money on account applied weeks after it came, then to another invoice.
    p4 = Payment.objects.get(reference="P4")
    Allocation.objects.filter(payment=p4).update(date=date(2026, 4, 2))
    assert_kept(creditor)
    unallocate_payment(p4, actor="t")
    assert_kept(creditor)
    allocate_payment(Payment.objects.get(reference="P4"), [("F1", 10000)], actor="t")
    assert_kept(creditor)

    # An allocated invoice re-dated, in one statement with another: the flows of its
    # allocations follow its dates.
    Invoice.objects.filter(number__in=["F1", "F2"]).update(
        issue_date=date(2026, 1, 20), due_date=date(2026, 3, 31)
    )
    assert_kept(creditor)

    # A payment whose customer is found later, and one re-dated.
    Payment.objects.filter(reference="P1").update(customer=None)
    assert_kept(creditor)
    Payment.objects.filter(reference="P1").update(
        customer=Invoice.objects.get(number="F1").customer, date=date(2026, 3, 1)
    )
    assert_kept(creditor)

    # A re-import changes an amount and a due date.
    load(
        "invoices",
        "number,customer,issue_date,due_date,currency,amount,open_amount\n"
        "F3,C2,2026-01-15,2026-02-28,EUR,2500.00,\n",
    )
    assert_kept(creditor)

    f2 = Invoice.objects.get(number="F2")
    Allocation.objects.filter(invoice=f2).delete()
    f2.delete()
    assert_kept(creditor)


def test_compacting_sums_the_rows_and_changes_no_flow(ledger) -> None:  # type: ignore[no-untyped-def]
    before = flows.sums(ledger.pk)
    rows = Flow.objects.filter(creditor=ledger).count()
    left = flows.compact(ledger.pk)
    assert flows.sums(ledger.pk) == before
    assert left == len(before) == Flow.objects.filter(creditor=ledger).count() < rows


def test_rebuilding_gives_the_same_flows(ledger) -> None:  # type: ignore[no-untyped-def]
    before = flows.sums(ledger.pk)
    Flow.objects.filter(creditor=ledger).update(amount=1)  # spoilt
    flows.rebuild()
    assert flows.sums(ledger.pk) == before


def test_the_sales_of_a_day_are_its_invoices(ledger) -> None:  # type: ignore[no-untyped-def]
    _found, sales = flows.read(ledger.pk)
    assert sales["EUR"][date(2026, 1, 5)] == 100000  # F1 (F3 and AV1 on other days)
    assert sales["USD"] == {date(2026, 2, 1): 30000}
    assert date(2026, 3, 1) not in sales["EUR"]  # AV1 is a credit note
