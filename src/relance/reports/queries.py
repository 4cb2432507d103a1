"""Reads behind the aged balance: open amounts on any date, rebuilt from the history.

An item's open amount on a date D is its amount, less the allocations (payments and
credit notes) dated D or before, less what was written off by D; items issued after D
do not exist yet. Rather than replay a million invoices for every date, the query
starts from today's open amounts and gives back what happened after D: the allocations
dated after D, the write-offs dated after D. An amount settled outside Relance (an
accounting export said so, with no date) counts as settled on the due date, as
penalties count it (relance.law.interest). So today costs one pass over the open items,
and a past date that much more as the allocations made since.

Unapplied credits, credit notes not yet set against an invoice and payments on
account, go to the `credits` bucket (core.aging.CREDITS), whatever their date.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection

from relance.core.aging import CREDITS, Account, Aging, Bucket, Row, aged_balance, due_date_floors
from relance.ledger.flows import as_date
from relance.ledger.models import Creditor, Customer

# `items`: the invoices and credit notes open on %(d)s with what was open (`open_on`);
# `on_account`: the payments with something unapplied then (`unapplied_on`). Only rows
# that may be open are read: open today, or touched by an allocation or a write-off
# after that date, or settled elsewhere after it. The open ones and the others are read
# apart (UNION ALL rather than one OR) so that each part can use its own index (ledger
# models' Meta): the open items' and the payments on account's covering partial indexes,
# then index lookups for the invoices and payments closed since that date.
_OPEN_ON_SUM = """i.open_amount
            + CASE WHEN i.written_off_on > %(d)s THEN i.written_off ELSE 0 END
            + CASE WHEN i.due_date > %(d)s THEN i.settled_elsewhere ELSE 0 END
            + COALESCE(b.amount, 0)"""
_OPEN_ON = f"""
WITH later AS (
    SELECT invoice_id, credit_note_id, payment_id, amount
    FROM ledger_allocation WHERE date > %(d)s
), back AS (
    SELECT id, SUM(amount) AS amount FROM (
        SELECT invoice_id AS id, amount FROM later
        UNION ALL
        SELECT credit_note_id, -amount FROM later WHERE credit_note_id IS NOT NULL
    ) moved GROUP BY id
), closed_since AS (
    SELECT id FROM ledger_invoice
    WHERE creditor_id = %(c)s AND written_off_on > %(d)s AND written_off_on IS NOT NULL
    UNION
    SELECT id FROM ledger_invoice
    WHERE creditor_id = %(c)s AND NOT (settled_elsewhere = 0) AND due_date > %(d)s
    UNION
    SELECT id FROM back
), items AS (
    SELECT * FROM (
        SELECT i.id, i.currency, i.customer_id, i.kind, i.due_date, {_OPEN_ON_SUM} AS open_on
        FROM ledger_invoice i LEFT JOIN back b ON b.id = i.id
        WHERE i.creditor_id = %(c)s AND i.status IN ('open', 'partially_paid')
            AND i.issue_date <= %(d)s
        UNION ALL
        SELECT i.id, i.currency, i.customer_id, i.kind, i.due_date, {_OPEN_ON_SUM}
        FROM closed_since s JOIN ledger_invoice i ON i.id = s.id
            LEFT JOIN back b ON b.id = i.id
        WHERE i.creditor_id = %(c)s AND i.status NOT IN ('open', 'partially_paid')
            AND i.issue_date <= %(d)s
    ) found WHERE open_on <> 0
), paid_back AS (
    SELECT payment_id AS id, SUM(amount) AS amount FROM later
    WHERE payment_id IS NOT NULL GROUP BY payment_id
), on_account AS (
    SELECT * FROM (
        SELECT p.id, p.currency, p.customer_id, p.unapplied + COALESCE(l.amount, 0)
            AS unapplied_on
        FROM ledger_payment p LEFT JOIN paid_back l ON l.id = p.id
        WHERE p.creditor_id = %(c)s AND NOT (p.unapplied = 0) AND p.date <= %(d)s
            AND p.customer_id IS NOT NULL
        UNION ALL
        SELECT p.id, p.currency, p.customer_id, l.amount
        FROM paid_back l JOIN ledger_payment p ON p.id = l.id
        WHERE p.creditor_id = %(c)s AND p.unapplied = 0 AND p.date <= %(d)s
            AND p.customer_id IS NOT NULL
    ) found WHERE unapplied_on <> 0
)
"""


def _bucket_case(floors: Sequence[date], params: dict[str, Any]) -> str:
    """SQL for the bucket index of an invoice `i` by plain due-date comparisons."""
    whens = [f"WHEN i.kind = 'credit_note' THEN {CREDITS}"]
    for index, floor in enumerate(floors):
        params[f"f{index}"] = floor
        whens.append(f"WHEN i.due_date >= %(f{index})s THEN {index}")
    return f"CASE {' '.join(whens)} ELSE {len(floors)} END"


def _params(creditor: Creditor, as_of: date) -> dict[str, Any]:
    return {"c": creditor.pk, "d": as_of}


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def aging_rows(creditor: Creditor, as_of: date, buckets: Sequence[Bucket]) -> list[Row]:
    """Open amounts on `as_of` summed per currency and customer, bucket by bucket (one
    query: a row per customer, not per bucket, is half the rows for Python to read)."""
    params = _params(creditor, as_of)
    bucket = _bucket_case(due_date_floors(as_of, buckets), params)
    keys = [*range(len(buckets)), CREDITS]
    # BIGINT: PostgreSQL would sum bigints as numeric.
    amounts = [f"CAST(SUM(CASE WHEN b = {k} THEN amount ELSE 0 END) AS BIGINT)" for k in keys]
    counts = [f"CAST(SUM(CASE WHEN b = {k} THEN 1 ELSE 0 END) AS BIGINT)" for k in keys]
    sql = (
        _OPEN_ON
        + f"""
, sums AS (
    SELECT currency, customer_id, {", ".join(amounts + counts)} FROM (
        SELECT i.currency, i.customer_id, {bucket} AS b, i.open_on AS amount FROM items i
        UNION ALL
        SELECT p.currency, p.customer_id, {CREDITS}, -p.unapplied_on FROM on_account p
    ) found GROUP BY currency, customer_id
)
SELECT c.code, c.name, c.segment, COALESCE(u.username, ''), s.*
FROM sums s JOIN ledger_customer c ON c.id = s.customer_id
    LEFT JOIN {get_user_model()._meta.db_table} u ON u.id = c.collector_id
"""
    )
    width = len(keys)
    return [
        Row(r[4], Account(*r[:4]), r[6 : 6 + width], r[6 + width :]) for r in _fetch(sql, params)
    ]


def aging(
    creditor: Creditor,
    as_of: date,
    buckets: Sequence[Bucket],
    segment: str | None = None,
    collector: str | None = None,
) -> list[Aging]:
    """The aged balance on `as_of`, one per currency; only the customers of `segment`
    and of `collector` (a username) when given."""
    with paused_collector():
        rows = aging_rows(creditor, as_of, buckets)
        if segment is not None:
            rows = [r for r in rows if r.account.segment == segment]
        if collector is not None:
            rows = [r for r in rows if r.account.collector == collector]
        # An empty ledger still gets a (zero) report in the creditor's currency.
        currencies = () if rows else (creditor.currency,)
        return aged_balance(rows, as_of, buckets, currencies)


@contextmanager
def paused_collector() -> Iterator[None]:
    """Without Python's cycle collector while making a report's lines: they are tuples,
    without cycles, and each collection triggered by making 100,000 of them would walk
    every object alive again (a third of the aged balance's time on a million invoices,
    bench/README.md)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def segments(creditor: Creditor) -> list[str]:
    return sorted(set(Customer.objects.filter(creditor=creditor).values_list("segment", flat=True)))


def collectors(creditor: Creditor) -> list[str]:
    """The usernames of those who work some of the creditor's customers."""
    found = Customer.objects.filter(creditor=creditor, collector__isnull=False)
    return sorted(set(found.values_list("collector__username", flat=True)))


@dataclass(frozen=True, slots=True)
class Item:
    """One open item on a date, as the drill-down lists it."""

    kind: str  # invoice, credit_note or payment
    number: str
    customer: str
    name: str
    issue_date: date
    due_date: date | None
    currency: str
    amount: int
    open_amount: int


def items(
    creditor: Creditor,
    as_of: date,
    buckets: Sequence[Bucket],
    *,
    bucket: int | None = None,
    customer: str | None = None,
    currency: str | None = None,
    limit: int = 500,
) -> list[Item]:
    """The items open on `as_of` (in `bucket`, of `customer`, in `currency` when
    given), the oldest due first, at most `limit`."""
    params = _params(creditor, as_of) | {"limit": limit}
    case = _bucket_case(due_date_floors(as_of, buckets), params)
    where, pay_where = [""], [""]
    if customer is not None:
        params["code"] = customer
        where.append("c.code = %(code)s")
        pay_where.append("c.code = %(code)s")
    if currency is not None:
        params["cur"] = currency
        where.append("i.currency = %(cur)s")
        pay_where.append("p.currency = %(cur)s")
    if bucket is not None:
        params["b"] = bucket
        where.append(f"{case} = %(b)s")
        if bucket != CREDITS:
            pay_where.append("1 = 0")  # payments on account are credits only
    sql = (
        _OPEN_ON
        + f"""
SELECT * FROM (
    SELECT i.kind, x.number, c.code, c.name, x.issue_date, i.due_date, i.currency,
        x.amount, i.open_on
    FROM items i JOIN ledger_invoice x ON x.id = i.id
        JOIN ledger_customer c ON c.id = i.customer_id
    WHERE 1 = 1 {" AND ".join(where)}
    UNION ALL
    SELECT 'payment', COALESCE(NULLIF(x.reference, ''), x.key), c.code, c.name, x.date,
        NULL, p.currency, x.amount, -p.unapplied_on
    FROM on_account p JOIN ledger_payment x ON x.id = p.id
        JOIN ledger_customer c ON c.id = p.customer_id
    WHERE 1 = 1 {" AND ".join(pay_where)}
) found
ORDER BY 6, 5, 2
LIMIT %(limit)s
"""
    )
    return [
        Item(
            kind,
            number,
            code,
            name,
            as_date(issued),
            as_date(due) if due else None,
            cur,
            int(amount),
            int(left),
        )
        for kind, number, code, name, issued, due, cur, amount, left in _fetch(sql, params)
    ]
