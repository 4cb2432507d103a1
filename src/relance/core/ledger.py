"""Open items: their status, how late they are, and which of them a payment settles.

>>> from datetime import date
>>> [str(invoice_status(120000, left)) for left in (120000, 20000, 0)]
['open', 'partially_paid', 'paid']
>>> days_overdue(date(2026, 3, 1), as_of=date(2026, 3, 31))
30
>>> overdue_bucket(date(2026, 3, 1), as_of=date(2026, 3, 31))
'1-30'
>>> overdue_bucket(date(2026, 3, 1), as_of=date(2026, 3, 1))
'not_due'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Protocol


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"


class InvoiceKind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"


def invoice_status(amount: int, open_amount: int) -> InvoiceStatus:
    """Status from the total and what is still open (both signed alike)."""
    if open_amount == 0:
        return InvoiceStatus.PAID
    if open_amount == amount:
        return InvoiceStatus.OPEN
    return InvoiceStatus.PARTIALLY_PAID


@dataclass(frozen=True, slots=True)
class Settlement:
    settled_elsewhere: int
    open_amount: int
    status: InvoiceStatus


def settle(amount: int, allocated: int, reported_open: int | None) -> Settlement:
    """What is still open on an invoice, from its total, what Relance allocated to it, and
    what the accounting export reported as open (the rest was settled outside Relance).
    Where the two disagree, the smaller open amount wins: an export made before a
    payment that Relance already allocated does not reopen the invoice.

    >>> settle(30000, 0, None).open_amount, settle(30000, 0, 10000).settled_elsewhere
    (30000, 20000)
    >>> settle(30000, 10000, 10000)
    Settlement(settled_elsewhere=10000, open_amount=10000, status=<InvoiceStatus.PARTIALLY_PAID: 'partially_paid'>)
    >>> settle(10000, 10000, 10000).open_amount
    0
    """
    if reported_open is None:
        elsewhere = 0
    elif amount < 0:  # a credit note: the same, with signs reversed
        elsewhere = min(0, amount - allocated - reported_open)
    else:
        elsewhere = max(0, amount - allocated - reported_open)
    open_amount = amount - allocated - elsewhere
    return Settlement(elsewhere, open_amount, invoice_status(amount, open_amount))


def days_overdue(due: date, *, as_of: date) -> int:
    """As-of date minus due date; zero or negative while not yet due."""
    return (as_of - due).days


# Upper bounds (days overdue, inclusive) of the default aged-balance buckets.
DEFAULT_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("not_due", 0),
    ("1-30", 30),
    ("31-60", 60),
    ("61-90", 90),
    ("over_90", None),
)


def overdue_bucket(
    due: date, *, as_of: date, buckets: Sequence[tuple[str, int | None]] = DEFAULT_BUCKETS
) -> str:
    late = days_overdue(due, as_of=as_of)
    for label, upper in buckets:
        if upper is None or late <= upper:
            return label
    raise ValueError("the last bucket must be open-ended")


def bucket_due_dates(
    label: str, *, as_of: date, buckets: Sequence[tuple[str, int | None]] = DEFAULT_BUCKETS
) -> tuple[date | None, date | None]:
    """The range of due dates (inclusive, None = unbounded) that fall in a bucket.

    >>> bucket_due_dates("1-30", as_of=date(2026, 3, 31))
    (datetime.date(2026, 3, 1), datetime.date(2026, 3, 30))
    >>> bucket_due_dates("not_due", as_of=date(2026, 3, 31))
    (datetime.date(2026, 3, 31), None)
    """
    lower_late: int | None = None
    for name, upper in buckets:
        if name == label:
            latest = None if lower_late is None else as_of - timedelta(days=lower_late + 1)
            earliest = None if upper is None else as_of - timedelta(days=upper)
            return earliest, latest
        lower_late = upper
    raise ValueError(f"unknown bucket {label!r}")


@dataclass(frozen=True, slots=True)
class OpenItem:
    number: str
    due_date: date
    open_amount: int  # minor units, positive for what the customer owes


def allocate(
    amount: int, items: Sequence[OpenItem], hints: Sequence[str] = ()
) -> list[tuple[str, int]]:
    """Which open items a payment of `amount` minor units settles, and how much of each.

    With hints (invoice numbers named on the remittance), only those items, in that
    order. Without, an item whose open amount is exactly the payment; otherwise the
    oldest due first, as article 1342-10 of the French Code civil applies a payment
    the debtor did not assign. What is left stays unapplied on the customer's account.

    >>> items = [OpenItem("F2", date(2026, 2, 1), 500), OpenItem("F1", date(2026, 1, 1), 300)]
    >>> allocate(500, items)
    [('F2', 500)]
    >>> allocate(600, items)
    [('F1', 300), ('F2', 300)]
    >>> allocate(1000, items, hints=["F2"])
    [('F2', 500)]
    """
    if amount <= 0:
        return []
    candidates = [i for i in items if i.open_amount > 0]
    if hints:
        by_number = {i.number: i for i in candidates}
        chosen = [by_number[n] for n in dict.fromkeys(hints) if n in by_number]
    else:
        exact = [i for i in candidates if i.open_amount == amount]
        if len(exact) == 1:
            return [(exact[0].number, amount)]
        chosen = sorted(candidates, key=lambda i: (i.due_date, i.number))
    return spread(amount, chosen)


class Owed(Protocol):
    """Anything that owes an open amount under a number (read-only: frozen items fit)."""

    @property
    def number(self) -> str: ...

    @property
    def open_amount(self) -> int: ...


def spread(amount: int, items: Iterable[Owed]) -> list[tuple[str, int]]:
    """`amount` applied to `items` in their order, each up to its open amount, until it
    runs out.

    >>> spread(600, [OpenItem("F1", date(2026, 1, 1), 300), OpenItem("F2", date(2026, 2, 1), 500)])
    [('F1', 300), ('F2', 300)]
    """
    result: list[tuple[str, int]] = []
    left = amount
    for item in items:
        if left == 0:
            break
        part = min(left, item.open_amount)
        result.append((item.number, part))
        left -= part
    return result
