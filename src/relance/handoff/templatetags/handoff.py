"""The hand-off panel of the customer page: the open case, or the form to hand off."""

from __future__ import annotations

from typing import Any

from django import template

from relance.handoff import queries
from relance.handoff.models import Partner
from relance.ledger.models import Customer

register = template.Library()


@register.inclusion_tag("handoff/_customer.html")
def handoff_panel(customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "case": queries.open_case(customer),
        "partners": Partner.objects.filter(creditor_id=customer.creditor_id).order_by("name"),
        "invoices": customer.invoices.filter(kind="invoice", open_amount__gt=0).order_by(
            "due_date", "number"
        ),
    }
