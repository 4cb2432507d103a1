"""Reads of the channels context: letters to print, messages needing a person, the
timeline of what a customer received."""

from __future__ import annotations

from io import BytesIO

from django.db.models import QuerySet
from pypdf import PdfWriter

from relance.channels.models import Message, MessageStatus
from relance.ledger.models import Creditor, Customer

ATTENTION = (MessageStatus.FAILED, MessageStatus.INTERRUPTED)


def letters_to_print(creditor: Creditor) -> list[Message]:
    return list(
        Message.objects.filter(creditor=creditor, status=MessageStatus.TO_PRINT)
        .select_related("customer")
        .order_by("channel", "customer__postal_code", "pk")
    )


def letters_pdf(letters: list[Message]) -> bytes:
    """The letters in one PDF; each starts on an odd page so that a duplex printer never
    puts two debtors on one sheet."""
    writer = PdfWriter()
    for letter in letters:
        with letter.document.open("rb") as f:
            writer.append(BytesIO(f.read()))
        if len(writer.pages) % 2:
            writer.add_blank_page()
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def needing_attention(creditor: Creditor) -> QuerySet[Message]:
    return (
        Message.objects.filter(creditor=creditor, status__in=ATTENTION)
        .select_related("customer")
        .order_by("-created_at")
    )


def sent_to(customer: Customer) -> QuerySet[Message]:
    return customer.messages.order_by("-created_at", "-pk")
