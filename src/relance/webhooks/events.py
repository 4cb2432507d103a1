"""Which audit events are webhook events, and their payloads.

Every service already writes an audit event in its transaction; listening to those rows
means no service has to remember to emit a webhook, and a delivery is recorded in the
same transaction as the change it reports (an outbox: never lost, never sent for a change
rolled back). Delivery starts after the commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.utils import timezone

from relance.audit import Event

# audit verb -> webhook event
VERBS = {
    "action.sent": "action.sent",
    "promise.broken": "promise.broken",
    "dispute.opened": "dispute.opened",
    "statement_line.matched": "payment.matched",
    "plan.defaulted": "plan.defaulted",
}


def _subject(ev: Event) -> dict[str, Any]:
    """The record the event is about, as the API shows it."""
    from relance.api.bank import line_row
    from relance.api.collection import action_row, plan_row
    from relance.bank.models import StatementLine
    from relance.collection import queries
    from relance.collection.models import Action, Dispute, PaymentPlan, Promise

    if ev.verb == "action.sent":
        return {"action": action_row(Action.objects.get(pk=ev.subject_id))}
    if ev.verb == "promise.broken":
        return {"promise": queries.promise_json(Promise.objects.get(pk=ev.data["promise"]))}
    if ev.verb == "dispute.opened":
        dispute = Dispute.objects.select_related("invoice__customer").get(pk=ev.subject_id)
        return {"dispute": queries.dispute_json(dispute, timezone.localdate())}
    if ev.verb == "plan.defaulted":
        return {"plan": plan_row(PaymentPlan.objects.get(pk=ev.subject_id))}
    return {"statement_line": line_row(StatementLine.objects.get(pk=ev.subject_id))}


def payload(ev: Event) -> dict[str, Any]:
    return {
        "id": ev.pk,
        "event": VERBS[ev.verb],
        "created_at": ev.at.isoformat(),
        "actor": ev.actor,
        "data": _subject(ev),
    }


def on_event(sender: Any, instance: Event, created: bool, **kwargs: Any) -> None:
    if not created or instance.verb not in VERBS or instance.creditor_id is None:
        return
    from relance.webhooks import services

    if services.record_deliveries(instance):
        transaction.on_commit(services.wake_deliverer)


def connect() -> None:
    post_save.connect(on_event, sender=Event, dispatch_uid="relance.webhooks")
