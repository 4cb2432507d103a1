"""Risk forms of the customer page and the worklist: record a cover, an external score,
a credit limit, a declaration to the insurer. Writes go through services."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import access
from relance.core.errors import DomainError
from relance.core.money import typed_minor
from relance.core.roles import Permission
from relance.ledger.models import Customer
from relance.ledger.services import set_credit_limit
from relance.ledger.views import customer_of, form_date, invoice_of, redirect_back
from relance.risk import services


def _customer(request: HttpRequest, code: str) -> Customer:
    return customer_of(request, code)


def _int(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise DomainError(_("%(value)r is not a whole number") % {"value": text})
    return int(text)


@access(post=Permission.MANAGE)
@require_POST
def cover(request: HttpRequest, code: str) -> HttpResponse:
    customer = _customer(request, code)
    currency = request.POST.get("currency", "").strip().upper() or customer.creditor.currency
    try:
        services.add_cover(
            customer, insurer=request.POST.get("insurer", ""),
            amount=typed_minor(request.POST.get("amount", "") or "0", currency),
            currency=currency, declaration_days=_int(request.POST.get("declaration_days", "")) or 0,
            starts_on=form_date(request, "starts_on") or timezone.localdate(),
            ends_on=form_date(request, "ends_on"), policy=request.POST.get("policy", ""),
            notes=request.POST.get("notes", ""), actor=request.user.get_username(),
        )  # fmt: skip
        messages.success(request, _("Credit insurance cover recorded."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("customer", args=[customer.code]))


@access(post=Permission.MANAGE)
@require_POST
def score(request: HttpRequest, code: str) -> HttpResponse:
    customer = _customer(request, code)
    try:
        services.record_score(
            customer, provider=request.POST.get("provider", ""),
            grade=request.POST.get("grade", ""), value=_int(request.POST.get("value", "")),
            on=form_date(request, "on") or timezone.localdate(),
            actor=request.user.get_username(),
        )  # fmt: skip
        messages.success(request, _("External credit score recorded."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("customer", args=[customer.code]))


@access(post=Permission.MANAGE)
@require_POST
def limit(request: HttpRequest, code: str) -> HttpResponse:
    customer = _customer(request, code)
    text = request.POST.get("limit", "").strip()
    try:
        amount = typed_minor(text, customer.creditor.currency) if text else None
        set_credit_limit(customer, amount, actor=request.user.get_username())
        messages.success(request, _("Credit limit saved."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("customer", args=[customer.code]))


@access(post=Permission.MANAGE)
@require_POST
def declare(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_of(request, number)
    try:
        services.declare(
            invoice, on=form_date(request, "on") or timezone.localdate(),
            reference=request.POST.get("reference", ""), actor=request.user.get_username(),
        )  # fmt: skip
        messages.success(request, _("%(number)s declared to the insurer.") % {"number": number})
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("worklist"))
