"""The matching page: the statement lines to review, and the decisions on them.

Every action is a plain POST form that redirects back to the page; with htmx (the
HX-Request header) the same views answer with the line's rows only, swapped in place.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from relance.accounts.access import access, current_creditor
from relance.bank import review
from relance.bank.models import StatementLine
from relance.core.errors import DomainError, InvalidAmount
from relance.core.money import format_minor, typed_minor
from relance.core.roles import Permission
from relance.ledger.models import Allocation, Creditor, Customer
from relance.ledger.views import redirect_back

SHOWN = 200  # lines of each status on the page
RECENT = 50  # matched and ignored lines shown for an undo
INVOICES = 100  # open invoices offered when changing a match
# Why a match was proposed, in words (core.matching's evidence; "manual": a person).
REASONS = {
    "reference": gettext_lazy("the customer's payment reference (RF) is in the transfer"),
    "invoice_number": gettext_lazy("the invoice numbers are written in the transfer"),
    "iban": gettext_lazy("paid from an account this customer paid from before"),
    "name": gettext_lazy("the payer's name is the customer's"),
    "amount": gettext_lazy("the amount is exactly what the invoices owe"),
    "amount_sum": gettext_lazy("the amount is the sum of several open invoices"),
    "amount_close": gettext_lazy(
        "the amount is a little short of the invoices (a bank fee, a short payment)"
    ),
    "payment_reference": gettext_lazy("the invoice's own payment reference is in the transfer"),
    "customer_name": gettext_lazy("the customer's name is in the transfer"),
    "customer_name_partial": gettext_lazy("part of the customer's name is in the transfer"),
    "customer_name_shared": gettext_lazy(
        "words of the customer's name are in the transfer, but other customers have them too"
    ),
    "amount_unique": gettext_lazy("no other open invoice has this amount"),
    "amount_part": gettext_lazy("the amount pays the invoices in part"),
    "amount_over": gettext_lazy("the amount is more than the invoices: the rest is a credit"),
    "ambiguous": gettext_lazy("another match would fit as well: a person decides"),
    "held": gettext_lazy("another payment of this customer awaits review"),
    review.MANUAL: gettext_lazy("chosen by a person"),
}
VERBS = {
    "accept": gettext_lazy("Line %(line)s matched."),
    "ignore": gettext_lazy("Line %(line)s marked as not a customer payment."),
    "undo": gettext_lazy("Line %(line)s undone: its invoices are open again."),
}


def _entry(line: StatementLine, customers: dict[str, Customer]) -> dict[str, Any]:
    """What the page shows of a line: its proposal in words, its payment's allocations."""
    code = line.proposal.get("customer")
    payment = line.payment
    return {
        "line": line,
        "customer": customers.get(code) if code else None,
        "code": code,
        "parts": [{"number": n, "amount": a} for n, a in line.proposal.get("parts", [])],
        "reasons": [REASONS.get(r, r) for r in line.proposal.get("reasons", [])],
        "allocations": list(payment.allocations.all()) if payment else [],
        "open": line.match_status in review.OPEN_STATUSES,
    }


def _entries(creditor: Creditor, lines: list[StatementLine]) -> list[dict[str, Any]]:
    # Every line's payment, customer and allocations in three queries, whatever the
    # number of lines (one per line made the page grow with the statement).
    prefetch_related_objects(
        lines,
        "payment__customer",
        Prefetch(
            "payment__allocations",
            queryset=Allocation.objects.select_related("invoice").order_by("pk"),
        ),
    )
    codes = {line.proposal.get("customer") for line in lines} - {None}
    customers = {c.code: c for c in Customer.objects.filter(creditor=creditor, code__in=codes)}
    return [_entry(line, customers) for line in lines]


@access(Permission.VIEW_ALL)
def matching(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    return render(request, "bank/matching.html", {
        "review": _entries(creditor, review.to_review(creditor, SHOWN)),
        "settled": _entries(creditor, review.settled(creditor, RECENT)),
        "nav": "matching", "shown": SHOWN,
    })  # fmt: skip


def _line(creditor: Creditor, pk: int) -> StatementLine:
    line = StatementLine.objects.filter(creditor=creditor, pk=pk).first()
    if line is None:
        raise Http404(f"no statement line {pk}")
    return line


def _row(request: HttpRequest, creditor: Creditor, pk: int, error: str = "") -> HttpResponse:
    (entry,) = _entries(creditor, [_line(creditor, pk)])
    return render(request, "bank/_line.html", {"e": entry, "error": error})


@access(Permission.VIEW_ALL)
def line(request: HttpRequest, pk: int) -> HttpResponse:
    """One line's rows, as the page shows them (closing the change form)."""
    return _row(request, current_creditor(request), pk)


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@access(Permission.VIEW_ALL, post=Permission.MANAGE)
@require_POST
def decide(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Accept, ignore or undo a line; the line's rows again (htmx), or back to the page."""
    creditor = current_creditor(request)
    actor, today = request.user.get_username(), timezone.localdate()
    actions = {
        "accept": lambda: review.accept(creditor, pk, actor=actor, today=today),
        "ignore": lambda: review.ignore(creditor, pk, actor=actor),
        "undo": lambda: review.undo(creditor, pk, actor=actor, today=today),
    }
    if verb not in actions:
        raise Http404(verb)
    _line(creditor, pk)
    error = ""
    try:
        actions[verb]()
    except DomainError as exc:
        error = str(exc)
    if _htmx(request):
        return _row(request, creditor, pk, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, VERBS[verb] % {"line": pk})
    return redirect_back(request, reverse("matching"))


@access(Permission.VIEW_ALL, post=Permission.MANAGE)
def change(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose the customer, the invoices and the amounts of a line (GET), then apply
    them (POST): a split over several invoices, the rest a credit of the customer."""
    creditor = current_creditor(request)
    line = _line(creditor, pk)
    source = request.POST if request.method == "POST" else request.GET
    code = source.get("customer", line.proposal.get("customer") or "").strip()
    error = ""
    if request.method == "POST":
        try:
            parts = _chosen(request, line.currency)
            review.assign(creditor, pk, code, parts, actor=request.user.get_username(),
                          today=timezone.localdate())  # fmt: skip
        except DomainError as exc:
            error = str(exc)
        else:
            if _htmx(request):
                return _row(request, creditor, pk)
            messages.success(request, VERBS["accept"] % {"line": pk})
            return redirect_back(request, reverse("matching"))
    context = _change_context(creditor, line, code, source)
    context["error"] = error
    if _htmx(request):
        (context["e"],) = _entries(creditor, [line])
        return render(request, "bank/_line.html", context)
    return render(request, "bank/change.html", context)


def _chosen(request: HttpRequest, currency: str) -> list[tuple[str, int | None]]:
    parts: list[tuple[str, int | None]] = []
    for number in request.POST.getlist("invoice"):
        typed = request.POST.get(f"amount-{number}", "").strip()
        try:
            parts.append((number, typed_minor(typed, currency) if typed else None))
        except InvalidAmount as exc:
            raise DomainError(f"{number}: {exc}") from None
    return parts


def _change_context(
    creditor: Creditor, line: StatementLine, code: str, source: Any
) -> dict[str, Any]:
    customer = Customer.objects.filter(creditor=creditor, code=code).first() if code else None
    # Not a code: the customers whose code or name holds what was typed.
    candidates = []
    if code and customer is None:
        candidates = list(
            Customer.objects.filter(creditor=creditor, name__icontains=code).order_by("name")[:10]
        )
    proposed = (
        dict(line.proposal.get("parts", []))
        if customer and customer.code == line.proposal.get("customer")
        else {}
    )
    posted = source.getlist("invoice") if hasattr(source, "getlist") else []
    invoices = []
    for invoice in review.open_invoices(customer, line.currency, INVOICES) if customer else []:
        typed = source.get(f"amount-{invoice.number}")
        amount = proposed.get(invoice.number)
        invoices.append({
            "invoice": invoice,
            "checked": invoice.number in posted or (not posted and amount is not None),
            "amount": typed if typed is not None else
            (format_minor(amount, line.currency) if amount is not None else ""),
        })  # fmt: skip
    return {
        "line": line, "code": code, "customer": customer, "candidates": candidates,
        "invoices": invoices, "changing": True, "nav": "matching",
    }  # fmt: skip
