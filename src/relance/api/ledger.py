"""Customers, contacts, invoices, payments and allocations."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from relance.api.auth import LEDGER_WRITE, READ, actor_of, creditor_of
from relance.api.idempotency import idempotent
from relance.api.pagination import PageQuery, page
from relance.api.rows import import_rows
from relance.api.schemas import (
    AllocationOut,
    ContactOut,
    CustomerOut,
    InvoiceDetail,
    InvoiceOut,
    PaymentDetail,
    PaymentOut,
    page_of,
)
from relance.core.money import format_minor
from relance.ledger import queries
from relance.ledger.models import OPEN_ITEMS, Allocation, Contact, Customer, Payment

router = Router(tags=["ledger"], auth=READ)


def customer_row(c: Customer) -> dict[str, Any]:
    currency = c.creditor.currency
    return {
        "customer": c.code, **{n: getattr(c, n) for n in queries.CUSTOMER_FIELDS},
        "currency": currency,
        "open": format_minor(c.open_total, currency),
        "overdue": format_minor(c.overdue_total, currency),
    }  # fmt: skip


def contact_row(c: Contact) -> dict[str, Any]:
    return {
        "id": c.pk, "customer": c.customer.code, "name": c.name, "role": c.role,
        "email": c.email, "phone": c.phone, "language": c.language,
        "preferred_channel": c.preferred_channel,
    }  # fmt: skip


def payment_row(p: Payment) -> dict[str, Any]:
    return {
        "id": p.pk, "customer": p.customer.code if p.customer else None,
        "date": p.date.isoformat(), "currency": p.currency,
        "amount": format_minor(p.amount, p.currency),
        "unapplied": format_minor(p.unapplied, p.currency),
        "reference": p.reference, "method": p.method,
    }  # fmt: skip


def allocation_row(a: Allocation) -> dict[str, Any]:
    currency = a.invoice.currency
    return {
        "id": a.pk, "invoice": a.invoice.number, "payment": a.payment_id,
        "credit_note": a.credit_note.number if a.credit_note else None,
        "date": a.date.isoformat(), "currency": currency,
        "amount": format_minor(a.amount, currency),
    }  # fmt: skip


class CustomerFilter(PageQuery):
    segment: str = ""
    search: str = Field("", description="Name contains, or account code starts with.")


@router.get("/customers", response=page_of(CustomerOut), summary="List customers")
def list_customers(request: HttpRequest, q: Query[CustomerFilter]) -> dict[str, Any]:
    qs = queries.customers(creditor_of(request), q.search.strip(), "code")
    if q.segment:
        qs = qs.filter(segment=q.segment)
    return page(request, qs.select_related("creditor"), q, customer_row)


@router.get("/customers/{code}", summary="One customer, with balance and open items")
def get_customer(request: HttpRequest, code: str) -> dict[str, Any]:
    customer = queries.get_customer(creditor_of(request), code)
    return queries.customer_json(customer, timezone.localdate())


class Rows(Schema):
    rows: list[dict[str, Any]] = Field(
        ..., min_length=1, description="Rows with the columns of the canonical CSV file."
    )


def _import(request: HttpRequest, kind: str, body: Rows) -> HttpResponse:
    from relance.api.urls import api

    result = import_rows(kind, body.rows, creditor_of(request), actor_of(request))
    status = 422 if result["errors"] and not (result["created"] or result["updated"]) else 200
    return api.create_response(request, result, status=status)


@router.post("/customers", auth=LEDGER_WRITE, summary="Create or update customers (as an import)")
@idempotent
def post_customers(request: HttpRequest, body: Rows) -> HttpResponse:
    return _import(request, "customers", body)


@router.get("/contacts", response=page_of(ContactOut), summary="List contacts")
def list_contacts(request: HttpRequest, q: Query[PageQuery], customer: str = "") -> dict[str, Any]:
    qs = Contact.objects.filter(customer__creditor=creditor_of(request))
    if customer:
        qs = qs.filter(customer__code=customer)
    return page(request, qs.select_related("customer").order_by("pk"), q, contact_row)


class InvoiceFilter(PageQuery):
    customer: str = Field("", description="A customer's account code.")
    status: str = Field("", description="open, partially_paid, paid, or unpaid (not paid).")
    overdue: bool | None = Field(None, description="true: open and past due today.")
    due_before: date | None = None
    due_after: date | None = None


@router.get("/invoices", response=page_of(InvoiceOut), summary="List invoices")
def list_invoices(request: HttpRequest, q: Query[InvoiceFilter]) -> dict[str, Any]:
    today = timezone.localdate()
    flt = queries.InvoiceFilter(status=q.status, customer=q.customer)
    qs = queries.invoices(creditor_of(request), flt, today)
    if q.overdue is True:
        # By status, not by the open amount it follows: then counted from an index.
        qs = qs.filter(OPEN_ITEMS, due_date__lt=today)
    elif q.overdue is False:
        qs = qs.filter(Q(due_date__gte=today) | Q(open_amount=0))
    if q.due_before:
        qs = qs.filter(due_date__lt=q.due_before)
    if q.due_after:
        qs = qs.filter(due_date__gt=q.due_after)
    return page(request, qs, q, queries.invoice_json)


@router.get("/invoices/{number}", response=InvoiceDetail, summary="One invoice")
def get_invoice(request: HttpRequest, number: str) -> dict[str, Any]:
    invoice = queries.get_invoice(creditor_of(request), number)
    allocations = invoice.allocations.select_related("invoice", "credit_note").order_by("pk")
    return queries.invoice_json(invoice) | {"allocations": [allocation_row(a) for a in allocations]}


@router.post("/invoices", auth=LEDGER_WRITE, summary="Create or update invoices (as an import)")
@idempotent
def post_invoices(request: HttpRequest, body: Rows) -> HttpResponse:
    return _import(request, "invoices", body)


class PaymentFilter(PageQuery):
    customer: str = ""
    date_from: date | None = None
    date_to: date | None = None


@router.get("/payments", response=page_of(PaymentOut), summary="List payments")
def list_payments(request: HttpRequest, q: Query[PaymentFilter]) -> dict[str, Any]:
    qs = Payment.objects.filter(creditor=creditor_of(request)).select_related("customer")
    if q.customer:
        qs = qs.filter(customer__code=q.customer)
    if q.date_from:
        qs = qs.filter(date__gte=q.date_from)
    if q.date_to:
        qs = qs.filter(date__lte=q.date_to)
    return page(request, qs.order_by("-date", "-pk"), q, payment_row)


@router.get("/payments/{pk}", response=PaymentDetail, summary="One payment, with its allocations")
def get_payment(request: HttpRequest, pk: int) -> dict[str, Any]:
    payment = get_object_or_404(
        Payment.objects.select_related("customer"), creditor=creditor_of(request), pk=pk
    )
    allocations = payment.allocations.select_related("invoice", "credit_note").order_by("pk")
    return payment_row(payment) | {"allocations": [allocation_row(a) for a in allocations]}


@router.post("/payments", auth=LEDGER_WRITE, summary="Record payments (as an import)")
@idempotent
def post_payments(request: HttpRequest, body: Rows) -> HttpResponse:
    return _import(request, "payments", body)


@router.get("/allocations", response=page_of(AllocationOut), summary="List allocations (lettrage)")
def list_allocations(
    request: HttpRequest, q: Query[PageQuery], invoice: str = "", payment: int | None = None
) -> dict[str, Any]:
    qs = Allocation.objects.filter(invoice__creditor=creditor_of(request))
    if invoice:
        qs = qs.filter(invoice__number=invoice)
    if payment is not None:
        qs = qs.filter(payment_id=payment)
    return page(request, qs.select_related("invoice", "credit_note").order_by("pk"), q,
                allocation_row)  # fmt: skip
