"""The debtor's pages. Every view opens the link its token names (or answers a plain
404/410 that says neither whose nor why), counts the request against the per-address and
per-link limits, and looks every item up among that customer's own: an item id from
another account is simply not found.

Nothing here logs: Django's request log names the path only, and a token carries no
name, no email and no amount.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from relance.channels import documents, wording
from relance.collection.models import Dispute, DisputeReasonChoices, PaymentPlan, Promise
from relance.core.errors import DomainError
from relance.core.money import typed_minor
from relance.core.plans import CURRENT
from relance.core.promises import PromiseStatus
from relance.ledger.models import Customer, EvidenceKind, Invoice
from relance.ledger.queries import open_items
from relance.ledger.templatetags.money import format_money
from relance.portal import links, ratelimit, services
from relance.portal.models import PortalLink

View = Callable[..., HttpResponse]


def refused(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, "portal/refused.html", {"status": status}, status=status)


def portal_view(view: View) -> View:
    """Rate limits, then the link, then the customer's language (or the one chosen)."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, **kwargs: Any) -> HttpResponse:
        now = time.time()
        limit = settings.PORTAL_RATE_PER_MINUTE
        address = request.META.get("REMOTE_ADDR", "")
        if not (
            ratelimit.allowed("ip", address, limit, now=now)
            and ratelimit.allowed("link", token, limit, now=now)
        ):
            return render(request, "portal/refused.html", {"status": 429}, status=429)
        try:
            link = links.opened(token)
        except links.LinkRefused as exc:
            return refused(request, 410 if exc.why == links.Refused.GONE else 404)
        chosen = request.GET.get("lang") or request.POST.get("lang") or ""
        lang = chosen if chosen in wording.LANGUAGES else documents.language_of(link.customer)
        with translation.override(lang):
            request.LANGUAGE_CODE = lang
            response = view(request, link, token, lang, **kwargs)
        response.headers.setdefault("Cache-Control", "no-store")
        # The token is in the address: no other site sees it (and "no-referrer" would make
        # browsers send "Origin: null", which the CSRF check refuses).
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    return wrapper


def _home(token: str, lang: str) -> str:
    return reverse("portal:home", args=[token]) + f"?lang={lang}"


def _chosen(customer: Customer, request: HttpRequest) -> list[Invoice]:
    """The invoices ticked in a form, among the customer's own open ones only."""
    ids = [int(v) for v in request.POST.getlist("invoice") if v.isdigit()]
    found = list(open_items(customer).filter(kind="invoice", pk__in=ids))
    if len(found) != len(set(ids)):
        raise DomainError(_("Unknown invoice."))
    return found


def _date(request: HttpRequest, name: str) -> date:
    try:
        return date.fromisoformat(request.POST.get(name, ""))
    except ValueError:
        raise DomainError(_("Give a date.")) from None


def _amount(request: HttpRequest, name: str, currency: str) -> int | None:
    text = request.POST.get(name, "").strip()
    if not text:
        return None
    try:
        return typed_minor(text, currency)
    except (DomainError, ValueError):
        raise DomainError(_("The amount is not a number.")) from None


@require_GET
@portal_view
def home(request: HttpRequest, link: PortalLink, token: str, lang: str) -> HttpResponse:
    customer: Customer = link.customer
    today = timezone.localdate()
    items = list(open_items(customer))
    disputed = set(
        Dispute.objects.filter(invoice__customer=customer, closed_on__isnull=True).values_list(
            "invoice_id", flat=True
        )
    )
    promised: dict[int, date] = {}
    for p in Promise.objects.filter(customer=customer, status=PromiseStatus.OPEN):
        for inv in p.invoices.all():
            promised[inv.pk] = p.promised_date
    planned = set(
        PaymentPlan.objects.filter(customer=customer, status__in=CURRENT).values_list(
            "invoices", flat=True
        )
    )
    rows = []
    for inv in items:
        if inv.pk in disputed:
            status = _("disputed")
        elif inv.pk in planned:
            status = _("in a payment plan")
        elif inv.pk in promised:
            status = _("payment promised for %(day)s") % {
                "day": documents.day(promised[inv.pk], lang)
            }
        elif inv.due_date < today:
            status = _("overdue")
        else:
            status = _("not yet due")
        rows.append({
            "pk": inv.pk, "number": inv.number, "kind": inv.kind,
            "due_date": documents.day(inv.due_date, lang),
            "days_overdue": max(0, (today - inv.due_date).days),
            "open_amount": format_money(inv.open_amount, inv.currency, lang),
            "status": status, "actionable": inv.kind == "invoice" and inv.pk not in disputed,
        })  # fmt: skip
    totals = {}
    for inv in items:
        totals[inv.currency] = totals.get(inv.currency, 0) + inv.open_amount
    payments = []
    for currency, total in sorted(totals.items()):
        if total <= 0:
            continue
        pay = documents.payment(customer, currency, total)
        qr = documents.qr_code(
            {"creditor": {"name": customer.creditor.name}, "payment": pay, "pay_minor": total}
        )
        payments.append({
            "currency": currency, "total": format_money(total, currency, lang), **pay,
            "qr_src": qr.svg_data_uri(scale=4) if qr else "",
        })  # fmt: skip
    return render(request, "portal/home.html", {
        "token": token, "lang": lang, "languages": settings.LANGUAGES,
        "creditor": customer.creditor, "customer": customer, "rows": rows,
        "payments": payments, "reasons": DisputeReasonChoices.choices,
        "today": today.isoformat(), "max_instalments": services.MAX_INSTALMENTS,
        "max_upload_mb": settings.PORTAL_MAX_UPLOAD_MB,
        "statement_currencies": sorted(totals),
    })  # fmt: skip


@require_GET
@portal_view
def invoice_file(
    request: HttpRequest, link: PortalLink, token: str, lang: str, pk: int
) -> HttpResponse:
    """The stored invoice document when there is one, else a copy drawn from the ledger."""
    invoice = link.customer.invoices.filter(pk=pk).first()
    if invoice is None:
        return refused(request, 404)
    stored = invoice.evidence.filter(kind=EvidenceKind.INVOICE).order_by("-pk").first()
    if stored is not None:
        return FileResponse(stored.file.open("rb"), as_attachment=True, filename=stored.filename)
    page = render(request, "portal/invoice_copy.html", {
        **documents.parties(link.customer), "invoice": invoice,
        "issue_date": documents.day(invoice.issue_date, lang),
        "due_date": documents.day(invoice.due_date, lang),
        "amount": format_money(invoice.amount, invoice.currency, lang),
        "open_amount": format_money(invoice.open_amount, invoice.currency, lang),
        "payment": documents.payment(link.customer, invoice.currency, invoice.open_amount),
    }).content.decode()  # fmt: skip
    word = "facture" if lang == "fr" else "invoice"
    return _pdf(documents.pdf(page), f"{word}-{invoice.number.replace('/', '-')}.pdf")


@require_GET
@portal_view
def statement(request: HttpRequest, link: PortalLink, token: str, lang: str) -> HttpResponse:
    currency = request.GET.get("currency") or link.customer.creditor.currency
    try:
        facts = documents.statement_facts(link.customer, timezone.localdate(), lang, currency)
    except DomainError:
        return refused(request, 404)
    page = documents.compose(facts, channel="statement", creditor=link.customer.creditor)
    return _pdf(documents.pdf(page.html), f"{documents.statement_name(lang)}.pdf")


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _act(
    request: HttpRequest, token: str, lang: str, done: str, act: Callable[[], object]
) -> HttpResponse:
    try:
        act()
        messages.success(request, done)
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(_home(token, lang))


@require_POST
@portal_view
def promise(request: HttpRequest, link: PortalLink, token: str, lang: str) -> HttpResponse:
    customer = link.customer

    def act() -> object:
        invoices = _chosen(customer, request)
        currency = invoices[0].currency if invoices else customer.creditor.currency
        return services.promise(
            customer, invoices, until=_date(request, "until"),
            amount=_amount(request, "amount", currency), today=timezone.localdate(),
        )  # fmt: skip

    return _act(request, token, lang, _("Thank you: your promise is recorded."), act)


@require_POST
@portal_view
def dispute(request: HttpRequest, link: PortalLink, token: str, lang: str) -> HttpResponse:
    customer = link.customer

    def act() -> object:
        invoices = _chosen(customer, request)
        if len(invoices) != 1:
            raise DomainError(_("Choose the invoice you dispute."))
        return services.dispute(
            customer, invoices[0], reason=request.POST.get("reason", ""),
            comment=request.POST.get("comment", "")[:2000],
            upload=request.FILES.get("attachment"), today=timezone.localdate(),
        )  # fmt: skip

    return _act(request, token, lang, _("Your dispute is recorded: we will answer you."), act)


@require_POST
@portal_view
def plan(request: HttpRequest, link: PortalLink, token: str, lang: str) -> HttpResponse:
    customer = link.customer

    def act() -> object:
        try:
            count = int(request.POST.get("count", ""))
        except ValueError:
            raise DomainError(_("Give the number of instalments.")) from None
        return services.propose_plan(
            customer, _chosen(customer, request), count=count,
            first=_date(request, "first"), today=timezone.localdate(),
        )  # fmt: skip

    done = _("Your request is recorded: we will tell you whether we accept it.")
    return _act(request, token, lang, done, act)


@require_POST
@portal_view
def paid(request: HttpRequest, link: PortalLink, token: str, lang: str) -> HttpResponse:
    customer = link.customer

    def act() -> object:
        invoices = _chosen(customer, request)
        currency = invoices[0].currency if invoices else customer.creditor.currency
        amount = _amount(request, "amount", currency)
        if amount is None:
            raise DomainError(_("Give the amount paid."))
        return services.already_paid(
            customer, invoices, paid_on=_date(request, "paid_on"), amount=amount,
            upload=request.FILES.get("proof"), today=timezone.localdate(),
        )  # fmt: skip

    done = _("Thank you: we will check the payment and hold our reminders meanwhile.")
    return _act(request, token, lang, done, act)
