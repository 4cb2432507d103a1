"""A business customer two months late, with evidence, a letter and an SMS sent, a call
made, and a collection agency to hand it to."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files import File
from django.utils import timezone

from relance.channels import outbox
from relance.channels.models import Call
from relance.collection.models import Action, ActionItem, Run
from relance.handoff.models import Partner
from relance.handoff.services import add_partner
from relance.ledger.models import Customer, Invoice
from relance.ledger.services import add_evidence

DUE = date(2026, 3, 2)
HANDOFF_DAY = date(2026, 5, 4)
EINVOICE = Path(__file__).resolve().parents[3] / "shared" / "data" / "einvoice"


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_FILE = str(tmp_path / "sms.jsonl")
    return settings.MEDIA_ROOT


def queue(customer: Customer, step: str, channels: list[str], day: date, **extra: Any) -> Action:
    """An action as a run plans it."""
    run = Run.objects.create(
        creditor=customer.creditor, date=day, actor="test", started_at=timezone.now()
    )
    items = list(customer.invoices.filter(open_amount__gt=0))
    action = Action.objects.create(
        run=run, creditor=customer.creditor, customer=customer, date=day, scenario="standard_b2b",
        step=step, channel=channels[0], channels=channels, mode=extra.pop("mode", "auto"),
        currency="EUR", amount=sum(i.open_amount for i in items),
        status=extra.pop("status", "queued"), **extra,
    )  # fmt: skip
    for inv in items:
        ActionItem.objects.create(
            action=action, invoice=inv, step=step, date=day, days_overdue=(day - inv.due_date).days
        )
    return action


@pytest.fixture
def debtor(creditor, media):  # type: ignore[no-untyped-def]
    creditor.email, creditor.address, creditor.postal_code, creditor.city = (
        "compta@atelier.example", "2 rue des Arts", "69002", "Lyon",
    )  # fmt: skip
    creditor.save()
    customer = Customer.objects.create(
        creditor=creditor, code="C001", name="Boulangerie Martin SARL",
        email="compta@martin.example", phone="+33472000000", address="1 rue Haute",
        postal_code="69001", city="Lyon", registration_number="542107651",
    )  # fmt: skip
    customer.contacts.create(name="Paul Martin", role="gérant", email="paul@martin.example")
    for number, amount, open_amount in (("F1", 120000, 120000), ("F2", 50000, 30000)):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=number,
            issue_date=DUE - timedelta(days=30), due_date=DUE, amount=amount,
            open_amount=open_amount, status="open" if amount == open_amount else "partially_paid",
            currency="EUR", po_number="PO-77" if number == "F1" else "",
        )  # fmt: skip
    f1 = Invoice.objects.get(number="F1")
    with (EINVOICE / "akretion_invoice_EN16931.pdf").open("rb") as f:
        add_evidence(f1, File(f, name="F1.pdf"), kind="invoice")
    with (EINVOICE / "CEN_ubl-tc434-example1.xml").open("rb") as f:
        add_evidence(f1, File(f, name="order.xml"), kind="purchase_order")
    queue(customer, "second_reminder", ["letter", "sms"], DUE + timedelta(days=20))
    outbox.send(today=DUE + timedelta(days=20))
    Call.objects.create(
        customer=customer, outcome="promise", note="pays next week", actor="alice",
        called_on=DUE + timedelta(days=10),
    )  # fmt: skip
    return customer


@pytest.fixture
def agency(creditor) -> Partner:  # type: ignore[no-untyped-def]
    return add_partner(
        creditor, actor="test", name="Recouvrement Rhône", kind="agency",
        email="dossiers@rhone.example", phone="0478000000", address="9 quai Perrache",
        postal_code="69002", city="Lyon", contact_name="Mme Girard", reference="CT-2026-14",
    )  # fmt: skip
