"""Reasons for non-payment: what the debtor says on each contact, and what they add up to.

>>> from datetime import date
>>> notes = [("C1", "forgot", date(2026, 3, 2)), ("C2", "forgot", date(2026, 3, 5)),
...          ("C1", "cash_flow", date(2026, 3, 9))]
>>> [(r.reason, r.count, r.customers, r.share) for r in statistics(notes)]
[('forgot', 2, 2, Decimal('0.6667')), ('cash_flow', 1, 1, Decimal('0.3333'))]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from relance.core.errors import one_of


class NonPaymentReason(StrEnum):
    FORGOT = "forgot"
    CASH_FLOW = "cash_flow"
    INVOICE_NOT_RECEIVED = "invoice_not_received"
    DISPUTE = "dispute"
    WRONG_AMOUNT = "wrong_amount"
    WRONG_DELIVERY = "wrong_delivery"
    WAITING_APPROVAL = "waiting_approval"
    INSOLVENCY = "insolvency"
    OTHER = "other"


class NoteSource(StrEnum):
    """Where a reason was heard."""

    CALL = "call"
    NOTE = "note"  # a person wrote it down (an email, a visit, a letter)
    PORTAL = "portal"


def parse_reason(value: str) -> NonPaymentReason:
    return one_of(NonPaymentReason, value, "reason")


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: str
    count: int  # times it was given
    customers: int  # distinct customers who gave it
    share: Decimal  # of all reasons given, rounded to 4 places
    last: date


def statistics(notes: Iterable[tuple[str, str, date]]) -> list[ReasonCount]:
    """(customer, reason, date) notes summed per reason, the most frequent first."""
    counts: dict[str, int] = defaultdict(int)
    who: dict[str, set[str]] = defaultdict(set)
    last: dict[str, date] = {}
    for customer, reason, day in notes:
        counts[reason] += 1
        who[reason].add(customer)
        last[reason] = max(day, last.get(reason, day))
    total = sum(counts.values())
    return [
        ReasonCount(
            reason,
            n,
            len(who[reason]),
            (Decimal(n) / Decimal(total)).quantize(Decimal("0.0001")),
            last[reason],
        )
        for reason, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
