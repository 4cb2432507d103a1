"""The canonical CSV files of DESIGN.md section 6: their columns, and each row made typed.

A cleaning function returns a dict of model fields or raises `CellError` for the first
bad cell; it reads nothing from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from relance.core.law import Sector
from relance.core.ledger import InvoiceKind
from relance.core.terms import PaymentTerms, due_date
from relance.imports import fields as f
from relance.imports.fields import CellError, Options


@dataclass(frozen=True)
class Layout:
    kind: str
    key: str  # the natural key column
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


CUSTOMERS = Layout(
    "customers",
    "customer",
    ("customer", "name"),
    (
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
        "credit_limit",
        "payment_terms",
        "scenario",
        "segment",
        "sector",
        "contract_rate",
    ),
)
INVOICES = Layout(
    "invoices",
    "number",
    ("number", "customer", "issue_date", "amount"),
    (
        "due_date",
        "delivery_date",
        "payment_terms",
        "currency",
        "kind",
        "amount_excl_tax",
        "open_amount",
        "po_number",
        "payment_reference",
        "customer_name",
        "contract_rate",
        "payment_terms_text",
        "discount_percent",
        "discount_days",
    ),
)
PAYMENTS = Layout(
    "payments",
    "",
    ("date", "amount"),
    ("currency", "customer", "reference", "invoices", "method"),
)
LAYOUTS = {layout.kind: layout for layout in (CUSTOMERS, INVOICES, PAYMENTS)}

LANGUAGES = ("fr", "en", "de", "es", "it", "nl", "pt")
SECTORS = tuple(s.value for s in Sector)


def customer(row: dict[str, Any], options: Options, scenarios: dict[str, int]) -> dict[str, Any]:
    country = f.country(row, "country", options)
    terms = f.terms(row, "payment_terms")
    scenario_key = f.text(row, "scenario", max_length=50)
    if scenario_key and scenario_key not in scenarios:
        known = ", ".join(sorted(scenarios)) or "none"
        raise CellError("scenario", f"unknown scenario {scenario_key!r} (known: {known})")
    return {
        "code": f.text(row, "customer", max_length=50, required=True),
        "name": f.text(row, "name", max_length=200, required=True),
        "email": f.email(row, "email"),
        "phone": f.text(row, "phone", max_length=30),
        "address": f.text(row, "address", max_length=300),
        "postal_code": f.text(row, "postal_code", max_length=20),
        "city": f.text(row, "city", max_length=100),
        "country": country,
        "language": f.choice(row, "language", LANGUAGES, "fr"),
        "kind": f.choice(row, "kind", ("b2b", "b2c", "public"), "b2b"),
        "registration_number": f.identifier(row, "registration_number", f.company_number, country),
        "vat_number": f.identifier(row, "vat_number", f.vat_number),
        "iban": f.identifier(row, "iban", f.iban),
        "credit_limit": f.amount(row, "credit_limit", options.default_currency, options),
        "payment_terms": str(terms) if terms else "",
        "scenario_id": scenarios.get(scenario_key) if scenario_key else None,
        "segment": f.text(row, "segment", max_length=50),
        "sector": f.choice(row, "sector", SECTORS, ""),  # empty: the creditor's
        "contract_rate": f.rate(row, "contract_rate", options),
    }


def invoice(row: dict[str, Any], options: Options) -> dict[str, Any]:
    """Invoice fields; `due_date` may be None when the terms must come from the customer."""
    currency = f.currency(row, "currency", options)
    amount = f.amount(row, "amount", currency, options, required=True)
    assert amount is not None
    kind = f.choice(row, "kind", tuple(InvoiceKind), "")
    if kind == InvoiceKind.CREDIT_NOTE or amount < 0:
        kind, amount = InvoiceKind.CREDIT_NOTE, -abs(amount)
    else:
        kind = InvoiceKind.INVOICE
    sign = -1 if amount < 0 else 1
    excl = f.amount(row, "amount_excl_tax", currency, options)
    open_amount = f.amount(row, "open_amount", currency, options)
    if open_amount is not None:
        open_amount = sign * abs(open_amount)
        if abs(open_amount) > abs(amount):
            raise CellError("open_amount", "is larger than the amount")
    issue = f.a_date(row, "issue_date", options, required=True)
    assert issue is not None
    terms = f.terms(row, "payment_terms")
    due = f.a_date(row, "due_date", options)
    if due is None and terms is not None:
        due = due_date(issue, terms)
    if due is not None and due < issue:
        raise CellError("due_date", f"{due} is before the issue date {issue}")
    return {
        "number": f.text(row, "number", max_length=60, required=True),
        "customer_code": f.text(row, "customer", max_length=50, required=True),
        "customer_name": f.text(row, "customer_name", max_length=200),
        "kind": str(kind),
        "issue_date": issue,
        "delivery_date": f.a_date(row, "delivery_date", options),
        "due_date": due,
        "payment_terms": str(terms) if terms else "",
        "currency": currency,
        "amount": amount,
        "amount_excl_tax": None if excl is None else sign * abs(excl),
        "reported_open_amount": open_amount,
        "po_number": f.text(row, "po_number", max_length=60),
        "payment_reference": f.text(row, "payment_reference", max_length=140),
        "contract_rate": f.rate(row, "contract_rate", options),
        "payment_terms_text": f.text(row, "payment_terms_text", max_length=300),
        **_discount(row, options),
    }


def _discount(row: dict[str, Any], options: Options) -> dict[str, Any]:
    """The early-payment discount: a percentage and the days it holds, both or neither."""
    percent = f.rate(row, "discount_percent", options)
    if percent is not None and percent != percent.quantize(Decimal("0.01")):
        raise CellError("discount_percent", "has more than 2 decimals")
    raw_days = f.text(row, "discount_days", max_length=4)
    if raw_days and not raw_days.isdigit():
        raise CellError("discount_days", f"{raw_days!r} is not a number of days")
    days = int(raw_days) if raw_days else None
    if (percent is None) != (days is None):
        missing = "discount_days" if days is None else "discount_percent"
        raise CellError(missing, "a discount needs both discount_percent and discount_days")
    return {"early_discount_percent": percent, "early_discount_days": days}


def derive_due_date(issue: date, customer_terms: str, default_terms: str) -> date:
    return due_date(issue, PaymentTerms.parse(customer_terms or default_terms))


def payment(row: dict[str, Any], options: Options) -> dict[str, Any]:
    currency = f.currency(row, "currency", options)
    amount = f.amount(row, "amount", currency, options, required=True)
    assert amount is not None
    if amount <= 0:
        raise CellError("amount", "a payment must be positive (record refunds as credit notes)")
    hints = [n.strip() for n in f.text(row, "invoices", max_length=2000).split(";") if n.strip()]
    return {
        "date": f.a_date(row, "date", options, required=True),
        "amount": amount,
        "currency": currency,
        "customer_code": f.text(row, "customer", max_length=50),
        "reference": f.text(row, "reference", max_length=200),
        "method": f.text(row, "method", max_length=30),
        "hints": hints,
    }
