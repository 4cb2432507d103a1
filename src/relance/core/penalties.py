"""Late-payment penalties: interest on the open amount, day by day, period by period.

A period is a run of days with one base (open amount) and one rate; it changes when
the rate changes (a new semester) or the open amount does (a partial payment, a credit
note). Each period's interest is `base x rate x days / basis`, rounded half-up to the
cent; the periods are then summed.

>>> from datetime import date
>>> flat = lambda day: (Decimal("15"), None)
>>> [p.amount for p in accrue(1500000, [], date(2026, 1, 31), date(2026, 3, 2), flat, "EUR")]
[18493]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from relance.core.currencies import minor_units
from relance.core.money import round_money

# rate_at(day) -> (annual rate in percent, the last day it holds, or None for "until the end")
RateAt = Callable[[date], tuple[Decimal, date | None]]


@dataclass(frozen=True, slots=True)
class Period:
    start: date  # first day of interest
    end: date  # last day of interest
    days: int
    base: int  # minor units
    rate: Decimal  # percent a year
    amount: int  # minor units, rounded


def accrue(
    amount: int,
    changes: Sequence[tuple[date, int]],
    due: date,
    until: date,
    rate_at: RateAt,
    currency: str,
    *,
    basis: int = 365,
    count_last_day: bool = True,
) -> list[Period]:
    """Interest from the day after `due` to `until` (included, or not with
    `count_last_day=False`) on `amount`, reduced by `changes`: (day, new open amount),
    the new amount counting from the next day (money available on a day still earns
    that day's interest)."""
    last = until if count_last_day else until - timedelta(days=1)
    day = due + timedelta(days=1)
    steps = sorted(changes)
    base = amount
    for when, open_amount in steps:
        if when < day:
            base = open_amount
    periods: list[Period] = []
    while day <= last:
        rate, rate_end = rate_at(day)
        end = last if rate_end is None else min(last, rate_end)
        for when, _ in steps:
            if day <= when < end:
                end = when
                break
        days = (end - day).days + 1
        if base > 0 and rate > 0:
            major = Decimal(base).scaleb(-minor_units(currency))
            minor = round_money(major * rate * days / (Decimal(100) * basis), currency)
            periods.append(Period(day, end, days, base, rate, minor))
        for when, open_amount in steps:
            if when == end:
                base = open_amount
        day = end + timedelta(days=1)
    return periods


def balance_history(
    amount: int,
    settled_elsewhere: int,
    payments: Sequence[tuple[date, int]],
    still_open: bool,
    as_of: date,
) -> tuple[int, list[tuple[date, int]], date]:
    """(starting base, (day, new open amount) changes, last day of interest) of an invoice.

    An amount settled outside Relance has no known date: it counts as paid on the due
    date, so a claim never exceeds what can be shown. A paid invoice stops earning
    interest on the day of its last payment.

    >>> balance_history(10000, 0, [(date(2025, 2, 1), 4000), (date(2025, 3, 1), 6000)], False, date(2025, 6, 1))
    (10000, [(datetime.date(2025, 2, 1), 6000), (datetime.date(2025, 3, 1), 0)], datetime.date(2025, 3, 1))
    """
    base = amount - settled_elsewhere
    changes, left = [], base
    for day, part in sorted(payments):
        left -= part
        changes.append((day, left))
    until = as_of if still_open or not changes else min(as_of, changes[-1][0])
    return base, changes, until


def penalty_invoice_number(year: int, sequence: int) -> str:
    """The number of a creditor's penalty invoice: one sequence a year, no gap.

    >>> penalty_invoice_number(2026, 1)
    'PEN-2026-0001'
    """
    return f"PEN-{year}-{sequence:04d}"
