"""What the risk figures are called on screen and on the command line, in the user's
language: the core returns keys and measures only."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relance.core.risk import (
    Contribution,
    DeclarationAlert,
    ExposureLevel,
    Factor,
    Reason,
    RiskClass,
    Terms,
)

FACTORS = {
    Factor.DAYS_LATE: gettext_lazy("average days late (weighted by amount, last 12 months)"),
    Factor.TREND: gettext_lazy("trend: days late in the last 3 months against before"),
    Factor.LATE_SHARE: gettext_lazy("share of invoices paid late"),
    Factor.BROKEN_PROMISES: gettext_lazy("promises to pay broken (last 12 months)"),
    Factor.OPEN_DISPUTES: gettext_lazy("open disputes"),
    Factor.OVERDUE_SHARE: gettext_lazy("overdue share of the open amount"),
    Factor.LIMIT_USE: gettext_lazy("exposure against the credit limit"),
    Factor.EXTERNAL_SCORE: gettext_lazy("external credit score (0 worst to 100 best)"),
    Factor.RELATIONSHIP: gettext_lazy("age of the relationship"),
    Factor.PREDICTED: gettext_lazy("predicted probability of paying more than 30 days late"),
}

CLASSES = {
    RiskClass.LOW: gettext_lazy("low"),
    RiskClass.MEDIUM: gettext_lazy("medium"),
    RiskClass.HIGH: gettext_lazy("high"),
    RiskClass.VERY_HIGH: gettext_lazy("very high"),
}

TERMS = {
    Terms.NORMAL: gettext_lazy("normal payment terms"),
    Terms.SHORTER: gettext_lazy("shorter payment terms and a closer watch"),
    Terms.DEPOSIT: gettext_lazy("a deposit at order, the rest at shorter terms"),
    Terms.ADVANCE: gettext_lazy("payment in advance (cash before delivery)"),
    Terms.STOP: gettext_lazy("no new credit until the exposure is back under the limit"),
}

REASONS = {
    Reason.LOW_RISK: gettext_lazy("low risk"),
    Reason.MEDIUM_RISK: gettext_lazy("medium risk"),
    Reason.HIGH_RISK: gettext_lazy("high risk"),
    Reason.VERY_HIGH_RISK: gettext_lazy("very high risk"),
    Reason.NEAR_LIMIT: gettext_lazy("exposure at 80 % of the credit limit or more"),
    Reason.OVER_LIMIT: gettext_lazy("exposure over the credit limit"),
}

EXPOSURE = {
    ExposureLevel.OK: gettext_lazy("under 80 % of the limit"),
    ExposureLevel.WARNING: gettext_lazy("80 % of the limit or more"),
    ExposureLevel.OVER: gettext_lazy("over the limit"),
}

DECLARATION = {
    DeclarationAlert.DUE_SOON: gettext_lazy("to declare soon"),
    DeclarationAlert.LATE: gettext_lazy("deadline passed"),
}


def percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).quantize(Decimal(1))} %"


def measure(c: Contribution) -> str:
    """The factor's figure as a person reads it: "45 days", "80 %", "2"."""
    value = c.measure
    if c.key in (Factor.DAYS_LATE, Factor.TREND):
        days = value.quantize(Decimal(1))
        sign = "+" if c.key == Factor.TREND and days > 0 else ""
        return _("%(sign)s%(days)s days") % {"sign": sign, "days": days}
    if c.key in (Factor.LATE_SHARE, Factor.OVERDUE_SHARE, Factor.LIMIT_USE, Factor.PREDICTED):
        return percent(value)
    if c.key == Factor.EXTERNAL_SCORE:
        return f"{value}/100"
    if c.key == Factor.RELATIONSHIP:
        if value < 0:
            return _("no invoice yet")
        return _("%(days)s days") % {"sign": "", "days": value}
    return str(value)


def terms_text(terms: Terms, deposit_percent: int | None) -> str:
    if terms == Terms.DEPOSIT and deposit_percent is not None:
        return _("a deposit of %(percent)d %% at order, the rest at shorter terms") % {
            "percent": deposit_percent
        }
    return str(TERMS[terms])
