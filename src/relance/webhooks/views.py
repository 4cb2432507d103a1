"""The webhook log: endpoints and their deliveries, newest first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from relance.accounts.access import access, current_creditor
from relance.core.roles import Permission
from relance.webhooks.models import WebhookDelivery, WebhookEndpoint


@access(Permission.ADMIN)
def deliveries(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    rows = (
        WebhookDelivery.objects.filter(endpoint__creditor=creditor)
        .select_related("endpoint")
        .order_by("-pk")[:200]
    )
    endpoints = WebhookEndpoint.objects.filter(creditor=creditor).order_by("pk")
    return render(request, "webhooks/deliveries.html",
                  {"deliveries": rows, "endpoints": endpoints, "nav": "webhooks"})  # fmt: skip
