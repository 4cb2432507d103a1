"""Reads of prediction: the creditor's invoices as the predictor sees them, the model,
and the open items ranked by amount at risk."""

from __future__ import annotations

import pickle
from datetime import date
from typing import Any

import sklearn
from django.db.models import Max, OuterRef, QuerySet, Subquery

from relance.core.ledger import InvoiceKind
from relance.core.money import format_minor
from relance.core.prediction import InvoiceRecord, PaymentModel
from relance.ledger.models import Allocation, Creditor, Invoice
from relance.ledger.queries import NotFound
from relance.prediction.models import InvoicePrediction, TrainedModel


def records(creditor: Creditor, day: date) -> tuple[list[InvoiceRecord], dict[InvoiceRecord, int]]:
    """(every invoice the history shows on `day`, the open items to predict and their
    open amounts). On a past `day`, what was issued or settled after it is not seen.

    A paid invoice is settled on the date of the allocation that closed it (its latest).
    Invoices settled outside Relance or written off have no payment date to learn from
    and are left out; credit notes are no open items.
    """
    # A subquery rather than a join grouped by invoice: SQLite would group by every
    # column of the invoice (9.4 s against 4.1 on a million invoices, bench/README.md).
    settled = Allocation.objects.filter(invoice=OuterRef("pk")).values("invoice")
    rows = (
        Invoice.objects.filter(
            creditor=creditor, kind=InvoiceKind.INVOICE, amount__gt=0, issue_date__lte=day
        )
        .annotate(settled_on=Subquery(settled.annotate(last=Max("date")).values("last")))
        .values_list(
            "pk",
            "customer_id",
            "issue_date",
            "due_date",
            "amount",
            "currency",
            "open_amount",
            "settled_on",
            "written_off",
            "settled_elsewhere",
        )
        .order_by("pk")
    )
    history: list[InvoiceRecord] = []
    open_items: dict[InvoiceRecord, int] = {}
    for pk, customer, issued, due, amount, currency, open_amount, settled, off, elsewhere in rows:
        if off or elsewhere:
            continue
        paid = open_amount == 0
        if paid and settled is None:
            continue
        settled_then = paid and settled <= day
        record = InvoiceRecord(
            key=str(pk), customer=str(customer), issue_date=issued, due_date=due,
            amount=amount, currency=currency, settled_on=settled if settled_then else None,
        )  # fmt: skip
        history.append(record)
        if not paid:
            open_items[record] = open_amount
    return history, open_items


class StaleModel(NotFound):
    pass


def trained(creditor: Creditor) -> TrainedModel:
    try:
        return TrainedModel.objects.get(creditor=creditor)
    except TrainedModel.DoesNotExist:
        raise NotFound("no payment model yet: run `relance predict train` first") from None


def load(row: TrainedModel) -> PaymentModel:
    """The pickled models; a pickle from another scikit-learn version must be retrained."""
    if row.library_version != sklearn.__version__:
        raise StaleModel(
            f"the payment model was trained with scikit-learn {row.library_version}, "
            f"this is {sklearn.__version__}: run `relance predict train` again"
        )
    model: PaymentModel = pickle.loads(bytes(row.blob))  # our own table, written by train
    return model


def model_json(row: TrainedModel) -> dict[str, Any]:
    return {
        "trained_at": row.trained_at.isoformat(),
        "as_of": row.as_of.isoformat(),
        "training_rows": row.training_rows,
        "validation_rows": row.validation_rows,
        "mae_days": row.mae_days,
        "accuracy": row.accuracy,
        "baseline_mae_days": row.baseline_mae_days,
        "baseline_accuracy": row.baseline_accuracy,
    }


def at_risk(creditor: Creditor) -> QuerySet[InvoicePrediction]:
    """Predictions of the creditor's open items, the largest amount at risk first."""
    return (
        InvoicePrediction.objects.filter(creditor=creditor, invoice__open_amount__gt=0)
        .select_related("invoice", "invoice__customer")
        .order_by("-amount_at_risk", "invoice__due_date", "invoice__number")
    )


def prediction_json(p: InvoicePrediction) -> dict[str, Any]:
    inv = p.invoice
    return {
        "invoice": inv.number,
        "customer": inv.customer.code,
        "due_date": inv.due_date.isoformat(),
        "open_amount": format_minor(inv.open_amount, inv.currency),
        "currency": inv.currency,
        "payment_date": p.payment_date.isoformat(),
        "p_late": round(p.p_late, 4),
        "p_very_late": round(p.p_very_late, 4),
        "amount_at_risk": format_minor(p.amount_at_risk, p.currency),
        "as_of": p.as_of.isoformat(),
    }
