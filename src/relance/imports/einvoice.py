"""Importing an e-invoice (Factur-X PDF, UBL, CII): one document, through the same
importers as the CSV files (the reading: relance.core.einvoice).

The document becomes a row of customers.csv (the buyer) and a row of invoices.csv, so
natural keys, audit events, rejects and re-imports behave as for a CSV. Everything is
written in one transaction: a document that cannot be imported leaves nothing behind.
A credit note naming the invoice it corrects (BT-25) is applied to it when that invoice
is in the ledger; a Factur-X PDF is kept as the invoice's document (evidence).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from relance.core import einvoice, identifiers
from relance.core.errors import DomainError
from relance.core.ledger import InvoiceKind
from relance.core.money import format_minor
from relance.imports import services as s
from relance.imports.fields import COUNTRIES, Options
from relance.imports.models import ImportRun
from relance.ledger import balances
from relance.ledger.models import Creditor, Customer, EvidenceKind, Invoice
from relance.ledger.services import add_evidence, apply_credit_note

FORMATS = einvoice.SYNTAXES
LINE = 1  # the document is one row of the canonical layouts


def import_einvoice(
    path: Path,
    *,
    creditor: Creditor,
    actor: str,
    options: Options,
    fmt: str | None = None,
    dry_run: bool = False,
    today: date | None = None,
) -> s.ImportResult:
    today = today or timezone.localdate()
    started = timezone.now()
    result = s.ImportResult(file=str(path), format=fmt or "", dry_run=dry_run)
    try:
        data = path.read_bytes()
        found = result.format = einvoice.syntax(data)
        doc = einvoice.read(data, expected=fmt if fmt in FORMATS else None)
    except OSError as exc:
        result.errors.append(s.RowError(0, None, f"{path.name}: {exc.strerror or exc}"))
        return result
    except einvoice.EInvoiceError as exc:
        result.errors.append(s.RowError(exc.line or 0, exc.path or None, exc.reason))
        result.rows = result.rejected = 1
        return result
    except DomainError as exc:  # not XML at all, or a DOCTYPE
        result.errors.append(s.RowError(0, None, f"{path.name}: {exc}"))
        return result
    options = replace(options, decimal_comma=False, date_format=None)
    customer = customer_row(doc, creditor, result.warnings)
    invoice = invoice_row(doc, customer["customer"], result.warnings)
    result.rows = 1
    report: dict[str, Any] = {
        "syntax": doc.syntax, "number": doc.number, "kind": str(doc.kind),
        "customer": customer["customer"], "credited": [], "document": None,
    }  # fmt: skip
    _same_number(creditor, doc, result.warnings)
    guard = transaction.atomic() if dry_run else balances.updating(creditor, today)
    with guard as touched:
        with transaction.atomic():
            part = s.ImportResult(file=str(path))
            buyer = s._IMPORTERS["customers"](creditor, actor, options, set(customer))
            rejects = buyer.write([(LINE, customer)], part)
            if not rejects:
                importer = s._IMPORTERS["invoices"](creditor, actor, options, set(invoice))
                if touched is not None:
                    importer.touched = touched
                rejects = importer.write([(LINE, invoice)], result)
            if rejects:
                transaction.set_rollback(True)
            else:
                note = Invoice.objects.get(creditor=creditor, number=doc.number)
                report["credited"] = _apply_credit(note, doc, actor, result.warnings)
                if touched is not None:
                    touched.add(note.customer_id)
                if found == "facturx" and not dry_run:
                    report["document"] = _keep_pdf(note, path, actor)
        if dry_run:
            transaction.set_rollback(True)
    report["customer_status"] = "not saved" if rejects else _status(part)
    for line, column, reason, _row in rejects:
        result.errors.append(s.RowError(line, column, reason))
    result.rejected = len(rejects)
    result.einvoice = report
    if not dry_run:
        ImportRun.objects.create(
            creditor=creditor, kind="invoices", format=found, filename=str(path),
            started_at=started, sha256=s._sha256(path), actor=actor, rows=result.rows,
            created=result.created, updated=result.updated, unchanged=result.unchanged,
            rejected=result.rejected, reject_file="", finished_at=timezone.now(),
        )  # fmt: skip
    return result


def customer_row(doc: einvoice.EInvoice, creditor: Creditor, warnings: list[str]) -> dict[str, Any]:
    """The buyer as a row of customers.csv, with only what the document says (so a
    re-import leaves the rest of the customer as it is). An identifier or email that
    does not check out is left out, with a warning, rather than refusing the invoice."""
    buyer = doc.buyer
    country = buyer.country if buyer.country in COUNTRIES else ""
    if buyer.country and not country:
        warnings.append(f"buyer country {buyer.country!r} is not an ISO 3166 code: ignored")
    row = {
        "name": buyer.name[:200],
        "address": buyer.address[:300],
        "postal_code": buyer.postal_code[:20],
        "city": buyer.city[:100],
        "country": country,
        "email": _checked(buyer.email, _email, "email", warnings),
        "vat_number": _checked(buyer.vat_number, identifiers.vat_number, "VAT number", warnings),
        "registration_number": _checked(
            buyer.registration_number,
            lambda v: identifiers.company_number(v, country or creditor.country),
            "registration number",
            warnings,
        ),
    }
    row = {k: v for k, v in row.items() if v}
    row["customer"] = _known_code(creditor, row) or einvoice.customer_code(buyer)
    return row


def _known_code(creditor: Creditor, row: dict[str, Any]) -> str | None:
    """The account of a customer already filed with the buyer's VAT or registration
    number (imported from the accounting, say), so its invoices join it."""
    for name in ("vat_number", "registration_number"):
        if row.get(name):
            code = (
                Customer.objects.filter(creditor=creditor, **{name: row[name]})
                .order_by("pk")
                .values_list("code", flat=True)
                .first()
            )
            if code:
                return str(code)
    return None


def _email(value: str) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise DomainError("not an email address") from None
    return value


def _checked(value: str, check: Any, what: str, warnings: list[str]) -> str:
    if not value:
        return ""
    try:
        return str(check(value))
    except DomainError as exc:
        warnings.append(f"buyer {what} {value!r} left out: {exc}")
        return ""


def invoice_row(doc: einvoice.EInvoice, code: str, warnings: list[str]) -> dict[str, Any]:
    """The document as a row of invoices.csv. Amounts due below the total (a prepaid
    part, BT-113) become the `open_amount` the accounting reports."""

    def money(minor: int | None) -> str:
        # As an invoices.csv cell says it: the importer reads it back like any other.
        return "" if minor is None else format_minor(minor, doc.currency)

    terms = ""
    due = doc.due_date
    if due is None and doc.kind == InvoiceKind.CREDIT_NOTE:
        due = doc.issue_date  # a credit is there to use at once
    if due is None:
        net = einvoice.net_terms_in(doc.payment_terms)
        if net is not None:
            terms = str(net)
        else:
            warnings.append(
                f"{doc.number}: no due date (BT-9) nor net terms in days: due by the "
                "customer's payment terms, else the default terms"
            )
    partly_paid = 0 <= doc.due_amount < doc.total
    return {
        "number": doc.number,
        "customer": code,
        "customer_name": doc.buyer.name[:200],
        "kind": str(doc.kind),
        "issue_date": doc.issue_date,
        "due_date": due or "",
        "delivery_date": doc.delivery_date or "",
        "payment_terms": terms,
        "currency": doc.currency,
        "amount": money(doc.total),
        "amount_excl_tax": money(doc.total_excl_tax),
        "open_amount": money(doc.due_amount) if partly_paid else "",
        "po_number": doc.po_number[:60],
        "payment_reference": doc.payment_reference[:140],
        "payment_terms_text": doc.payment_terms[:300],
        "discount_percent": doc.discount.percent if doc.discount else "",
        "discount_days": str(doc.discount.days) if doc.discount else "",
    }


def _same_number(creditor: Creditor, doc: einvoice.EInvoice, warnings: list[str]) -> None:
    """Say so when the number is already taken by a document of another date: two
    documents with one number replace each other (the number is the invoice's key)."""
    earlier = (
        Invoice.objects.filter(creditor=creditor, number=doc.number)
        .values_list("issue_date", "customer__code", "currency")
        .first()
    )
    if earlier and earlier[0] != doc.issue_date:
        warnings.append(
            f"{doc.number} was already imported issued {earlier[0]} ({earlier[1]}, "
            f"{earlier[2]}): this document, issued {doc.issue_date}, replaces it"
        )


def _status(part: s.ImportResult) -> str:
    return "created" if part.created else "updated" if part.updated else "unchanged"


def _apply_credit(
    note: Invoice, doc: einvoice.EInvoice, actor: str, warnings: list[str]
) -> list[str]:
    """The invoices a credit note corrects that it was applied to now."""
    if note.kind != InvoiceKind.CREDIT_NOTE:
        return []
    applied = []
    for number in doc.corrects:
        invoice = Invoice.objects.filter(
            creditor_id=note.creditor_id, number=number, kind=InvoiceKind.INVOICE
        ).first()
        if invoice is None:
            warnings.append(
                f"credit note {note.number} corrects {number}, which is not in the ledger: "
                "it stays an unapplied credit (import it again once the invoice is in)"
            )
            continue
        try:
            if apply_credit_note(note, invoice, on=note.issue_date, actor=actor):
                applied.append(number)
        except DomainError as exc:
            warnings.append(f"credit note {note.number} not applied: {exc}")
        note.refresh_from_db()
    return applied


def _keep_pdf(invoice: Invoice, path: Path, actor: str) -> str:
    """The PDF kept as the invoice's document, once: its SHA-256."""
    digest = s._sha256(path)
    if not invoice.evidence.filter(sha256=digest).exists():
        with path.open("rb") as fh:
            add_evidence(
                invoice, File(fh, name=path.name), kind=EvidenceKind.INVOICE,
                description="Factur-X", actor=actor,
            )  # fmt: skip
    return digest
