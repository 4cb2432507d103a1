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
from datetime import date, timedelta
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


# "Already paid": reminders wait this long for the payment to show in the bank lines.
ALREADY_PAID_HOLD_DAYS = 7


def already_paid_hold(today: date, held_until: date | None) -> date | None:
    """After the debtor says they paid (on a call, on the portal), until when the
    customer's reminders wait, every item of theirs: the payment is not yet tied to
    invoices, and a reminder for money already sent would be wrong. None when the
    customer is already held that long: a hold is never shortened.

    >>> already_paid_hold(date(2026, 3, 2), None)
    datetime.date(2026, 3, 9)
    >>> already_paid_hold(date(2026, 3, 2), date(2026, 3, 5))
    datetime.date(2026, 3, 9)
    >>> already_paid_hold(date(2026, 3, 2), date(2026, 4, 1)) is None
    True
    """
    until = today + timedelta(days=ALREADY_PAID_HOLD_DAYS)
    return until if held_until is None or held_until < until else None
