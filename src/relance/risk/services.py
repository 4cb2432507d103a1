"""Writers of risk: credit-insurance covers, external scores, declarations to the
insurer. Each validates, saves and writes its audit event in one transaction."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from relance import audit
from relance.core.currencies import minor_units
from relance.core.errors import DomainError
from relance.core.money import format_minor
from relance.ledger.models import Customer, Invoice
from relance.risk.models import CreditCover, Declaration, ExternalScore

MAX_DECLARATION_DAYS = 730


@transaction.atomic
def add_cover(
    customer: Customer,
    *,
    insurer: str,
    amount: int,
    currency: str,
    declaration_days: int,
    starts_on: date,
    ends_on: date | None = None,
    policy: str = "",
    notes: str = "",
    actor: str,
) -> CreditCover:
    """Record a credit insurer's cover on the customer from `starts_on`; a cover already
    running then ends the day before (one cover at a time per customer)."""
    insurer, currency = insurer.strip(), currency.strip().upper()
    if not insurer:
        raise DomainError("the cover needs the insurer's name")
    minor_units(currency)
    if amount <= 0:
        raise DomainError("the amount covered is more than zero")
    if not 0 < declaration_days <= MAX_DECLARATION_DAYS:
        raise DomainError(f"the declaration deadline is 1 to {MAX_DECLARATION_DAYS} days")
    if ends_on is not None and ends_on < starts_on:
        raise DomainError("the cover ends before it starts")
    running = CreditCover.objects.select_for_update().filter(
        customer=customer, starts_on__lt=starts_on
    )
    for old in running.exclude(ends_on__lt=starts_on):
        old.ends_on = date.fromordinal(starts_on.toordinal() - 1)
        old.save(update_fields=["ends_on"])
        audit.record(actor, "cover.ended", old, {"ends_on": old.ends_on},
                     creditor_id=customer.creditor_id)  # fmt: skip
    cover = CreditCover.objects.create(
        creditor_id=customer.creditor_id, customer=customer, insurer=insurer, amount=amount,
        currency=currency, policy=policy.strip(), starts_on=starts_on, ends_on=ends_on,
        declaration_days=declaration_days, notes=notes.strip(), created_by=actor,
    )  # fmt: skip
    audit.record(actor, "cover.added", cover, {
        "customer": customer.code, "insurer": insurer, "amount": format_minor(amount, currency),
        "currency": currency, "policy": cover.policy, "starts_on": starts_on,
        "ends_on": ends_on, "declaration_days": declaration_days,
    }, creditor_id=customer.creditor_id)  # fmt: skip
    return cover


@transaction.atomic
def record_score(
    customer: Customer, *, provider: str, grade: str, value: int | None, on: date, actor: str
) -> ExternalScore:
    """An external credit score as the provider gave it; `value` (0 worst to 100 best)
    is what the risk score reads, when given."""
    provider, grade = provider.strip(), grade.strip()
    if not provider or not grade:
        raise DomainError("an external score needs its provider and its grade")
    if value is not None and not 0 <= value <= 100:
        raise DomainError("the score's value is between 0 (worst) and 100 (best)")
    score = ExternalScore.objects.create(
        customer=customer, provider=provider, grade=grade, value=value, recorded_on=on,
        recorded_by=actor,
    )  # fmt: skip
    audit.record(actor, "score.recorded", score, {
        "customer": customer.code, "provider": provider, "grade": grade, "value": value,
        "recorded_on": on,
    }, creditor_id=customer.creditor_id)  # fmt: skip
    return score


def cover_on(customer: Customer, day: date) -> CreditCover | None:
    """The cover running on `day`, if any (the latest started)."""
    return (
        CreditCover.objects.filter(customer=customer, starts_on__lte=day)
        .exclude(ends_on__lt=day)
        .order_by("-starts_on", "-pk")
        .first()
    )


@transaction.atomic
def declare(invoice: Invoice, *, on: date, reference: str = "", actor: str) -> Declaration:
    """Record that the overdue `invoice` was declared to the customer's insurer on `on`:
    it stops alerting."""
    invoice = Invoice.objects.select_for_update().select_related("customer").get(pk=invoice.pk)
    if Declaration.objects.filter(invoice=invoice).exists():
        raise DomainError(f"{invoice.number} is already declared to the insurer")
    cover = cover_on(invoice.customer, invoice.due_date) or cover_on(invoice.customer, on)
    if cover is None:
        raise DomainError(f"{invoice.customer.code} has no credit insurance cover")
    if on <= invoice.due_date:
        raise DomainError(f"{invoice.number} is not overdue on {on}")
    declaration = Declaration.objects.create(
        invoice=invoice, cover=cover, declared_on=on, reference=reference.strip(),
        declared_by=actor,
    )  # fmt: skip
    audit.record(actor, "invoice.declared", invoice, {
        "number": invoice.number, "insurer": cover.insurer, "declared_on": on,
        "reference": declaration.reference,
    })  # fmt: skip
    return declaration
