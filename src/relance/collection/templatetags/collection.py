"""Why the engine left a customer aside, in the page's language (the core gives keys)."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from relance.core.engine import SkipReason

register = template.Library()

SKIP_REASONS = {
    SkipReason.DISPUTE: _("disputed"),
    SkipReason.PROMISE: _("promised to pay"),
    SkipReason.PAYMENT_PLAN: _("in a payment plan"),
    SkipReason.MIN_GAP: _("contacted too recently"),
    SkipReason.BELOW_THRESHOLD: _("below the minimum amount"),
    SkipReason.NON_BUSINESS_DAY: _("not a business day"),
    SkipReason.ON_HOLD: _("on hold"),
    SkipReason.HANDED_OFF: _("handed off"),
    SkipReason.NOT_DUE: _("nothing due yet"),
    SkipReason.PRESCRIBED: _("time-barred"),
}


@register.filter
def skip_reason(key: str) -> str:
    """A skip reason's words; an unknown key is shown as it is."""
    return str(SKIP_REASONS.get(key, key))
