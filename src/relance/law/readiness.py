"""Claim readiness of one invoice, from what the ledger holds (relance.core.readiness)."""

from __future__ import annotations

from datetime import date

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from relance.collection.queries import acknowledgements
from relance.core import readiness
from relance.core.law import deadline, for_country
from relance.ledger.models import Invoice

LABELS = {
    "no_agreement_proof": _("No signed quote, purchase order or contract attached."),
    "no_delivery_proof": _("No proof of delivery attached."),
    "nothing_open": _("Nothing is open."),
    "unapplied_credits": _("Unapplied credit notes to net off first."),
    "not_due": _("Not yet due."),
    "disputed": _("Disputed."),
    "prescribed": _("Prescribed."),
}


def of_invoice(invoice: Invoice, today: date) -> readiness.Readiness:
    credits = (
        invoice.customer.invoices.filter(currency=invoice.currency, open_amount__lt=0).aggregate(
            total=Sum("open_amount")
        )["total"]
        or 0
    )
    acknowledged = acknowledgements(Invoice.objects.filter(pk=invoice.pk), today)
    last_day = deadline(
        for_country(invoice.creditor.country),
        invoice.customer.kind,
        invoice.delivery_date or invoice.issue_date,
        acknowledged.get(invoice.pk, []),
    )
    return readiness.check(
        evidence=set(invoice.evidence.values_list("kind", flat=True)),
        open_amount=invoice.open_amount,
        credits=-credits,
        due=invoice.due_date,
        today=today,
        disputed=invoice.disputes.filter(closed_on__isnull=True).exists(),
        prescribed=last_day is not None and last_day < today,
    )
