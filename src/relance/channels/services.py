"""Writers of the channels context: what a person does with a message, a call or a
template."""

from __future__ import annotations

from datetime import date
from email import message_from_bytes
from email.policy import SMTP
from hashlib import sha256

from django.core.files.base import ContentFile
from django.db import transaction

from relance import audit
from relance.channels import wording
from relance.channels.models import Call, CallOutcome, Message, MessageStatus, MessageTemplate
from relance.collection import services as collection
from relance.collection.models import Action, ActionStatus
from relance.core.disputes import DisputeReason
from relance.core.errors import DomainError
from relance.core.promises import PromiseChannel
from relance.core.reasons import NonPaymentReason, NoteSource, already_paid_hold
from relance.ledger.models import Creditor, Customer, Invoice


@transaction.atomic
def mark_posted(letter: Message, *, on: date, tracking: str, actor: str) -> Message:
    """A person posted the letter; a registered letter needs its tracking number (the
    proof of sending a court will ask for)."""
    letter = Message.objects.select_for_update().get(pk=letter.pk)
    if letter.status != MessageStatus.TO_PRINT:
        raise DomainError(f"letter {letter.pk} is {letter.get_status_display()}, not to print")
    tracking = "".join(tracking.split()).upper()
    if letter.channel == "registered_letter" and not tracking:
        raise DomainError("a registered letter needs its tracking number (LRAR)")
    letter.status, letter.posted_on, letter.tracking_number = MessageStatus.POSTED, on, tracking
    letter.save(update_fields=["status", "posted_on", "tracking_number"])
    audit.record(actor, "message.posted", letter, {"on": on, "tracking": tracking})
    return letter


# What a person may decide for a message: from which states, to which.
RESOLUTIONS = {
    "resend": ((MessageStatus.FAILED, MessageStatus.INTERRUPTED), MessageStatus.READY),
    "sent": ((MessageStatus.INTERRUPTED,), MessageStatus.SENT),
    "cancel": (
        (MessageStatus.FAILED, MessageStatus.INTERRUPTED, MessageStatus.TO_PRINT),
        MessageStatus.CANCELLED,
    ),
}


@transaction.atomic
def resolve(message: Message, decision: str, *, actor: str) -> Message:
    """What a person decides for a failed or interrupted message: send it again (after
    correcting the address), say it did leave, or drop it."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if decision not in RESOLUTIONS:
        raise DomainError(f"decision: one of {', '.join(RESOLUTIONS)}")
    before, after = RESOLUTIONS[decision]
    if message.status not in before:
        raise DomainError(f"message {message.pk} is {message.get_status_display()}")
    if decision == "resend":
        # The address may have been corrected since.
        customer = message.customer
        recipient = customer.email if message.channel == "email" else customer.phone
        if message.channel == "email" and recipient != message.recipient:
            _readdress(message, recipient)
        message.recipient = recipient
        message.attempts, message.next_attempt_at = 0, None
        transaction.on_commit(collection.wake_sender)
    old = message.status
    message.status = after
    if decision != "cancel":  # a dropped message keeps the reason it failed
        message.error = ""
    message.save()
    audit.record(actor, f"message.{decision}", message, {"status": [old, after]})
    return message


def _readdress(message: Message, recipient: str) -> None:
    """The stored email, sent to a corrected address (it never left to the old one)."""
    with message.document.open("rb") as f:
        email = message_from_bytes(f.read())
    email.replace_header("To", recipient)
    data = email.as_bytes(policy=SMTP.clone(max_line_length=None))
    message.document.save(message.document.name.rsplit("/", 1)[-1], ContentFile(data), save=False)
    message.document_sha256 = sha256(data).hexdigest()


@transaction.atomic
def record_call(
    customer: Customer,
    outcome: str,
    *,
    on: date,
    actor: str,
    action: Action | None = None,
    note: str = "",
    call_back_on: date | None = None,
    promise_date: date | None = None,
    promise_amount: int | None = None,
    invoice: Invoice | None = None,
    reason: str = "",
    nonpayment: str = "",
) -> Call:
    """The outcome of a call, fed to the engine: a promise pauses the items, a dispute
    blocks its item (`reason` from the dispute reasons), "already paid" holds reminders
    while the payment is matched. The reason for non-payment the debtor gave
    (`nonpayment`; a dispute gives "dispute") is noted. The call task is done unless the
    debtor was not reached."""
    if outcome not in CallOutcome.values:
        raise DomainError(f"outcome: one of {', '.join(CallOutcome.values)}")
    if outcome == CallOutcome.CALL_BACK and not call_back_on:
        raise DomainError("say when to call back")
    call = Call.objects.create(
        customer=customer, action=action, outcome=outcome, note=note.strip(),
        call_back_on=call_back_on, called_on=on, actor=actor,
    )  # fmt: skip
    if outcome == CallOutcome.PROMISE:
        if promise_date is None:
            raise DomainError("a promise needs a date")
        collection.record_promise(
            customer, until=promise_date, on=on, actor=actor, amount=promise_amount,
            invoices=[invoice] if invoice else None, channel=PromiseChannel.CALL,
        )  # fmt: skip
    elif outcome == CallOutcome.DISPUTE:
        if invoice is None:
            raise DomainError("say which invoice is disputed")
        collection.open_dispute(
            invoice, reason=reason or DisputeReason.OTHER, description=note, on=on, actor=actor
        )
        nonpayment = nonpayment or NonPaymentReason.DISPUTE
    if nonpayment:
        collection.record_note(
            customer, reason=nonpayment, text=note, on=on, actor=actor, source=NoteSource.CALL,
            invoices=[invoice] if invoice else None, call=call,
        )  # fmt: skip
    elif outcome == CallOutcome.ALREADY_PAID:
        until = already_paid_hold(on, customer.hold_until)
        if until is not None:
            collection.hold(customer, until=until, actor=actor)
    finished = outcome not in (CallOutcome.NO_ANSWER, CallOutcome.CALL_BACK)
    if action is not None and finished:
        Action.objects.filter(pk=action.pk, status=ActionStatus.PLANNED).update(
            status=ActionStatus.SENT, status_reason=outcome
        )
    audit.record(actor, "call.recorded", customer, {
        "call": call.pk, "outcome": outcome, "note": call.note,
        "action": action.pk if action else None,
        "call_back_on": call_back_on,
    })  # fmt: skip
    return call


@transaction.atomic
def save_template(
    creditor: Creditor, key: str, language: str, *, subject: str, body: str, closing: str,
    actor: str,
) -> MessageTemplate:  # fmt: skip
    """The creditor's own wording of a template; a syntax error is refused, named."""
    if language not in wording.LANGUAGES:
        raise DomainError(f"language: one of {', '.join(wording.LANGUAGES)}")
    for text in (subject, body, closing):
        wording.check(text)
    if not subject.strip() or not body.strip():
        raise DomainError("a template needs a subject and a body")
    row, created = MessageTemplate.objects.get_or_create(
        creditor=creditor, key=key, language=language,
        defaults={"subject": subject, "body": body, "closing": closing},
    )  # fmt: skip
    before = None if created else {"subject": row.subject, "body": row.body, "closing": row.closing}
    row.subject, row.body, row.closing = subject, body, closing
    row.save()
    audit.record(actor, "template.saved", row, {
        "key": key, "language": language, "before": before,
        "after": {"subject": subject, "body": body, "closing": closing},
    }, creditor_id=creditor.pk)  # fmt: skip
    return row


@transaction.atomic
def reset_template(creditor: Creditor, key: str, language: str, *, actor: str) -> None:
    """Back to Relance's own wording."""
    deleted, _ = MessageTemplate.objects.filter(
        creditor=creditor, key=key, language=language
    ).delete()
    if deleted:
        audit.record(actor, "template.reset", creditor, {"key": key, "language": language})
