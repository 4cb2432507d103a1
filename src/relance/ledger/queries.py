"""Reads of the ledger, shaped for the CLI, the web pages and the JSON contracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum

from relance.core.ledger import bucket_due_dates, days_overdue
from relance.core.money import format_minor
from relance.ledger.models import Creditor, Customer, Invoice


class NotFound(LookupError):
    pass


def default_creditor() -> Creditor:
    creditor = Creditor.objects.order_by("id").first()
    if creditor is None:
        raise NotFound("no creditor yet: run `relance init` first")
    return creditor


def invoice_json(inv: Invoice) -> dict[str, Any]:
    return {
        "number": inv.number,
        "kind": inv.kind,
        "customer": inv.customer.code,
        "issue_date": inv.issue_date.isoformat(),
        "due_date": inv.due_date.isoformat(),
        "currency": inv.currency,
        "amount": format_minor(inv.amount, inv.currency),
        "open_amount": format_minor(inv.open_amount, inv.currency),
        "status": inv.status,
    }


def get_invoice(creditor: Creditor, number: str) -> Invoice:
    try:
        return Invoice.objects.select_related("customer").get(creditor=creditor, number=number)
    except Invoice.DoesNotExist:
        raise NotFound(f"no invoice {number!r}") from None


def get_customer(creditor: Creditor, code: str) -> Customer:
    try:
        return Customer.objects.select_related("scenario").get(creditor=creditor, code=code)
    except Customer.DoesNotExist:
        raise NotFound(f"no customer {code!r}") from None


def open_items(customer: Customer) -> QuerySet[Invoice]:
    return (
        customer.invoices.exclude(open_amount=0)
        .select_related("customer", "creditor", "prediction")
        .order_by("due_date", "number")
    )


def balances(customer: Customer, today: date) -> list[dict[str, Any]]:
    """Open and overdue totals per currency, in minor units."""
    rows = (
        customer.invoices.exclude(open_amount=0)
        .values("currency")
        .annotate(
            open=Sum("open_amount"),
            overdue=Sum("open_amount", filter=Q(due_date__lt=today)),
            items=Count("id"),
        )
        .order_by("currency")
    )
    return [
        {
            "currency": r["currency"],
            "open": r["open"] or 0,
            "overdue": r["overdue"] or 0,
            "items": r["items"],
        }
        for r in rows
    ]


CUSTOMER_FIELDS = (
    "name",
    "email",
    "phone",
    "address",
    "postal_code",
    "city",
    "country",
    "language",
    "kind",
    "registration_number",
    "vat_number",
    "iban",
    "payment_terms",
    "segment",
)


def customer_json(customer: Customer, today: date) -> dict[str, Any]:
    data: dict[str, Any] = {"customer": customer.code}
    data |= {name: getattr(customer, name) for name in CUSTOMER_FIELDS}
    currency = customer.creditor.currency
    data["credit_limit"] = (
        None if customer.credit_limit is None else format_minor(customer.credit_limit, currency)
    )
    data["scenario"] = customer.scenario.key if customer.scenario else None
    data["contacts"] = [
        {
            "name": c.name,
            "role": c.role,
            "email": c.email,
            "phone": c.phone,
            "language": c.language,
            "preferred_channel": c.preferred_channel,
        }
        for c in customer.contacts.all()
    ]
    data["balance"] = [
        b
        | {
            "open": format_minor(b["open"], b["currency"]),
            "overdue": format_minor(b["overdue"], b["currency"]),
        }
        for b in balances(customer, today)
    ]
    from relance.collection import queries as collection

    data["promises"] = collection.promise_keeping(customer)
    data["reasons"] = collection.reasons_json(
        collection.reason_statistics(customer.creditor, customer=customer)
    )
    data["open_items"] = [
        invoice_json(i) | {"days_overdue": max(0, days_overdue(i.due_date, as_of=today))}
        for i in open_items(customer)
    ]
    return data


@dataclass(frozen=True)
class InvoiceFilter:
    status: str = ""
    bucket: str = ""
    customer: str = ""
    search: str = ""


def invoices(creditor: Creditor, flt: InvoiceFilter, today: date) -> QuerySet[Invoice]:
    qs = Invoice.objects.filter(creditor=creditor)
    if flt.customer:
        # By the customer's id alone, so that the database walks that customer's index
        # rather than the creditor's million invoices in due-date order.
        customer = Customer.objects.filter(creditor=creditor, code=flt.customer).first()
        qs = Invoice.objects.filter(customer=customer) if customer else Invoice.objects.none()
    qs = qs.select_related("customer")
    if flt.status == "unpaid":
        qs = qs.exclude(status="paid")
    elif flt.status:
        qs = qs.filter(status=flt.status)
    if flt.bucket:
        earliest, latest = bucket_due_dates(flt.bucket, as_of=today)
        qs = qs.exclude(open_amount=0)
        if earliest:
            qs = qs.filter(due_date__gte=earliest)
        if latest:
            qs = qs.filter(due_date__lte=latest)
    if flt.search:
        prefix = flt.search.strip()
        if connection.vendor == "sqlite":
            # SQLite's LIKE ignores case and so cannot use the number index; a range can.
            qs = qs.filter(number__gte=prefix, number__lt=prefix + "\U0010ffff")
        else:
            qs = qs.filter(number__startswith=prefix)
    return qs.order_by("-due_date", "-id")


def customers(creditor: Creditor, search: str, sort: str) -> QuerySet[Customer]:
    """Customers with their open and overdue totals (see ledger.balances)."""
    qs = Customer.objects.filter(creditor=creditor)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(code__istartswith=search))
    order = {
        "open": ["-open_total", "code"],
        "name": ["name", "code"],
        "code": ["code"],
    }.get(sort, ["-overdue_total", "code"])
    return qs.order_by(*order)
