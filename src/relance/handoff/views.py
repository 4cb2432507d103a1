"""Hand-off pages: the list of cases, the hand-off form, a case (amounts, dossier,
payments reported, closing, timeline) and the partners. Writes go through services."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import access, current_creditor
from relance.collection import queries as collection
from relance.collection.models import Action
from relance.core.errors import DomainError
from relance.core.handoff import CaseEvent
from relance.core.money import typed_minor
from relance.core.roles import Permission
from relance.handoff import dossier, queries, services
from relance.handoff.models import Case, CaseStatusChoices, Partner, PartnerKind
from relance.ledger.views import customer_of, form_date


def _case(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(
        Case.objects.select_related("customer", "partner", "creditor"),
        pk=pk,
        creditor=current_creditor(request),
    )


def _day(request: HttpRequest) -> date:
    return form_date(request, "date") or timezone.localdate()


@access(Permission.VIEW_ALL)
def case_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = list(queries.cases(current_creditor(request), status)[:500])
    totals = queries.totals_of(rows)
    return render(request, "handoff/case_list.html", {
        "cases": [(c, totals[c.pk]) for c in rows], "status": status,
        "statuses": CaseStatusChoices.choices, "nav": "handoff",
    })  # fmt: skip


@access(Permission.VIEW_ALL, post=Permission.MANAGE)
def new(request: HttpRequest, code: str) -> HttpResponse:
    """The hand-off form (from the customer page or a hand-off action of the worklist)."""
    creditor = current_creditor(request)
    customer = customer_of(request, code)
    source = request.POST if request.method == "POST" else request.GET
    action_id = source.get("action", "")
    action = (
        get_object_or_404(Action, pk=int(action_id), creditor=creditor, customer=customer)
        if action_id.isdigit()
        else None
    )
    if request.method == "POST":
        partner = Partner.objects.filter(creditor=creditor, pk=source.get("partner") or 0).first()
        try:
            if partner is None:
                raise DomainError(_("Choose a partner."))
            case = services.hand_off(
                customer, partner, on=timezone.localdate(), actor=request.user.get_username(),
                invoices=request.POST.getlist("invoice") or None, action=action,
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Case handed off: dunning stops for this customer."))
            return redirect("handoff-case", pk=case.pk)
    open_case = queries.open_case(customer)
    return render(request, "handoff/new.html", {
        "customer": customer, "action": action, "case": open_case,
        "partners": Partner.objects.filter(creditor=creditor).order_by("name"),
        "invoices": customer.invoices.filter(kind="invoice", open_amount__gt=0).order_by(
            "due_date", "number"
        ),
        "nav": "handoff",
    })  # fmt: skip


@access(Permission.VIEW_ALL)
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    return render(request, "handoff/case_detail.html", {
        "case": case, "items": queries.items(case), "totals": queries.totals(case),
        "payments": case.payments.select_related("payment").order_by("payment__date", "pk"),
        "remaining": case.customer.invoices.filter(
            pk__in=case.items.values("invoice_id"), open_amount__gt=0
        ).order_by("due_date", "number"),
        "timeline": collection.customer_timeline(case.customer, newest=100)[::-1],
        "closings": [
            (CaseEvent.WITHDRAW, _("withdrawn: dunning resumes")),
            (CaseEvent.UNCOLLECTABLE, _("uncollectable")),
            (CaseEvent.PAID, _("paid in full")),
        ],
        "nav": "handoff",
    })  # fmt: skip


@access(Permission.VIEW_ALL)
def dossier_zip(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    data = dossier.build(case, timezone.localdate())
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{dossier.file_name(case)}"'
    return response


@access(post=Permission.MANAGE)
@require_POST
def payment(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    text = request.POST.get("amount", "").strip()
    currency = request.POST.get("currency", "") or case.creditor.currency
    try:
        amount = typed_minor(text, currency)
        services.record_payment(
            case, amount=amount, currency=currency, on=_day(request),
            actor=request.user.get_username(), invoices=request.POST.getlist("invoice"),
            reference=request.POST.get("reference", ""), today=timezone.localdate(),
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Payment recorded."))
    return redirect("handoff-case", pk=case.pk)


@access(post=Permission.MANAGE)
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    try:
        event = CaseEvent(request.POST.get("event", ""))
        services.close_case(
            case, event, on=_day(request), actor=request.user.get_username(),
            note=request.POST.get("note", ""),
        )  # fmt: skip
    except ValueError as exc:  # DomainError included
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Case closed."))
    return redirect("handoff-case", pk=case.pk)


@access(Permission.VIEW_ALL, post=Permission.MANAGE)
def partners(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    fields = ("name", "kind", "email", "phone", "address", "postal_code", "city",
              "contact_name", "reference", "language", "notes")  # fmt: skip
    if request.method == "POST":
        try:
            services.add_partner(
                creditor, actor=request.user.get_username(),
                **{f: request.POST.get(f, "") for f in fields},
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Partner added."))
            return redirect("handoff-partners")
    return render(request, "handoff/partners.html", {
        "partners": Partner.objects.filter(creditor=creditor).order_by("name"),
        "kinds": PartnerKind.choices, "nav": "handoff",
    })  # fmt: skip
