"""A real SMTP server on localhost (aiosmtpd) that keeps what it receives, and a small
ledger to remind."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from relance.ledger.models import Customer, Invoice

MONDAY = date(2026, 3, 2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# How long a slow server keeps the client waiting, past its timeout (EMAIL_TIMEOUT 1).
SLOW = 2.0


class Inbox:
    """What the server accepted. A recipient whose name starts with "bounce" is
    refused for good (550), "busy" for now (451); "slow-rcpt" is answered after `SLOW`
    seconds, and a message to "slow-data" is kept but answered `SLOW` seconds after its
    body."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_RCPT(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def]
        if address.startswith("bounce"):
            return "550 5.1.1 No such user"
        if address.startswith("busy"):
            return "451 4.3.0 Try again later"
        if address.startswith("slow-rcpt"):
            await asyncio.sleep(SLOW)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.envelopes.append(envelope)
        self.received.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[arg-type]
        )
        if envelope.rcpt_tos[0].startswith("slow-data"):
            await asyncio.sleep(SLOW)  # kept, but the client is not told in time
        return "250 Message accepted"


@pytest.fixture
def smtp(settings, tmp_path):  # type: ignore[no-untyped-def]
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_FILE = str(tmp_path / "sms.jsonl")
    yield inbox
    controller.stop()


@pytest.fixture
def billed(creditor):  # type: ignore[no-untyped-def]
    """A business customer with two invoices due on MONDAY, one partly paid."""
    creditor.email, creditor.bic, creditor.phone = (
        "compta@atelier.example",
        "AGRIFRPP",
        "0400000000",
    )
    creditor.address, creditor.postal_code, creditor.city = "2 rue des Arts", "69002", "Lyon"
    creditor.save()
    customer = Customer.objects.create(
        creditor=creditor, code="C001", name="Boulangerie Martin", email="compta@martin.example",
        address="1 rue Haute", postal_code="69001", city="Lyon", phone="+33472000000",
    )  # fmt: skip
    for number, amount, open_amount in (("F1", 120000, 120000), ("F2", 50000, 30000)):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=number,
            issue_date=MONDAY - timedelta(days=30), due_date=MONDAY, amount=amount,
            open_amount=open_amount, status="open" if amount == open_amount else "partially_paid",
            currency="EUR",
        )  # fmt: skip
    return customer


def parts(message: EmailMessage) -> dict[str, Any]:
    """The text, the HTML, and the attachments (name -> bytes) of a received email."""
    found: dict[str, Any] = {"attachments": {}}
    for part in message.walk():
        kind = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            continue
        if kind == "text/plain" and "text" not in found:
            found["text"] = plain(part.get_content())
        elif kind == "text/html" and "html" not in found:
            found["html"] = plain(part.get_content())
        else:
            found["attachments"][part.get_filename() or part["Content-ID"]] = part.get_content()
    return found


def queue(
    customer: Customer, step: str, channels: list[str], day: date = MONDAY,
    scenario: str = "standard_b2b",
) -> Any:  # fmt: skip
    """An action as a run plans it, queued for the sender."""
    from django.utils import timezone

    from relance.collection.models import Action, ActionItem, Run

    now = timezone.now()
    run = Run.objects.create(creditor=customer.creditor, date=day, actor="test", started_at=now)
    items = list(customer.invoices.filter(open_amount__gt=0))
    action = Action.objects.create(
        run=run, creditor=customer.creditor, customer=customer, date=day, scenario=scenario,
        step=step, channel=channels[0], channels=channels, mode="auto", currency="EUR",
        amount=sum(i.open_amount for i in items), status="queued",
    )  # fmt: skip
    for inv in items:
        ActionItem.objects.create(
            action=action, invoice=inv, step=step, date=day, days_overdue=(day - inv.due_date).days
        )
    return action


def plain(text: str) -> str:
    """Babel's French spaces (narrow no-break, no-break) as plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")
