"""The customer page says what comes next and why: the engine's dry run for the customer."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone
from tests.members import member

from relance.collection.queries import next_step
from relance.ledger.models import Customer, Invoice

MONDAY = date(2026, 3, 2)


def _customer(creditor, due: date, **extra) -> Customer:  # type: ignore[no-untyped-def]
    customer = Customer.objects.create(
        creditor=creditor, code="C1", name="Alpha", email="compta@alpha.example", **extra
    )
    Invoice.objects.create(
        creditor=creditor, customer=customer, number="F1", issue_date=due - timedelta(days=30),
        due_date=due, amount=150000, open_amount=150000, status="open", currency="EUR",
    )  # fmt: skip
    return customer


def test_the_next_step_is_the_first_reminder_three_days_after_the_due_date(creditor):
    customer = _customer(creditor, MONDAY - timedelta(days=1))
    found = next_step(customer, MONDAY)
    action = found["action"]
    assert (action.step, action.date, action.items) == ("first_reminder", date(2026, 3, 4), ("F1",))
    assert [s.reason for s in found["skipped"]] == ["not_due"]  # not yet at its step


def test_a_customer_on_hold_is_left_aside_today_and_reminded_after_the_hold(creditor):
    customer = _customer(
        creditor, MONDAY - timedelta(days=10), hold_until=MONDAY + timedelta(days=7)
    )
    found = next_step(customer, MONDAY)
    [skip] = found["skipped"]
    assert (skip.reason, skip.items) == ("on_hold", ("F1",))
    assert found["action"].date > MONDAY + timedelta(days=7)


def test_a_paid_customer_has_no_next_step(creditor):
    customer = _customer(creditor, MONDAY - timedelta(days=10))
    Invoice.objects.filter(customer=customer).update(open_amount=0, status="paid")
    assert next_step(customer, MONDAY)["action"] is None


@pytest.mark.django_db
def test_the_customer_page_shows_the_next_step_and_why(client, creditor):
    _customer(creditor, timezone.localdate() - timedelta(days=1))
    client.force_login(member("alice", password="x" * 12))
    page = client.get("/customers/C1/").content.decode()
    start = page.index('id="next-step"')
    panel = page[start : page.index("</div>", start)]
    assert "Prochaine étape prévue : <strong>first_reminder</strong>" in panel
    assert "pourquoi : scénario standard_b2b, F1 en retard" in panel


def test_the_customer_page_says_in_words_why_the_customer_is_left_aside(client, creditor):
    today = timezone.localdate()
    _customer(creditor, today - timedelta(days=10), hold_until=today + timedelta(days=5))
    client.force_login(member("alice", password="x" * 12))
    page = client.get("/customers/C1/").content.decode()
    start = page.index('id="next-step"')
    panel = page[start : page.index("</div>", start)]
    assert "(en attente)" in panel
    assert "on_hold" not in panel
