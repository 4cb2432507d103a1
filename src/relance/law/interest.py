"""Penalties and indemnity due on an invoice, as the law of the creditor's country says."""

from __future__ import annotations

from datetime import date
from typing import Any

from relance import law
from relance.core.errors import DomainError
from relance.core.law import Claim, for_country
from relance.core.money import Money, format_minor
from relance.core.penalties import accrue, balance_history
from relance.ledger.models import Invoice


def interest(invoice: Invoice, as_of: date) -> dict[str, Any]:
    """The JSON document of `relance interest`: periods, penalties, indemnity, total.

    Interest runs on the open amount, day by day (relance.core.penalties).
    """
    customer = invoice.customer
    creditor = invoice.creditor
    rules = for_country(creditor.country)
    start_amount, changes, until = balance_history(
        invoice.amount,
        invoice.settled_elsewhere,
        list(invoice.allocations.values_list("date", "amount")),
        invoice.open_amount > 0,
        as_of,
    )
    rate = invoice.contract_rate if invoice.contract_rate is not None else customer.contract_rate
    claim = Claim(
        customer.kind, invoice.currency, invoice.amount, invoice.due_date, contract_rate=rate
    )
    rate_at = rules.rate_at(claim, law.tables())
    periods = []
    if rate_at is not None and invoice.kind == "invoice":
        periods = accrue(
            start_amount, changes, rules.start(claim), until, rate_at, invoice.currency
        )
    days_late = max(0, (until - invoice.due_date).days)
    penalties = sum(p.amount for p in periods)
    indemnity = rules.indemnity(claim) if days_late > 0 and invoice.kind == "invoice" else 0

    def money(minor: int) -> str:
        return format_minor(minor, invoice.currency)

    return {
        "invoice": invoice.number,
        "currency": invoice.currency,
        "days_late": days_late,
        "periods": [
            {
                "from": p.start.isoformat(),
                "to": p.end.isoformat(),
                "days": p.days,
                "base": money(p.base),
                "rate": f"{p.rate:.2f}",
                "amount": money(p.amount),
            }
            for p in periods
        ],
        "penalties": money(penalties),
        "indemnity": money(indemnity),
        "total": money(penalties + indemnity),
        "law": rules.code,
    }


def claims(invoices: list[Invoice], as_of: date) -> dict[str, Any]:
    """What the overdue invoices of a customer owe on top of the principal, per currency:
    {"totals": {currency: {"penalties", "indemnity"}}, "error": message or ""}."""
    totals: dict[str, dict[str, int]] = {}
    try:
        for invoice in invoices:
            if invoice.kind != "invoice" or invoice.due_date >= as_of:
                continue
            data = interest(invoice, as_of)
            entry = totals.setdefault(invoice.currency, {"penalties": 0, "indemnity": 0})
            entry["penalties"] += Money.of(data["penalties"], invoice.currency).minor
            entry["indemnity"] += Money.of(data["indemnity"], invoice.currency).minor
    except DomainError as exc:
        return {"totals": {}, "error": str(exc)}
    return {"totals": totals, "error": ""}
