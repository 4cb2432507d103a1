"""A reminder sent from the outbox is an `action.sent` webhook event (docs/webhooks.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import override_settings

from relance.channels import outbox
from relance.collection.services import install_default_scenarios, run_collection
from relance.webhooks import services
from relance.webhooks.models import WebhookDelivery

from .conftest import MONDAY


@override_settings(WEBHOOK_ALLOWED_HOSTS=["127.0.0.1"])
def test_a_sent_reminder_records_an_action_sent_delivery(
    creditor: Any, billed: Any, smtp: Any
) -> None:
    install_default_scenarios(creditor, actor="t")
    services.add_endpoint(creditor, "http://127.0.0.1:9/hooks", events=["action.sent"],
                          actor="t")  # fmt: skip
    run_collection(creditor, MONDAY + timedelta(days=3), actor="t")
    assert WebhookDelivery.objects.count() == 0  # planned is not sent
    outbox.send(today=MONDAY + timedelta(days=3))
    delivery = WebhookDelivery.objects.get()
    action = delivery.payload["data"]["action"]
    assert (delivery.event, action["customer"], action["status"]) == ("action.sent", "C001", "sent")
    assert action["invoices"] == ["F1", "F2"]
    assert action["amount"] == "1500.00"
