"""The GDPR for the people whose data Relance holds: a copy of everything it holds about
them (`export`, art. 15), erasure (`erase`, art. 17) and retention (`purge`).

A subject is a customer (a consumer or a sole trader is a person) or a person known by
an email address or phone number: a customer's contact, or the address reminders went
to. Erasure keeps the accounting records the law requires (invoices, payments,
allocations: ten years, Code de commerce L123-22) under a customer whose name, contacts,
addresses, notes, messages and bank details are gone; and it is refused while a claim is
alive (core.privacy.Claims). For a person, the messages they received stay as evidence
while their customer has a claim alive, with the address redacted. See docs/privacy.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import models, transaction
from django.db.models import Max, OuterRef, Q, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from relance import audit
from relance.audit import Event
from relance.bank.models import PayerAccount, PayerName, StatementLine
from relance.channels.models import Call, Message
from relance.collection.models import Dispute, DisputeComment
from relance.core.errors import DomainError
from relance.core.privacy import ERASED, Claims, expired
from relance.ledger.models import Contact, Creditor, Customer, Invoice, Payment
from relance.ledger.queries import open_items

# Bookkeeping of the machinery, not data about anyone.
INTERNAL = {"claimed_by", "claimed_at", "attempts", "next_attempt_at", "document_sha256",
            "sha256", "fingerprint", "proposal", "review", "html", "open_total",
            "overdue_total", "message_id", "provider_id"}  # fmt: skip


def _rows(qs: models.QuerySet[Any], *extra: str) -> list[dict[str, Any]]:
    """Every field of the rows that says something (no ids, no bookkeeping), and the
    related values named in `extra` (`invoice__number`)."""
    names = [
        f.name
        for f in qs.model._meta.concrete_fields
        if not f.primary_key and not f.is_relation and f.name not in INTERNAL
    ]
    return [_plain(row) for row in qs.order_by("pk").values(*names, *extra)]


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def export_customer(customer: Customer) -> dict[str, Any]:
    """Everything Relance holds about `customer`, as one JSON-ready document."""
    disputes = Dispute.objects.filter(invoice__customer=customer)
    return {
        "subject": {"customer": customer.code},
        "creditor": customer.creditor.name,
        "exported_at": timezone.now().isoformat(),
        "customer": _rows(Customer.objects.filter(pk=customer.pk))[0],
        "contacts": _rows(customer.contacts.all()),
        "invoices": _rows(customer.invoices.all()),
        "payments": _rows(customer.payments.all()),
        "messages": _rows(Message.objects.filter(customer=customer)),
        "calls": _rows(Call.objects.filter(customer=customer)),
        "notes": _rows(customer.notes.all()),
        "disputes": _rows(disputes, "invoice__number"),
        "dispute_comments": _rows(
            DisputeComment.objects.filter(dispute__in=disputes), "dispute__invoice__number"
        ),
        "promises": _rows(customer.promises.all()),
        "payment_plans": _rows(customer.plans.all()),
        "portal_links": _rows(customer.portal_links.all()),
        "payer_names": _rows(PayerName.objects.filter(customer=customer)),
        "payer_accounts": _rows(PayerAccount.objects.filter(customer=customer)),
        "bank_lines": _rows(StatementLine.objects.filter(payment__customer=customer)),
        "handoff_cases": _rows(customer.handoff_cases.all(), "partner__name"),
        "trail": _rows(
            Event.objects.filter(subject_type="customer", subject_id=customer.pk), "actor"
        ),
    }


def _matching(creditor: Creditor, who: str) -> tuple[Any, Any, Any]:
    who = who.strip()
    contacts = Contact.objects.filter(customer__creditor=creditor).filter(
        Q(email__iexact=who) | Q(phone=who)
    )
    customers = Customer.objects.filter(creditor=creditor).filter(
        Q(email__iexact=who) | Q(phone=who)
    )
    messages = Message.objects.filter(creditor=creditor, recipient__iexact=who)
    return contacts, customers, messages


def export_person(creditor: Creditor, who: str) -> dict[str, Any]:
    """Everything Relance holds about the person reached at `who` (email or phone)."""
    contacts, customers, messages = _matching(creditor, who)
    if not (contacts.exists() or customers.exists() or messages.exists()):
        raise DomainError(f"no contact, customer or message has {who!r}")
    return {
        "subject": {"person": who},
        "creditor": creditor.name,
        "exported_at": timezone.now().isoformat(),
        "contacts": _rows(contacts, "customer__code"),
        "customers": [
            {"code": c.code, "name": c.name, "email": c.email, "phone": c.phone}
            for c in customers.order_by("code")
        ],
        "messages": _rows(messages, "customer__code"),
    }


@dataclass
class Erased:
    """What an erasure changed, counted; `kept` says what stayed and why."""

    subject: str
    customers: int = 0
    contacts: int = 0
    messages: int = 0
    documents: int = 0
    notes: int = 0
    bank_details: int = 0
    events: int = 0
    kept: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def claims(customer: Customer) -> Claims:
    return Claims(
        open_items=open_items(customer).count(),
        open_disputes=Dispute.objects.filter(invoice__customer=customer, status="open").count(),
        open_promises=customer.promises.filter(status="open").count(),
        active_plans=customer.plans.filter(status__in=("proposed", "active")).count(),
        open_cases=customer.handoff_cases.filter(status="handed_off").count(),
    )


def erase_customer(customer: Customer, *, actor: str) -> Erased:
    """Erase the personal data about `customer`; refused while a claim is alive."""
    if reasons := claims(customer).reasons():
        raise DomainError(
            f"{customer.code} cannot be erased yet: {', '.join(reasons)} (what establishes or "
            "defends a claim may be kept: GDPR art. 17(3)(e))"
        )
    return _erase(customer, actor)


def _erase(customer: Customer, actor: str) -> Erased:
    report = Erased(customer.code, customers=1)
    contacts = customer.contacts.all()
    personal = {customer.name, customer.email, customer.phone, customer.iban}
    personal |= {v for c in contacts for v in (c.name, c.email, c.phone)}
    with transaction.atomic():
        report.contacts = contacts.count()
        contacts.delete()
        _forget_messages(Message.objects.filter(customer=customer), report, keep_text=False)
        report.notes = (
            customer.notes.update(text="")
            + Call.objects.filter(customer=customer).update(note="")
            + Dispute.objects.filter(invoice__customer=customer).update(description="")
            + customer.handoff_cases.update(note="")
        )
        for comment in DisputeComment.objects.filter(dispute__invoice__customer=customer):
            _delete_after_commit(comment.file, report)
            DisputeComment.objects.filter(pk=comment.pk).update(text="", file="", filename="")
        lines = StatementLine.objects.filter(payment__customer=customer)
        personal |= {v for line in lines for v in (line.counterparty_name, line.counterparty_iban)}
        report.bank_details = (
            PayerName.objects.filter(customer=customer).delete()[0]
            + PayerAccount.objects.filter(customer=customer).delete()[0]
            + lines.update(counterparty_name=ERASED, counterparty_iban="", text=ERASED)
        )
        customer.portal_links.all().delete()
        Customer.objects.filter(pk=customer.pk).update(
            name=ERASED, email="", phone="", address="", postal_code="", city="",
            registration_number="", vat_number="", iban="",
        )  # fmt: skip
        report.events = _redact_trail(customer.creditor_id, personal)
        report.kept = ["invoices, payments and allocations (accounting records, 10 years)"]
        audit.record(actor, "privacy.erased", customer, report.as_json())
    return report


def erase_person(creditor: Creditor, who: str, *, actor: str) -> Erased:
    """Erase what Relance holds about the person reached at `who`: their contact entries
    and the address itself; the messages they received lose the address, and also their
    text and documents unless their customer has a claim alive (then kept as evidence)."""
    contacts, customers, messages = _matching(creditor, who)
    if not (contacts.exists() or customers.exists() or messages.exists()):
        raise DomainError(f"no contact, customer or message has {who!r}")
    report = Erased(who)
    personal = {who} | {c.name for c in contacts}
    alive = {
        c.pk for c in Customer.objects.filter(
            Q(pk__in=contacts.values("customer")) | Q(pk__in=customers.values("pk"))
            | Q(pk__in=messages.values("customer"))
        ) if claims(c).reasons()
    }  # fmt: skip
    with transaction.atomic():
        report.contacts = contacts.count()
        contacts.delete()
        for customer in customers:
            report.customers += 1
            Customer.objects.filter(pk=customer.pk, email__iexact=who).update(email="")
            Customer.objects.filter(pk=customer.pk, phone=who).update(phone="")
        evidence = messages.filter(customer__in=alive)
        kept = evidence.count()
        _forget_messages(messages.exclude(customer__in=alive), report, keep_text=False)
        _forget_messages(evidence, report, keep_text=True)
        if kept:
            report.kept.append(
                f"the text and documents of {kept} messages to customers with a claim alive "
                "(evidence: GDPR art. 17(3)(e)), the address redacted"
            )
        report.events = _redact_trail(creditor.pk, personal)
        audit.record(actor, "privacy.erased", creditor, report.as_json())
    return report


def _delete_after_commit(file: Any, report: Erased) -> None:
    """The stored file goes once the rows no longer name it: a rollback keeps both."""
    if file:
        storage, name = file.storage, file.name
        transaction.on_commit(lambda: storage.delete(name))
        report.documents += 1


def _forget_messages(messages: Any, report: Erased, *, keep_text: bool) -> None:
    for message in messages:
        if not keep_text:
            _delete_after_commit(message.document, report)
        changes: dict[str, Any] = {"recipient": ERASED}
        if not keep_text:
            changes |= {"subject": ERASED, "text": "", "html": "", "document": ""}
        Message.objects.filter(pk=message.pk).update(**changes)
        report.messages += 1


def _redact(value: Any, personal: set[str]) -> Any:
    if isinstance(value, str):
        for word in personal:
            value = value.replace(word, ERASED)
        return value
    if isinstance(value, dict):
        return {k: _redact(v, personal) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, personal) for v in value]
    return value


def _redact_trail(creditor_id: int, values: Iterable[str]) -> int:
    """Replace the personal values inside the creditor's audit events: the trail keeps
    who did what and when, not to whom."""
    personal = {v for v in values if v and len(v) >= 3 and v != ERASED}
    if not personal:
        return 0
    # The data is JSON text: a value with accents may be stored escaped.
    found = Q()
    for word in personal:
        found |= Q(text__contains=word) | Q(text__contains=json.dumps(word)[1:-1])
    events = Event.objects.filter(creditor_id=creditor_id).annotate(text=Cast("data", TextField()))
    return audit.redact(events.filter(found), lambda data: _redact(data, personal))


def _latest(model: type[models.Model], field: str) -> Subquery:
    """The latest `field` of the customer's rows of `model`, as a subquery."""
    rows = model._default_manager.filter(customer=OuterRef("pk")).order_by().values("customer")
    return Subquery(rows.annotate(latest=Max(field)).values("latest"))


def purge(creditor: Creditor, *, actor: str, today: date, years: int) -> list[Erased]:
    """Erase every customer whose last activity (an invoice issued or due, a payment, a
    message) is more than `years` old and who has no claim alive (the retention of
    docs/privacy.md). The last activities come in one query."""
    customers = (
        Customer.objects.filter(creditor=creditor)
        .exclude(name=ERASED)
        .annotate(
            issued=_latest(Invoice, "issue_date"),
            due=_latest(Invoice, "due_date"),
            paid=_latest(Payment, "date"),
            sent=_latest(Message, "created_at"),
        )
    )
    erased = []
    for customer in customers:
        sent = timezone.localtime(customer.sent).date() if customer.sent else None
        dates = [d for d in (customer.issued, customer.due, customer.paid, sent) if d]
        if not dates or not expired(max(dates), today=today, years=years):
            continue
        if claims(customer).reasons():
            continue
        erased.append(_erase(customer, actor))
    return erased
