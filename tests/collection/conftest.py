from __future__ import annotations

from datetime import date, timedelta

import pytest

from relance.ledger.models import Customer, Invoice

MONDAY = date(2026, 3, 2)


@pytest.fixture
def debtor(creditor):  # type: ignore[no-untyped-def]
    """A customer with two invoices of 1,200.00 EUR, both due on Monday 2 March 2026."""
    customer = Customer.objects.create(
        creditor=creditor, code="C001", name="Boulangerie Martin", email="compta@martin.example",
        address="1 rue Haute", postal_code="69001", city="Lyon", phone="0472000000",
    )  # fmt: skip
    for number in ("F1", "F2"):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=number, issue_date=MONDAY - timedelta(days=30),
            due_date=MONDAY, amount=120000, open_amount=120000, status="open", currency="EUR",
        )  # fmt: skip
    return customer
