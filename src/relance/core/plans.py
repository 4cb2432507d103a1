"""Payment plans (échéanciers): instalments that always sum exactly to the total.

>>> from datetime import date
>>> schedule(100000, 3, date(2026, 1, 31), "month")
[(datetime.date(2026, 1, 31), 33334), (datetime.date(2026, 2, 28), 33333), (datetime.date(2026, 3, 31), 33333)]
>>> schedule(1000, 2, date(2026, 1, 5), "week", down_payment=400)
[(datetime.date(2026, 1, 5), 400), (datetime.date(2026, 1, 5), 300), (datetime.date(2026, 1, 12), 300)]
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from relance.core.errors import DomainError

FREQUENCIES = ("week", "fortnight", "month", "quarter")


def add_months(day: date, months: int, anchor: int | None = None) -> date:
    """`day` moved by whole months, kept on `anchor` (its day of month) where it exists."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(anchor or day.day, last))


def due_dates(first: date, count: int, every: str) -> list[date]:
    if every not in FREQUENCIES:
        raise DomainError(f"every: one of {', '.join(FREQUENCIES)}")
    if every in ("week", "fortnight"):
        step = 7 if every == "week" else 14
        return [first + timedelta(days=step * n) for n in range(count)]
    months = 1 if every == "month" else 3
    return [add_months(first, months * n, first.day) for n in range(count)]


def schedule(
    total: int, count: int, first: date, every: str, *, down_payment: int = 0
) -> list[tuple[date, int]]:
    """(due date, minor units) of a down payment (on `first`, when any) and `count` equal
    instalments of the rest; the cents that do not divide go to the first ones."""
    if count < 1:
        raise DomainError("a plan has at least one instalment")
    if total <= 0 or not 0 <= down_payment < total:
        raise DomainError("the down payment must be less than the total")
    rest = total - down_payment
    base, extra = divmod(rest, count)
    amounts = [base + (1 if n < extra else 0) for n in range(count)]
    lines = [(first, down_payment)] if down_payment else []
    return lines + list(zip(due_dates(first, count, every), amounts, strict=True))


def defaulted(instalments: list[tuple[date, int]], paid: int, today: date, grace_days: int) -> bool:
    """Whether a plan is broken: by `today` minus the grace days, less was paid than the
    instalments due by then (the items then resume at their next step).

    >>> lines = [(date(2026, 3, 10), 500), (date(2026, 4, 10), 500)]
    >>> defaulted(lines, 0, date(2026, 3, 12), 5), defaulted(lines, 0, date(2026, 3, 16), 5)
    (False, True)
    >>> defaulted(lines, 500, date(2026, 4, 12), 5)
    False
    """
    cutoff = today - timedelta(days=grace_days)
    due = sum(amount for day, amount in instalments if day < cutoff)
    return paid < due
