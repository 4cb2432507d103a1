"""The customer page's portal panel: `{% load portal %}{% portal_panel customer %}`."""

from __future__ import annotations

from typing import Any

from django import template

from relance.ledger.models import Customer
from relance.portal import links

register = template.Library()


@register.inclusion_tag("portal/_customer_panel.html", takes_context=True)
def portal_panel(context: template.Context, customer: Customer) -> dict[str, Any]:
    link = links.active(customer) if links.enabled() else None
    return {
        "customer": customer,
        "enabled": links.enabled(),
        "link": link,
        "url": links.url(link) if link else "",
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
