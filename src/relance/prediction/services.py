"""Writers of prediction: train the creditor's models, refresh the open items' predictions."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sklearn
from django.db import transaction
from django.utils import timezone

from relance import audit
from relance.core import prediction as core
from relance.ledger.models import Creditor
from relance.prediction import queries
from relance.prediction.models import InvoicePrediction, TrainedModel

# Fewer paid invoices than this and a model would only learn noise.
MIN_TRAINING_ROWS = 30


class NotEnoughHistory(ValueError):
    pass


def train(creditor: Creditor, today: date, *, actor: str) -> TrainedModel:
    """Validate on the latest fifth of the paid invoices, learnt from the rest, against
    the per-customer mean; then learn from them all and keep the model."""
    history, _open = queries.records(creditor, today)
    settled = [r for r in history if r.settled_on is not None]
    if len(settled) < MIN_TRAINING_ROWS:
        raise NotEnoughHistory(
            f"{len(settled)} paid invoices: at least {MIN_TRAINING_ROWS} are needed to learn"
        )
    checked = core.validate(history)
    model = core.train(core.History(history), settled)
    model.residuals = checked.residuals
    values: dict[str, Any] = {
        "blob": pickle.dumps(model),
        "library_version": sklearn.__version__,
        "trained_at": timezone.now(),
        "as_of": today,
        "training_rows": model.rows,
        "validation_rows": checked.model.rows,
        "mae_days": checked.model.mae_days,
        "accuracy": checked.model.accuracy,
        "baseline_mae_days": checked.baseline.mae_days,
        "baseline_accuracy": checked.baseline.accuracy,
    }
    with transaction.atomic():
        row, _created = TrainedModel.objects.update_or_create(creditor=creditor, defaults=values)
        audit.record(actor, "prediction.trained", creditor, queries.model_json(row),
                     creditor_id=creditor.pk)  # fmt: skip
    return row


def needs_training(creditor: Creditor, today: date, max_age_days: int) -> bool:
    """No model yet, one older than `max_age_days`, or one this scikit-learn cannot load."""
    row = TrainedModel.objects.filter(creditor=creditor).first()
    if row is None or row.as_of < today - timedelta(days=max_age_days):
        return True
    try:
        queries.load(row)
    except queries.StaleModel:
        return True
    return False


@dataclass(frozen=True)
class Refreshed:
    predicted: int
    as_of: date


def refresh(creditor: Creditor, today: date, *, actor: str) -> Refreshed:
    """Predict every open item as of `today`, replacing the previous predictions."""
    model = queries.load(queries.trained(creditor))
    history, open_items = queries.records(creditor, today)
    items = list(open_items)
    predicted = model.predict(core.History(history), items, as_of=today)
    rows = []
    for record, p in zip(items, predicted, strict=True):
        rows.append(
            InvoicePrediction(
                invoice_id=int(p.key), creditor=creditor, as_of=today,
                payment_date=p.payment_date, p_late=p.p_late, p_very_late=p.p_very_late,
                currency=record.currency,
                amount_at_risk=core.amount_at_risk(
                    open_items[record], record.currency, p.p_very_late
                ),
            )
        )  # fmt: skip
    with transaction.atomic():
        InvoicePrediction.objects.filter(creditor=creditor).delete()
        InvoicePrediction.objects.bulk_create(rows, batch_size=2000)
        audit.record(actor, "prediction.refreshed", creditor,
                     {"as_of": today, "open_items": len(rows)}, creditor_id=creditor.pk)  # fmt: skip
    return Refreshed(len(rows), today)
