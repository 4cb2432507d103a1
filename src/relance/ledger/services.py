"""Writers of the ledger: each validates, saves, and writes its audit event in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction

from relance import audit
from relance.collection.services import install_default_scenarios, review_promises
from relance.core import identifiers
from relance.core.currencies import minor_units
from relance.core.errors import DomainError
from relance.core.law import Sector
from relance.core.ledger import InvoiceKind, invoice_status
from relance.core.money import format_minor
from relance.core.terms import PaymentTerms
from relance.ledger import balances
from relance.ledger.models import Allocation, Creditor, Customer, Evidence, Invoice, Payment

CREDITOR_FIELDS = (
    "name",
    "registration_number",
    "vat_number",
    "address",
    "postal_code",
    "city",
    "country",
    "currency",
    "iban",
    "bic",
    "email",
    "phone",
    "default_payment_terms",
    "late_penalty_clause",
    "sector",
)


def clean_creditor(values: dict[str, Any]) -> dict[str, Any]:
    """Validated, normalised creditor fields; raises DomainError naming the bad field."""
    out = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if v is not None}
    unknown = set(out) - set(CREDITOR_FIELDS)
    if unknown:
        raise DomainError(f"unknown creditor fields: {', '.join(sorted(unknown))}")
    if "country" in out:
        out["country"] = out["country"].upper()
    if "currency" in out:
        out["currency"] = out["currency"].upper()
        minor_units(out["currency"])
    checks = {
        "registration_number": lambda v: identifiers.company_number(v, out.get("country", "FR")),
        "vat_number": identifiers.vat_number,
        "iban": identifiers.iban,
        "bic": identifiers.bic,
        "default_payment_terms": lambda v: str(PaymentTerms.parse(v)),
    }
    if out.get("sector") and out["sector"] not in {s.value for s in Sector}:
        choices = ", ".join(s.value for s in Sector)
        raise DomainError(f"unknown sector {out['sector']!r} (one of {choices})")
    for name, check in checks.items():
        if out.get(name):
            out[name] = check(out[name])
    if "name" in out and not out["name"]:
        raise DomainError("the creditor needs a name")
    return out


@transaction.atomic
def create_creditor(*, actor: str, **values: Any) -> Creditor:
    """A creditor with the default scenarios; the first one holds the default settings."""
    fields = clean_creditor(values)
    creditor = Creditor.objects.create(**fields)
    audit.record(actor, "creditor.created", creditor, fields, creditor_id=creditor.pk)
    install_default_scenarios(creditor, actor=actor)
    return creditor


@transaction.atomic
def update_creditor(creditor: Creditor, *, actor: str, **values: Any) -> Creditor:
    fields = clean_creditor(values)
    diff = audit.changes(creditor, fields)
    if diff:
        for name, value in fields.items():
            setattr(creditor, name, value)
        creditor.save()
        audit.record(
            actor, "creditor.updated", creditor, {"changes": diff}, creditor_id=creditor.pk
        )
    return creditor


def file_digest(upload: File) -> tuple[str, str]:
    """(file name, SHA-256) of an uploaded document, read in chunks; the file is
    rewound for saving."""
    digest = hashlib.sha256()
    for block in upload.chunks():
        digest.update(block)
    upload.seek(0)
    return Path(upload.name or "document").name, digest.hexdigest()


def _credit_note_number(invoice: Invoice) -> str:
    base = f"AV-{invoice.number}"
    taken = set(
        Invoice.objects.filter(
            creditor_id=invoice.creditor_id, number__startswith=base
        ).values_list("number", flat=True)
    )
    n = 1
    while (number := base if n == 1 else f"{base}-{n}") in taken:
        n += 1
    return number


@transaction.atomic
def credit_invoice(
    invoice: Invoice, amount: int | None, *, on: Any, actor: str, why: str = ""
) -> Invoice:
    """A credit note of `amount` (minor units; None: the whole open amount) for
    `invoice`, issued on `on` and applied to it at once: the invoice's open amount drops
    by as much."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if amount is None:
        amount = invoice.open_amount
    if invoice.kind != InvoiceKind.INVOICE:
        raise DomainError(f"{invoice.number} is a credit note")
    if not 0 < amount <= invoice.open_amount:
        raise DomainError(
            f"a credit note on {invoice.number} is between 0 and its open amount "
            f"{format_minor(invoice.open_amount, invoice.currency)} {invoice.currency}"
        )
    note = Invoice.objects.create(
        creditor_id=invoice.creditor_id, customer_id=invoice.customer_id,
        number=_credit_note_number(invoice), kind=InvoiceKind.CREDIT_NOTE, issue_date=on,
        due_date=on, currency=invoice.currency, amount=-amount, open_amount=0,
        status=str(invoice_status(-amount, 0)),
    )  # fmt: skip
    audit.record(actor, "invoice.created", note, {
        "source": "credit note", "amount": f"-{format_minor(amount, invoice.currency)}",
        "credits": invoice.number, "why": why,
    })  # fmt: skip
    _allocate_credit(note, invoice, amount, on=on, actor=actor)
    return note


@transaction.atomic
def apply_credit_note(
    note: Invoice, invoice: Invoice, *, on: Any, actor: str, at_most: int | None = None
) -> int:
    """Apply what is still open of credit note `note` to the `invoice` it corrects (the
    same customer and currency), as far as the invoice is open and up to `at_most` (what
    a FEC's letter gives this invoice); the amount applied (0 when either has nothing
    open, so applying again changes nothing)."""
    note = Invoice.objects.select_for_update().get(pk=note.pk)
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if note.kind != InvoiceKind.CREDIT_NOTE or invoice.kind != InvoiceKind.INVOICE:
        raise DomainError(f"{note.number} does not credit an invoice: {invoice.number}")
    if (note.customer_id, note.currency) != (invoice.customer_id, invoice.currency):
        raise DomainError(
            f"credit note {note.number} and invoice {invoice.number} are not the same "
            "customer's, in the same currency"
        )
    amount = min(-note.open_amount, invoice.open_amount)
    if at_most is not None:
        amount = min(amount, at_most)
    if amount <= 0:
        return 0
    note.open_amount += amount
    note.status = str(invoice_status(note.amount, note.open_amount))
    note.save(update_fields=["open_amount", "status", "updated_at"])
    _allocate_credit(note, invoice, amount, on=on, actor=actor)
    return amount


def _allocate_credit(note: Invoice, invoice: Invoice, amount: int, *, on: Any, actor: str) -> None:
    Allocation.objects.create(invoice=invoice, credit_note=note, amount=amount, date=on)
    invoice.open_amount -= amount
    invoice.status = str(invoice_status(invoice.amount, invoice.open_amount))
    invoice.save(update_fields=["open_amount", "status", "updated_at"])
    audit.record(actor, "invoice.allocated", invoice, {
        "credit_note": note.number, "amount": format_minor(amount, invoice.currency),
        "open_amount": format_minor(invoice.open_amount, invoice.currency),
    })  # fmt: skip
    balances.invalidate(invoice.creditor)


@transaction.atomic
def write_off(invoice: Invoice, *, on: Any, actor: str, why: str = "") -> Invoice:
    """Abandon what is left of `invoice`: it leaves dunning and the open balances, and
    the amount written off is kept on it."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.open_amount <= 0:
        raise DomainError(f"invoice {invoice.number} has nothing open to write off")
    amount = invoice.open_amount
    invoice.written_off += amount
    invoice.written_off_on = on
    invoice.open_amount = 0
    invoice.status = str(invoice_status(invoice.amount, 0))
    invoice.save(
        update_fields=["written_off", "written_off_on", "open_amount", "status", "updated_at"]
    )
    audit.record(actor, "invoice.written_off", invoice, {
        "amount": format_minor(amount, invoice.currency), "on": on, "why": why,
    })  # fmt: skip
    balances.invalidate(invoice.creditor)
    return invoice


@transaction.atomic
def add_evidence(
    invoice: Invoice,
    upload: File,
    *,
    kind: str,
    description: str = "",
    user: Any = None,
    actor: str | None = None,
) -> Evidence:
    """Keep a document that proves the claim, with its SHA-256 so it can be shown unchanged."""
    name, sha256 = file_digest(upload)
    evidence = Evidence(
        invoice=invoice,
        kind=kind,
        filename=name,
        sha256=sha256,
        description=description,
        uploaded_by=user if getattr(user, "pk", None) else None,
    )
    evidence.file.save(name, upload, save=False)
    evidence.save()
    actor = actor or getattr(user, "username", None) or "cli"
    audit.record(
        actor,
        "evidence.added",
        invoice,
        {"evidence": evidence.pk, "kind": kind, "file": name, "sha256": evidence.sha256},
    )
    return evidence


def allocate_payment(
    payment: Payment, parts: Sequence[tuple[str, int]], *, actor: str
) -> list[Allocation]:
    """Apply `payment` to its customer's invoices, `parts` saying how much to each
    (minor units); what is left stays unapplied on the payment, a credit of the customer.
    Raises DomainError, before any write, for an amount above an invoice's open amount
    or a total above what the payment has unapplied."""
    numbers = [number for number, _ in parts]
    invoices = {
        i.number: i
        for i in Invoice.objects.select_for_update().filter(
            creditor_id=payment.creditor_id, number__in=numbers
        )
    }
    for number, amount in parts:
        invoice = invoices.get(number)
        if invoice is None or invoice.customer_id != payment.customer_id:
            raise DomainError(f"{number} is not an invoice of this customer")
        if invoice.currency != payment.currency or invoice.kind != InvoiceKind.INVOICE:
            raise DomainError(f"{number} is not an invoice in {payment.currency}")
        if not 0 < amount <= invoice.open_amount:
            raise DomainError(
                f"{number}: {format_minor(amount, payment.currency)} is not between 0 and its "
                f"open amount {format_minor(invoice.open_amount, invoice.currency)}"
            )
    if len(set(numbers)) != len(numbers):
        raise DomainError("an invoice is named twice")
    total = sum(amount for _, amount in parts)
    if total > payment.unapplied:
        raise DomainError(
            f"{format_minor(total, payment.currency)} allocated is more than the "
            f"{format_minor(payment.unapplied, payment.currency)} the payment has left"
        )
    made = []
    for number, amount in parts:
        invoice = invoices[number]
        invoice.open_amount -= amount
        invoice.status = str(invoice_status(invoice.amount, invoice.open_amount))
        invoice.save(update_fields=["open_amount", "status", "updated_at"])
        made.append(
            Allocation.objects.create(
                invoice=invoice, payment=payment, amount=amount, date=payment.date
            )
        )
        audit.record(actor, "invoice.allocated", invoice, {
            "payment": payment.pk, "amount": format_minor(amount, invoice.currency),
            "open_amount": format_minor(invoice.open_amount, invoice.currency),
        })  # fmt: skip
    if made:
        payment.unapplied -= total
        payment.save(update_fields=["unapplied"])
        # A promise these payments keep closes itself.
        review_promises(payment.creditor, payment.date, actor=actor, customer=payment.customer)
    return made


def unallocate_payment(payment: Payment, *, actor: str) -> list[Invoice]:
    """Take `payment` off the invoices it was applied to: each gets back what the payment
    paid of it (open amount and status), the payment is all unapplied again. Other
    payments' and credit notes' allocations stay. Returns the invoices reopened."""
    allocations = list(
        Allocation.objects.select_for_update().filter(payment=payment).order_by("pk")
    )
    invoices = {
        i.pk: i
        for i in Invoice.objects.select_for_update().filter(
            pk__in=[a.invoice_id for a in allocations]
        )
    }
    for allocation in allocations:
        invoice = invoices[allocation.invoice_id]
        invoice.open_amount += allocation.amount
        invoice.status = str(invoice_status(invoice.amount, invoice.open_amount))
        invoice.save(update_fields=["open_amount", "status", "updated_at"])
        allocation.delete()
        audit.record(actor, "invoice.unallocated", invoice, {
            "payment": payment.pk, "amount": format_minor(allocation.amount, invoice.currency),
            "open_amount": format_minor(invoice.open_amount, invoice.currency),
        })  # fmt: skip
    if allocations:
        payment.unapplied = payment.amount
        payment.save(update_fields=["unapplied"])
    return list(invoices.values())


@transaction.atomic
def set_credit_limit(customer: Customer, limit: int | None, *, actor: str) -> Customer:
    """The customer's credit limit in the creditor's currency (minor units; None: no
    limit), as risk and exposure alerts read it."""
    if limit is not None and limit < 0:
        raise DomainError("a credit limit is zero or more")
    if customer.credit_limit != limit:
        currency = customer.creditor.currency
        shown = [
            None if v is None else format_minor(v, currency) for v in (customer.credit_limit, limit)
        ]
        customer.credit_limit = limit
        customer.save(update_fields=["credit_limit", "updated_at"])
        audit.record(actor, "customer.updated", customer, {"changes": {"credit_limit": shown}},
                     creditor_id=customer.creditor_id)  # fmt: skip
    return customer
