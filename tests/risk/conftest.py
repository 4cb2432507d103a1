"""Hand-built payment histories for the risk tests, relative to a fixed day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from tests.members import member

from relance.ledger.models import Allocation, Customer, Invoice, Payment

TODAY = date(2026, 6, 30)


class Book:
    """Writes invoices and payments of a customer straight into the ledger tables."""

    def __init__(self, creditor) -> None:  # type: ignore[no-untyped-def]
        self.creditor = creditor
        self.n = 0

    def customer(
        self, code: str, *, limit: int | None = None, since: date | None = None
    ) -> Customer:
        customer = Customer.objects.create(
            creditor=self.creditor, code=code, name=f"Client {code}", credit_limit=limit
        )
        if since is not None:  # an old invoice, paid on time: the relationship's start
            self.paid(customer, due=since + timedelta(days=30), paid_on=since + timedelta(days=30))
        return customer

    def invoice(
        self, customer: Customer, *, due: date, amount: int = 100000, open_amount: int | None = None
    ) -> Invoice:
        self.n += 1
        open_amount = amount if open_amount is None else open_amount
        return Invoice.objects.create(
            creditor=self.creditor, customer=customer, number=f"{customer.code}-{self.n}",
            issue_date=due - timedelta(days=30), due_date=due, amount=amount,
            open_amount=open_amount, currency="EUR",
            status="open" if open_amount else "paid",
        )  # fmt: skip

    def paid(
        self, customer: Customer, *, due: date, paid_on: date, amount: int = 100000
    ) -> Invoice:
        invoice = self.invoice(customer, due=due, amount=amount, open_amount=0)
        payment = Payment.objects.create(
            creditor=self.creditor, customer=customer, key=f"P{invoice.number}", date=paid_on,
            amount=amount, currency="EUR",
        )  # fmt: skip
        Allocation.objects.create(invoice=invoice, payment=payment, amount=amount, date=paid_on)
        return invoice


@pytest.fixture
def book(creditor) -> Book:  # type: ignore[no-untyped-def]
    return Book(creditor)


@pytest.fixture
def client_in(client, db):  # type: ignore[no-untyped-def]
    client.force_login(member("alice", password="x" * 12))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client
