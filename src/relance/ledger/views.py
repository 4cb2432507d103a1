"""Ledger pages: customers, a customer, invoices. Reads only; writes go through services."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from relance.accounts.access import access, access_of, current_creditor
from relance.audit import Event
from relance.collection import queries as collection_queries
from relance.collection.models import (
    ActionStatus,
    Dispute,
    DisputeReasonChoices,
    NonPaymentReasonChoices,
    PromiseChannelChoices,
)
from relance.core.errors import DomainError
from relance.core.roles import Permission
from relance.law import penalty_invoices, readiness
from relance.law.interest import claims
from relance.law.terms import term_limit
from relance.ledger import balances, queries, services
from relance.ledger.forms import EvidenceForm
from relance.ledger.models import (
    Customer,
    Evidence,
    Invoice,
    InvoiceStatusChoices,
    PenaltyInvoice,
    SectorChoices,
)
from relance.ledger.queries import InvoiceFilter, NotFound

PAGE_SIZE = 50
BUCKETS = [
    ("not_due", _("Not yet due")),
    ("1-30", _("1 to 30 days")),
    ("31-60", _("31 to 60 days")),
    ("61-90", _("61 to 90 days")),
    ("over_90", _("Over 90 days")),
]
WAITING = (ActionStatus.AWAITING_APPROVAL, ActionStatus.QUEUED, ActionStatus.SENDING)


def customer_of(request: HttpRequest, code: str) -> Customer:
    """The customer with this account code that the user may see, or 404."""
    try:
        customer = queries.get_customer(current_creditor(request), code)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    return access_of(request).require(customer)


def invoice_of(request: HttpRequest, number: str) -> Invoice:
    """The invoice with this number of a customer the user may see, or 404."""
    try:
        invoice = queries.get_invoice(current_creditor(request), number)
    except NotFound as exc:
        raise Http404(str(exc)) from None
    access_of(request).require(invoice.customer)
    return invoice


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page a form came from (its "next" field), when that page is ours."""
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    return redirect(target if allowed else fallback)


def form_date(request: HttpRequest, name: str) -> date | None:
    """A date field of a posted form (YYYY-MM-DD, as the date input sends it), or None."""
    try:
        return date.fromisoformat(request.POST.get(name, ""))
    except ValueError:
        return None


@access()
def customer_list(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    search = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "overdue")
    balances.ensure_current(creditor, timezone.localdate())
    qs = access_of(request).scope(queries.customers(creditor, search, sort), "")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = (
        "ledger/_customer_rows.html"
        if request.headers.get("HX-Request")
        else "ledger/customer_list.html"
    )
    return render(
        request,
        template,
        {
            "page": page,
            "q": search,
            "sort": sort,
            "creditor": creditor,
            "nav": "customers",
        },
    )


@access()
def customer_detail(request: HttpRequest, code: str) -> HttpResponse:
    creditor = current_creditor(request)
    customer = customer_of(request, code)
    today = timezone.localdate()
    items = list(queries.open_items(customer))
    for item in items:
        item.days_late = max(0, (today - item.due_date).days)  # type: ignore[attr-defined]
    # Penalties and indemnity on the overdue items shown (the first 200: a large account's
    # full figure comes from `relance interest` per invoice).
    due = claims([i for i in items[:200] if i.days_late], today)  # type: ignore[attr-defined]
    plans = list(customer.plans.order_by("-starts_on", "-pk")[:20])
    timeline = collection_queries.customer_timeline(customer, newest=100)[::-1]
    disputed = set(
        customer.invoices.filter(
            disputes__closed_on__isnull=True, disputes__isnull=False
        ).values_list("number", flat=True)
    )
    return render(
        request,
        "ledger/customer_detail.html",
        {
            "customer": customer,
            "creditor": creditor,
            "items": items,
            "balances": queries.balances(customer, today),
            "contacts": customer.contacts.all(),
            "timeline": collection_queries.timeline_rows(timeline),
            "communications": customer.messages.order_by("-created_at", "-pk")[:50],
            # Messages not written yet: the outbox's actions waiting for a person or the
            # sender (once prepared, they are messages above).
            "waiting": customer.actions.filter(status__in=WAITING).order_by("-date", "-pk")[:50],
            "calls": customer.calls.order_by("-called_on", "-pk")[:20],
            "nav": "customers",
            "claims": due,
            "penalty_invoices": customer.penalty_invoices.order_by("-issued_on", "-pk")[:50],
            "plans": plans,
            "next_step": collection_queries.next_step(customer, today),
            "collectors": _collectors(request, customer),
            **_collection(customer),
            "disputed": disputed,
            # The quick dispute form offers what open_dispute accepts: open invoices (not
            # credit notes) without an open dispute.
            "disputable": [i for i in items if i.kind == "invoice" and i.number not in disputed],
            "dispute_reasons": DisputeReasonChoices.choices,
        },
    )


def _collectors(request: HttpRequest, customer: Customer) -> list[Any]:
    """Who the customer may be assigned to, offered to those who may assign."""
    from relance.accounts import services as accounts

    if not access_of(request).can(Permission.MANAGE):
        return []
    return list(accounts.members(customer.creditor, Permission.WORK).order_by("username"))


def _collection(customer: Customer) -> dict[str, Any]:
    """The customer page's collection panel: promises and how they are kept, disputes,
    the reasons for non-payment given, and what the forms offer."""
    labels = dict(NonPaymentReasonChoices.choices)
    return {
        "promises": customer.promises.prefetch_related("invoices").order_by(
            "-promised_date", "-pk"
        )[:20],
        "keeping": collection_queries.promise_keeping(customer),
        "customer_disputes": Dispute.objects.filter(invoice__customer=customer)
        .select_related("invoice")
        .order_by("-opened_on", "-pk")[:20],
        "reasons": [
            {"label": labels.get(r.reason, r.reason), "r": r}
            for r in collection_queries.reason_statistics(customer.creditor, customer=customer)
        ],
        "notes": customer.notes.order_by("-noted_on", "-pk")[:20],
        "reason_choices": NonPaymentReasonChoices.choices,
        "channel_choices": PromiseChannelChoices.choices,
    }


@access()
def invoice_list(request: HttpRequest) -> HttpResponse:
    creditor = current_creditor(request)
    flt = InvoiceFilter(
        status=request.GET.get("status", ""),
        bucket=request.GET.get("bucket", ""),
        customer=request.GET.get("customer", "").strip(),
        search=request.GET.get("q", "").strip(),
    )
    try:
        qs = access_of(request).scope(queries.invoices(creditor, flt, timezone.localdate()))
    except ValueError:
        raise Http404("unknown bucket") from None
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    template = (
        "ledger/_invoice_rows.html"
        if request.headers.get("HX-Request")
        else "ledger/invoice_list.html"
    )
    return render(
        request,
        template,
        {
            "page": page,
            "filter": flt,
            "creditor": creditor,
            "nav": "invoices",
            "statuses": InvoiceStatusChoices.choices,
            "buckets": BUCKETS,
        },
    )


@access(post=Permission.WORK)  # evidence of the invoice: proof of delivery, the order
def invoice_detail(request: HttpRequest, number: str) -> HttpResponse:
    creditor = current_creditor(request)
    invoice = invoice_of(request, number)
    if request.method == "POST":
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            services.add_evidence(
                invoice,
                form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                description=form.cleaned_data["description"],
                user=request.user,
            )
            return redirect("invoice", number=invoice.number)
    else:
        form = EvidenceForm()
    limit = term_limit(invoice)
    return render(
        request,
        "ledger/invoice_detail.html",
        {
            "invoice": invoice,
            "creditor": creditor,
            "form": form,
            "nav": "invoices",
            "disputes": invoice.disputes.order_by("opened_on"),
            "dispute_reasons": DisputeReasonChoices.choices,
            "readiness": (ready := readiness.of_invoice(invoice, timezone.localdate())),
            "not_ready": [readiness.LABELS[code] for code in ready.missing],
            "term_limit": limit,
            "term_over": limit.days_over(invoice.due_date) if limit else 0,
            "term_rule": SectorChoices(limit.sector).label if limit else "",
            "penalty_invoices": invoice.penalty_invoices.order_by("-issued_on", "-pk"),
            "open_dispute": invoice.disputes.filter(closed_on__isnull=True).exists(),
            "allocations": invoice.allocations.select_related("payment").order_by("date"),
            "evidence": invoice.evidence.all(),
            "timeline": (
                Event.objects.filter(subject_type="invoice", subject_id=invoice.pk)
                | Event.objects.filter(
                    subject_type="dispute",
                    subject_id__in=list(invoice.disputes.values_list("id", flat=True)),
                )
            ).order_by("-at", "-id")[:100],
        },
    )


@access()
def evidence_file(request: HttpRequest, number: str, pk: int) -> FileResponse:
    evidence = get_object_or_404(
        access_of(request).scope(Evidence.objects.all(), "invoice__customer"),
        pk=pk, invoice__number=number,
    )  # fmt: skip
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.filename)


def _download(issued: PenaltyInvoice) -> HttpResponse:
    response = HttpResponse(penalty_invoices.read(issued), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{issued.number}.pdf"'
    return response


def _issue(
    request: HttpRequest, customer: Customer, invoices: list[Invoice] | None, back: str
) -> HttpResponse:
    """Issue the penalty invoice and download it; a refusal comes back as a message."""
    actor = request.user.get_username() or "web"
    try:
        issued = penalty_invoices.issue(customer, invoices, today=timezone.localdate(), actor=actor)
    except DomainError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    return _download(issued)


@access(post=Permission.MANAGE)
@require_POST
def invoice_penalty_invoice(request: HttpRequest, number: str) -> HttpResponse:
    invoice = invoice_of(request, number)
    back = reverse("invoice", kwargs={"number": invoice.number})
    return _issue(request, invoice.customer, [invoice], back)


@access(post=Permission.MANAGE)
@require_POST
def customer_penalty_invoice(request: HttpRequest, code: str) -> HttpResponse:
    customer = customer_of(request, code)
    return _issue(request, customer, None, reverse("customer", kwargs={"code": customer.code}))


@access(post=Permission.MANAGE)
@require_POST
def customer_collector(request: HttpRequest, code: str) -> HttpResponse:
    """Put the customer in a collector's portfolio, or in no one's."""
    from relance.accounts import services as accounts

    customer = customer_of(request, code)
    chosen = request.POST.get("collector", "")
    collector = (
        accounts.members(customer.creditor, Permission.WORK).filter(pk=chosen).first()
        if chosen.isdigit()
        else None
    )
    try:
        if chosen and collector is None:
            raise DomainError(_("Choose a member who works customers."))
        accounts.assign_collector(customer, collector, actor=request.user.get_username())
        messages.success(request, _("Collector saved."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect_back(request, reverse("customer", kwargs={"code": customer.code}))


@access()
def penalty_invoice_file(request: HttpRequest, pk: int) -> HttpResponse:
    """An issued penalty invoice, byte for byte as issued."""
    found = access_of(request).scope(PenaltyInvoice.objects.all())
    return _download(get_object_or_404(found, pk=pk))
