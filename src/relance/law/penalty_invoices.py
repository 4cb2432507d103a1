"""Penalty invoices ("factures de pénalités de retard et d'indemnité forfaitaire pour
frais de recouvrement"): for one late invoice, or every overdue invoice of a customer,
the penalties period by period exactly as `relance interest` computes them, the fixed
indemnity, the legal basis; numbered PEN-YYYY-NNNN per creditor, kept as issued (PDF and
SHA-256) and audited.

A penalty invoice is a stored document per customer, not an open item of the ledger:
docs/law.md says why.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel.numbers import format_decimal
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import to_locale

from relance import audit
from relance.channels import documents
from relance.channels.documents import day, money
from relance.core.errors import DomainError
from relance.core.law import for_country
from relance.core.penalties import penalty_invoice_number
from relance.law.interest import Due, claimable, covered
from relance.ledger.models import Creditor, Customer, Invoice, PenaltyInvoice

PAYMENT_DAYS = documents.DEADLINE_DAYS  # the same deadline as the firm letters


@dataclass(frozen=True)
class Line:
    """One late invoice on a penalty invoice: its figures, and what earlier penalty
    invoices already claimed for it (penalties keep running; the indemnity is owed once)."""

    invoice: Invoice
    found: Due
    already_penalties: int = 0
    already_indemnity: int = 0
    already_on: tuple[str, ...] = ()

    @property
    def penalties(self) -> int:
        return max(0, self.found.penalties - self.already_penalties)

    @property
    def indemnity(self) -> int:
        return max(0, self.found.indemnity - self.already_indemnity)

    @property
    def owed(self) -> int:
        return self.penalties + self.indemnity


def late_invoices(customer: Customer, as_of: date) -> list[Invoice]:
    """The customer's open invoices past due on `as_of`, oldest first."""
    return list(
        customer.invoices.filter(kind="invoice", open_amount__gt=0, due_date__lt=as_of)
        .select_related("creditor", "customer")
        .order_by("due_date", "number")
    )


def lines(customer: Customer, invoices: list[Invoice], today: date) -> list[Line]:
    """What each invoice owes on `today` (law.interest.claimable), net of earlier penalty
    invoices; refuses when the law gives nothing to invoice (a consumer owes no business
    penalties)."""
    if not invoices:
        raise DomainError(f"{customer.code} has no invoice past due on {today}")
    currencies = {i.currency for i in invoices}
    if len(currencies) > 1:
        raise DomainError(
            f"{customer.code}'s late invoices are in {', '.join(sorted(currencies))}: "
            "issue one penalty invoice per invoice"
        )
    earlier: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    for issued in customer.penalty_invoices.order_by("pk"):
        for entry in issued.figures:
            pen, ind, numbers = earlier.get(entry["invoice"], (0, 0, ()))
            earlier[entry["invoice"]] = (
                pen + entry["owed_penalties"], ind + entry["owed_indemnity"],
                (*numbers, issued.number),
            )  # fmt: skip
    found = [
        Line(
            invoice,
            claimable(invoice, today),
            *earlier.get(invoice.number, (0, 0, ())),
        )
        for invoice in invoices
    ]
    if not any(line.owed for line in found):
        if customer.kind == "b2c":
            raise DomainError(
                f"{customer.code} is a consumer: no late-payment penalties or fixed "
                "indemnity of a business debtor are owed (interest at the legal rate runs "
                "only from a formal notice)"
            )
        claimed = sorted({n for line in found for n in line.already_on})
        if claimed:
            raise DomainError(
                f"nothing to invoice: what is owed on {today} was invoiced already "
                f"({', '.join(claimed)})"
            )
        raise DomainError(f"nothing to invoice: no penalty or indemnity owed on {today}")
    return found


def legal_basis(country: str, debtor: str) -> str:
    """The texts the claim rests on, in the active language."""
    code = for_country(country).code
    if code == "FR":
        if debtor == "public":
            return _(
                "Late-payment interest and the fixed indemnity for recovery costs of 40 EUR "
                "are due as of right: French Public Procurement Code, art. R2192-31 and "
                "R2192-36."
            )
        return _(
            "Late-payment penalties are due from the day after the due date, without a "
            "reminder being necessary (French Commercial Code, art. L441-10 II); a fixed "
            "indemnity for recovery costs of 40 EUR is due for each invoice paid late "
            "(art. L441-10 II and D441-5)."
        )
    texts = {
        "DE": _("German Civil Code (BGB), § 288: default interest and the 40 EUR flat fee."),
        "GB": _("Late Payment of Commercial Debts (Interest) Act 1998: interest and fixed sum."),
        "BE": _("Belgian law of 2 August 2002 on late payment in commercial transactions."),
        "ES": _("Spanish Law 3/2004 on late payment in commercial transactions."),
        "IT": _("Italian Legislative Decree 231/2002 on late payment in commercial transactions."),
    }
    return texts.get(
        code, _("Directive 2011/7/EU on combating late payment in commercial transactions.")
    )


def context(
    customer: Customer, found: list[Line], *, number: str, issued_on: date, as_of: date,
    requested: date, language: str,
) -> dict[str, Any]:  # fmt: skip
    """The penalty invoice as plain strings in the debtor's language."""
    creditor: Creditor = customer.creditor
    currency = found[0].invoice.currency
    locale = to_locale(language)

    def m(minor: int) -> str:
        return money(minor, currency, language)

    sections = []
    for line in found:
        inv, fig = line.invoice, line.found
        paid = [
            (a_date, amount)
            for a_date, amount in inv.allocations.order_by("date").values_list("date", "amount")
            if a_date <= requested
        ]
        sections.append({
            "number": inv.number,
            "issue_date": day(inv.issue_date, language),
            "due_date": day(inv.due_date, language),
            "amount": m(inv.amount),
            "paid": m(sum(amount for _day, amount in paid) + inv.settled_elsewhere),
            "payments": [{"date": day(d, language), "amount": m(a)} for d, a in paid],
            "days_late": fig.days_late,
            "periods": [
                {
                    "from": day(p.start, language), "to": day(p.end, language),
                    "days": p.days, "base": m(p.base),
                    "rate": format_decimal(p.rate, "0.00", locale=locale),
                    "amount": m(p.amount),
                }
                for p in fig.periods
            ],
            "penalties": m(fig.penalties),
            "indemnity": m(fig.indemnity),
            "already": m(line.found.penalties + line.found.indemnity - line.owed)
            if line.already_on
            else "",
            "already_on": ", ".join(line.already_on),
            "due": m(line.owed),
        })  # fmt: skip
    penalties = sum(line.penalties for line in found)
    indemnity = sum(line.indemnity for line in found)
    total = penalties + indemnity
    with translation.override(language):
        title = _("Invoice for late-payment penalties and the fixed indemnity for recovery costs")
        basis = legal_basis(creditor.country, customer.kind)
    return {
        **documents.parties(customer),
        "language": language,
        "title": title,
        "number": number,
        "today": day(issued_on, language),
        "deadline": day(issued_on + timedelta(days=PAYMENT_DAYS), language),
        "as_of": day(as_of, language),
        "partial": as_of < requested,
        "sections": sections,
        "penalties": m(penalties),
        "indemnity": m(indemnity),
        "total": m(total),
        "total_minor": total,
        "pay_minor": total,  # what the QR code asks for
        "currency": currency,
        "basis": basis,
        # LAW.md section 1 (source [7]): the 40 EUR indemnity bears no VAT. Nothing is
        # said of the penalties, for want of a cited source.
        "no_vat": creditor.country == "FR" and indemnity > 0,
        "payment": documents.payment(customer, currency, total),
        "portal_url": "",
        "other_items": [],
        "credit_notes": [],
    }


def render(ctx: dict[str, Any]) -> bytes:
    qr = documents.qr_code(ctx)
    with translation.override(ctx["language"]):
        html = render_to_string(
            "channels/penalty_invoice.html",
            {"c": ctx, "registered": False, "qr_src": qr.svg_data_uri(scale=3) if qr else ""},
        )
    return documents.pdf(html)


@transaction.atomic
def issue(
    customer: Customer, invoices: list[Invoice] | None, *, today: date, actor: str
) -> PenaltyInvoice:
    """Number, render, store and audit a penalty invoice for `invoices` (None: every
    late invoice of the customer), with the penalties as of `today`, or as of the last
    day the rate tables cover ("arrêtées au") when they stop earlier."""
    # One issue at a time per creditor: the number, and what earlier penalty invoices
    # claimed already, are read under this lock.
    creditor = Creditor.objects.select_for_update().get(pk=customer.creditor_id)
    as_of = covered(today)
    chosen = late_invoices(customer, today) if invoices is None else invoices
    if any(i.customer_id != customer.pk for i in chosen):
        raise DomainError(f"every invoice must be {customer.code}'s")
    late = [i for i in chosen if i.kind == "invoice" and i.due_date < today]
    if invoices is not None and len(late) < len(chosen):
        numbers = ", ".join(i.number for i in chosen if i not in late)
        raise DomainError(f"{numbers}: not an invoice past due on {today}")
    found = lines(customer, late, today)
    year = today.year
    last = creditor.penalty_invoices.filter(year=year).aggregate(n=Max("sequence"))["n"] or 0
    number = penalty_invoice_number(year, last + 1)
    language = documents.language_of(customer)
    ctx = context(
        customer, found, number=number, issued_on=today, as_of=as_of, requested=today,
        language=language,
    )  # fmt: skip
    pdf = render(ctx)
    figures = [
        line.found.as_json() | {"owed_penalties": line.penalties, "owed_indemnity": line.indemnity}
        for line in found
    ]
    issued = PenaltyInvoice(
        creditor=creditor, customer=customer, year=year, sequence=last + 1, number=number,
        issued_on=today, as_of=as_of, currency=ctx["currency"], language=language,
        penalties=sum(line.penalties for line in found),
        indemnity=sum(line.indemnity for line in found),
        total=ctx["total_minor"], figures=figures,
        sha256=hashlib.sha256(pdf).hexdigest(), issued_by=actor,
    )  # fmt: skip
    issued.document.save(f"{number}.pdf", ContentFile(pdf), save=False)
    issued.save()
    issued.invoices.set(late)
    audit.record(
        actor, "penalty_invoice.issued", customer,
        {"number": number, "invoices": [i.number for i in late], "as_of": str(as_of),
         "total": issued.total, "currency": issued.currency, "sha256": issued.sha256},
        creditor_id=creditor.pk,
    )  # fmt: skip
    return issued


def read(issued: PenaltyInvoice) -> bytes:
    """The PDF exactly as issued."""
    with issued.document.open("rb") as f:
        return f.read()


def as_json(issued: PenaltyInvoice) -> dict[str, Any]:
    """The issued penalty invoice for `--json`: its number, its totals and, per invoice,
    the document of `relance interest` it carries."""
    from relance.core.money import format_minor

    def amount(minor: int) -> str:
        return format_minor(minor, issued.currency)

    return {
        "number": issued.number,
        "customer": issued.customer.code,
        "issued_on": issued.issued_on.isoformat(),
        "as_of": issued.as_of.isoformat(),
        "currency": issued.currency,
        "invoices": [
            {k: v for k, v in f.items() if not k.startswith("owed_")}
            | {"due": amount(f["owed_penalties"] + f["owed_indemnity"])}
            for f in issued.figures
        ],
        "penalties": amount(issued.penalties),
        "indemnity": amount(issued.indemnity),
        "total": amount(issued.total),
        "sha256": issued.sha256,
    }
