"""What a debtor does on the portal, as the collection services record it: every writer
here calls the service a credit manager's form calls, with the actor "portal", so the
action is audited, lands on the customer's timeline and is seen by the engine (a
promise or a dispute holds its items, a proposed plan holds its items until refused,
"already paid" holds the customer's reminders a few days while the payment is matched).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from relance import audit
from relance.collection import services as collection
from relance.collection.models import Dispute, PaymentPlan, Promise
from relance.core.errors import DomainError
from relance.core.money import format_minor
from relance.core.promises import PromiseChannel
from relance.core.reasons import NonPaymentReason, NoteSource, already_paid_hold
from relance.ledger.models import Customer, EvidenceKind, Invoice
from relance.ledger.services import add_evidence

ACTOR = "portal"
MAX_INSTALMENTS = 12
# What a debtor may attach: the first bytes of each accepted type.
SIGNATURES = {b"%PDF-": ".pdf", b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg"}


def check_upload(upload: UploadedFile | None) -> None:
    """A PDF, PNG or JPEG no larger than RELANCE_PORTAL_MAX_UPLOAD_MB, judged by its
    content (the name and the browser's type can say anything)."""
    if upload is None:
        return
    limit = settings.PORTAL_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size is None or upload.size > limit:
        raise DomainError(
            _("The file is larger than %(mb)s MB.") % {"mb": settings.PORTAL_MAX_UPLOAD_MB}
        )
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(magic) for magic in SIGNATURES):
        raise DomainError(_("The file is not a PDF, PNG or JPEG."))


def _theirs(customer: Customer, invoices: list[Invoice]) -> list[Invoice]:
    """The views look invoices up among the customer's own: this guards the services
    against any other caller."""
    for inv in invoices:
        if inv.customer_id != customer.pk:
            raise DomainError(_("Unknown invoice."))
    return invoices


@transaction.atomic
def promise(
    customer: Customer, invoices: list[Invoice], *, until: date, amount: int | None, today: date
) -> Promise:
    if not invoices:
        raise DomainError(_("Choose the invoices you will pay."))
    return collection.record_promise(
        customer, until=until, on=today, actor=ACTOR, amount=amount,
        invoices=_theirs(customer, invoices), channel=PromiseChannel.PORTAL,
    )  # fmt: skip


@transaction.atomic
def dispute(
    customer: Customer,
    invoice: Invoice,
    *,
    reason: str,
    comment: str,
    upload: UploadedFile | None,
    today: date,
) -> Dispute:
    check_upload(upload)
    _theirs(customer, [invoice])
    opened = collection.open_dispute(
        invoice, reason=reason, description=comment, on=today, actor=ACTOR
    )
    if upload is not None:
        collection.comment_dispute(opened, upload=upload, actor=ACTOR)
    collection.record_note(
        customer, reason=NonPaymentReason.DISPUTE, text=comment, on=today, actor=ACTOR,
        source=NoteSource.PORTAL, invoices=[invoice],
    )  # fmt: skip
    return opened


@transaction.atomic
def propose_plan(
    customer: Customer, invoices: list[Invoice], *, count: int, first: date, today: date
) -> PaymentPlan:
    """A monthly plan the debtor asks for, "proposed": the credit manager accepts it
    (records the signed agreement) or refuses it (cancels it) on the plan's page."""
    if not 2 <= count <= MAX_INSTALMENTS:
        raise DomainError(_("A payment plan has 2 to %(n)s instalments.") % {"n": MAX_INSTALMENTS})
    if first > today + timedelta(days=31):
        raise DomainError(_("The first instalment falls within a month."))
    return collection.create_plan(
        customer, _theirs(customer, invoices), count=count, every="month", first=first,
        on=today, actor=ACTOR,
    )  # fmt: skip


@dataclass(frozen=True)
class AlreadyPaid:
    hold_until: date
    evidence: list[int]


@transaction.atomic
def already_paid(
    customer: Customer,
    invoices: list[Invoice],
    *,
    paid_on: date,
    amount: int,
    upload: UploadedFile | None,
    today: date,
) -> AlreadyPaid:
    """The debtor says the invoices are paid: the proof is kept with each invoice, and
    reminders to the customer wait (core.reasons.already_paid_hold, as after a call)
    for the payment to be matched; then dunning resumes if it was not."""
    check_upload(upload)
    if not invoices:
        raise DomainError(_("Choose the invoices you paid."))
    if paid_on > today:
        raise DomainError(_("The payment date is in the future."))
    if amount <= 0:
        raise DomainError(_("The amount paid is more than zero."))
    _theirs(customer, invoices)
    kept = []
    for inv in invoices if upload is not None else []:
        kept.append(add_evidence(inv, upload, kind=EvidenceKind.CORRESPONDENCE,
                                 description="proof of payment (portal)", actor=ACTOR).pk)  # fmt: skip
        upload.seek(0)
    until = already_paid_hold(today, customer.hold_until)
    if until is not None:
        collection.hold(customer, until=until, actor=ACTOR)
    currency = invoices[0].currency
    audit.record(ACTOR, "portal.already_paid", customer, {
        "invoices": [i.number for i in invoices], "paid_on": paid_on,
        "amount": format_minor(amount, currency), "currency": currency, "evidence": kept,
        "hold_until": customer.hold_until,
    })  # fmt: skip
    return AlreadyPaid(customer.hold_until or today, kept)
