"""Penalties and indemnity due on an invoice, as the law of the creditor's country says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import prefetch_related_objects

from relance import law
from relance.core.errors import DomainError
from relance.core.law import Claim, for_country
from relance.core.money import format_minor
from relance.core.penalties import Period, accrue, balance_history
from relance.ledger.models import Invoice


@dataclass(frozen=True)
class Due:
    """What an invoice owes on top of its principal as of a date, in minor units."""

    invoice: str
    currency: str
    days_late: int
    periods: list[Period]
    penalties: int
    indemnity: int
    law: str

    def as_json(self) -> dict[str, Any]:
        """The JSON document of `relance interest`."""

        def money(minor: int) -> str:
            return format_minor(minor, self.currency)

        return {
            "invoice": self.invoice,
            "currency": self.currency,
            "days_late": self.days_late,
            "periods": [
                {
                    "from": p.start.isoformat(),
                    "to": p.end.isoformat(),
                    "days": p.days,
                    "base": money(p.base),
                    "rate": f"{p.rate:.2f}",
                    "amount": money(p.amount),
                }
                for p in self.periods
            ],
            "penalties": money(self.penalties),
            "indemnity": money(self.indemnity),
            "total": money(self.penalties + self.indemnity),
            "law": self.law,
        }


def due(invoice: Invoice, as_of: date, *, rates_until: date | None = None) -> Due:
    """Penalties period by period and the fixed indemnity of `invoice` as of `as_of`.

    Interest runs on the open amount, day by day (relance.core.penalties), up to
    `rates_until` when the rate tables stop earlier; the indemnity is owed from the first
    day late, whatever the rates.
    """
    customer = invoice.customer
    rules = for_country(invoice.creditor.country)
    start_amount, changes, until = balance_history(
        invoice.amount,
        invoice.settled_elsewhere,
        [(a.date, a.amount) for a in invoice.allocations.all()],
        invoice.open_amount > 0,
        as_of,
    )
    rate = invoice.contract_rate if invoice.contract_rate is not None else customer.contract_rate
    claim = Claim(
        customer.kind, invoice.currency, invoice.amount, invoice.due_date, contract_rate=rate
    )
    start, stop = rules.start(claim), until if rates_until is None else min(until, rates_until)
    periods = []
    # Rates are looked up only for days that earn interest: a public buyer's rate is
    # frozen on the semester the delay started, which the tables may not reach yet.
    rate_at = rules.rate_at(claim, law.tables()) if stop > start else None
    if rate_at is not None and invoice.kind == "invoice":
        periods = accrue(start_amount, changes, start, stop, rate_at, invoice.currency)
    days_late = max(0, (until - invoice.due_date).days)
    indemnity = rules.indemnity(claim) if days_late > 0 and invoice.kind == "invoice" else 0
    return Due(
        invoice.number, invoice.currency, days_late, periods,
        sum(p.amount for p in periods), indemnity, rules.code,
    )  # fmt: skip


def claimable(invoice: Invoice, today: date) -> Due:
    """What a document claims on `today`: the penalties up to the last day the rate
    tables cover when they stop earlier (stated "arrêtées au" that day, `covered`), and
    the fixed indemnity as soon as the invoice is late."""
    return due(invoice, today, rates_until=covered(today))


def interest(invoice: Invoice, as_of: date) -> dict[str, Any]:
    """The JSON document of `relance interest`: periods, penalties, indemnity, total."""
    return due(invoice, as_of).as_json()


def covered(day: date) -> date:
    """`day`, or the last day the rate tables cover when they stop earlier: penalties
    stated "arrêtées au" that day in documents, rather than computed with old rates."""
    last = law.tables().covered_until()
    return min(day, last) if last is not None else day


def claims(invoices: list[Invoice], as_of: date) -> dict[str, Any]:
    """What the overdue invoices of a customer owe on top of the principal, per currency,
    as the documents claim it (`claimable`): {"totals": {currency: {"penalties",
    "indemnity"}}, "until": the last day of the penalties when the rate tables stop
    before `as_of`, else None, "error": message or ""}."""
    totals: dict[str, dict[str, int]] = {}
    last = covered(as_of)
    # One query for every invoice's payments, rather than one per invoice.
    prefetch_related_objects(invoices, "allocations")
    try:
        for invoice in invoices:
            if invoice.kind != "invoice" or invoice.due_date >= as_of:
                continue
            found = claimable(invoice, as_of)
            entry = totals.setdefault(invoice.currency, {"penalties": 0, "indemnity": 0})
            entry["penalties"] += found.penalties
            entry["indemnity"] += found.indemnity
    except DomainError as exc:
        return {"totals": {}, "until": None, "error": str(exc)}
    return {"totals": totals, "until": last if last < as_of else None, "error": ""}
