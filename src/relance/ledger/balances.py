"""Customers' open and overdue totals, stored on the customer for fast lists.

Summing a million invoices on every page of the customers list is too slow, so each
customer carries its totals in the creditor's currency, valid as of
`creditor.balances_as_of`. Overdue amounts change at midnight without any write: the
first read on a new day refreshes them all (`ensure_current`). A write that changes open
items goes through `updating`, which marks the totals stale before it starts, so that
an interrupted write can never leave wrong totals marked current.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date

from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from relance.ledger import flows
from relance.ledger.models import Creditor, Customer, Invoice

# Past this many touched customers one pass over every customer is cheaper.
PARTIAL_LIMIT = 5000


def _sum(currency: str, condition: Q) -> Coalesce:
    open_items = (
        Invoice.objects.filter(condition, customer=OuterRef("pk"), currency=currency)
        .exclude(status="paid")
        .values("customer")
        .annotate(total=Sum("open_amount"))
        .values("total")
    )
    return Coalesce(Subquery(open_items), 0)


def _update(creditor: Creditor, today: date, customer_ids: Iterable[int] | None) -> None:
    customers = Customer.objects.filter(creditor=creditor)
    if customer_ids is not None:
        customers = customers.filter(pk__in=list(customer_ids))
    customers.update(
        open_total=_sum(creditor.currency, Q()),
        overdue_total=_sum(creditor.currency, Q(due_date__lt=today)),
    )


def _mark(creditor: Creditor, as_of: date | None) -> None:
    Creditor.objects.filter(pk=creditor.pk).update(balances_as_of=as_of)
    creditor.balances_as_of = as_of


def invalidate(creditor: Creditor) -> None:
    """After an edit that may move totals: the next read recomputes them all."""
    _mark(creditor, None)


def refresh(creditor: Creditor, today: date) -> None:
    """Recompute every customer's totals as of `today`; and sum up the receivables'
    flows the day's writes added (ledger.flows), at the same moments: once a day and
    after large writes."""
    _update(creditor, today, None)
    _mark(creditor, today)
    flows.compact(creditor.pk)


def ensure_current(creditor: Creditor, today: date) -> None:
    if creditor.balances_as_of != today:
        refresh(creditor, today)


@contextmanager
def updating(creditor: Creditor, today: date) -> Iterator[set[int]]:
    """Around a write: yields the set in which the writer adds the customers it touched;
    refreshes them (or everyone) when the write completes."""
    was_current = creditor.balances_as_of == today
    _mark(creditor, None)
    touched: set[int] = set()
    yield touched
    if was_current and len(touched) <= PARTIAL_LIMIT:
        _update(creditor, today, touched)
        _mark(creditor, today)
    else:
        refresh(creditor, today)
