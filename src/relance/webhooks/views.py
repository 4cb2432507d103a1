"""The webhook log: endpoints and their deliveries, newest first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from relance.ledger.views import current_creditor
from relance.webhooks.models import WebhookDelivery, WebhookEndpoint


@login_required
def deliveries(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor()
    rows = (
        WebhookDelivery.objects.filter(endpoint__creditor=creditor)
        .select_related("endpoint")
        .order_by("-pk")[:200]
    )
    endpoints = WebhookEndpoint.objects.filter(creditor=creditor).order_by("pk")
    return render(request, "webhooks/deliveries.html",
                  {"deliveries": rows, "endpoints": endpoints, "nav": "webhooks"})  # fmt: skip
