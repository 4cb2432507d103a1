"""Credit insurance: covers, the declaration deadline alert and the declaration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.risk.conftest import TODAY

from relance.audit import Event
from relance.core.errors import DomainError
from relance.core.risk import DeclarationAlert
from relance.risk import queries, services
from relance.risk.models import CreditCover

D = timedelta(days=1)


@pytest.fixture
def insured(book):  # type: ignore[no-untyped-def]
    """Customer INS insured by Allianz Trade with 60 days to declare; F due 50 days ago."""
    customer = book.customer("INS")
    services.add_cover(
        customer, insurer="Allianz Trade", amount=50_000_00, currency="EUR",
        declaration_days=60, starts_on=TODAY - 365 * D, policy="POL-1", actor="t",
    )  # fmt: skip
    return customer, book.invoice(customer, due=TODAY - 50 * D)


def _alerts(day):  # type: ignore[no-untyped-def]
    from relance.ledger.models import Creditor

    return [(d.invoice.number, d.alert, d.days_left)
            for d in queries.declaration_alerts(Creditor.objects.get(), day)]  # fmt: skip


def test_the_insurer_deadline_alerts_seven_days_before_and_stops_once_declared(insured):
    _customer, invoice = insured
    deadline = invoice.due_date + 60 * D
    assert _alerts(deadline - 8 * D) == []
    assert _alerts(deadline - 7 * D) == [(invoice.number, DeclarationAlert.DUE_SOON, 7)]
    assert _alerts(deadline) == [(invoice.number, DeclarationAlert.DUE_SOON, 0)]
    assert _alerts(deadline + D) == [(invoice.number, DeclarationAlert.LATE, -1)]
    services.declare(invoice, on=deadline - 3 * D, reference="SIN-42", actor="t")
    assert _alerts(deadline) == []
    assert _alerts(deadline + 30 * D) == []
    event = Event.objects.get(verb="invoice.declared", subject_id=invoice.pk)
    assert event.data["reference"] == "SIN-42"
    assert event.data["insurer"] == "Allianz Trade"


def test_an_item_is_declared_once_and_only_for_an_insured_overdue_item(insured, book):
    _customer, invoice = insured
    with pytest.raises(DomainError, match="not overdue"):
        services.declare(invoice, on=invoice.due_date, actor="t")
    services.declare(invoice, on=TODAY, actor="t")
    with pytest.raises(DomainError, match="already declared"):
        services.declare(invoice, on=TODAY, actor="t")
    other = book.customer("BARE")
    with pytest.raises(DomainError, match="no credit insurance cover"):
        services.declare(book.invoice(other, due=TODAY - 90 * D), on=TODAY, actor="t")


def test_paid_items_and_items_of_uninsured_customers_do_not_alert(insured, book):
    customer, invoice = insured
    book.invoice(customer, due=TODAY - 55 * D, amount=1000, open_amount=0)
    bare = book.customer("BARE")
    book.invoice(bare, due=TODAY - 58 * D)
    book.invoice(customer, due=TODAY - 400 * D)  # invoiced before the cover started
    assert [n for n, _, _ in _alerts(TODAY + 5 * D)] == [invoice.number]


def test_a_new_cover_ends_the_running_one_and_bad_covers_are_refused(insured):
    customer, _ = insured
    services.add_cover(customer, insurer="Coface", amount=10_000_00, currency="eur",
                       declaration_days=90, starts_on=TODAY, actor="t")  # fmt: skip
    covers = list(CreditCover.objects.filter(customer=customer).order_by("starts_on"))
    assert covers[0].ends_on == TODAY - D
    assert queries.covers_on(customer.creditor, TODAY)[customer.pk].insurer == "Coface"
    assert queries.covers_on(customer.creditor, TODAY - D)[customer.pk].insurer == "Allianz Trade"
    for bad, message in [
        ({"insurer": " "}, "insurer"), ({"amount": 0}, "more than zero"),
        ({"declaration_days": 0}, "1 to 730"), ({"currency": "XXY"}, "currency"),
        ({"ends_on": TODAY - 10 * D}, "ends before"),
    ]:  # fmt: skip
        values = {"insurer": "X", "amount": 100, "currency": "EUR", "declaration_days": 30,
                  "starts_on": TODAY, **bad}  # fmt: skip
        with pytest.raises(DomainError, match=message):
            services.add_cover(customer, actor="t", **values)


def test_an_external_score_value_is_between_0_and_100(book):
    c = book.customer("C1")
    with pytest.raises(DomainError, match="between 0"):
        services.record_score(c, provider="X", grade="A", value=101, on=TODAY, actor="t")
    services.record_score(c, provider="X", grade="B", value=None, on=TODAY - D, actor="t")
    services.record_score(c, provider="X", grade="A", value=80, on=TODAY, actor="t")
    assert queries.latest_scores(c.creditor)[c.pk].grade == "A"
    assert Event.objects.filter(verb="score.recorded").count() == 2
