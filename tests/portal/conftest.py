from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from relance.channels import documents
from relance.ledger.models import Customer, Invoice


@pytest.fixture(autouse=True)
def stable_key(settings):  # type: ignore[no-untyped-def]
    """Links are only made with a key the web server shares (RELANCE_SECRET_KEY)."""
    settings.SECRET_KEY_FROM_ENV = True
    settings.BASE_URL = "https://relance.example"
    cache.clear()  # the rate limits count per test


def _invoice(customer: Customer, number: str, late: int, amount: int) -> Invoice:
    today = timezone.localdate()
    return Invoice.objects.create(
        creditor=customer.creditor, customer=customer, number=number,
        issue_date=today - timedelta(days=late + 30), due_date=today - timedelta(days=late),
        amount=amount, open_amount=amount, status="open", currency="EUR",
    )  # fmt: skip


@pytest.fixture
def alpha(creditor) -> Customer:  # type: ignore[no-untyped-def]
    """A French customer with two overdue invoices (F1 late 25 days, F2 late 12)."""
    customer = Customer.objects.create(
        creditor=creditor, code="C1", name="Boulangerie Alpha", email="compta@alpha.example",
        address="1 rue Haute", postal_code="69001", city="Lyon", language="fr",
    )  # fmt: skip
    _invoice(customer, "F1", 25, 120000)
    _invoice(customer, "F2", 12, 45050)
    return customer


@pytest.fixture
def beta(creditor) -> Customer:  # type: ignore[no-untyped-def]
    """Another customer, whose items the first one's link must never reach."""
    customer = Customer.objects.create(
        creditor=creditor, code="C2", name="Garage Beta", email="compta@beta.example",
        language="en",
    )  # fmt: skip
    _invoice(customer, "G1", 20, 99900)
    return customer


def reminder(customer: Customer, channel: str = "email") -> documents.Document:
    """A first reminder for the customer's items, rendered as it is sent."""
    items = list(customer.invoices.order_by("number"))
    template = "sms" if channel == "sms" else "first_reminder"
    facts = documents.Facts(
        customer,
        items,
        template,
        timezone.localdate(),
        documents.language_of(customer),
        sending=True,
    )
    return documents.compose(facts, channel=channel, creditor=customer.creditor)


def link_in(text: str) -> str:
    """The portal URL a message carries."""
    found = re.search(r"https://relance\.example(/portal/[^\s\"<]+/)", text)
    assert found, text
    return found.group(1)


@pytest.fixture
def portal(alpha) -> str:  # type: ignore[no-untyped-def]
    """Alpha's portal path, taken from a real reminder."""
    return link_in(reminder(alpha).text)


def pdf_file(name: str = "proof.pdf") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = documents.pdf("<p>Bon de livraison 4711</p>")
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def business_day() -> date:
    """The first day from today on which the run plans (not a weekend or holiday)."""
    import holidays

    day = timezone.localdate()
    while day.weekday() >= 5 or day in holidays.France(years=day.year):
        day += timedelta(days=1)
    return day
