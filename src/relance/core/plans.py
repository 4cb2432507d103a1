"""Payment plans (échéanciers): a schedule that always sums exactly to the total, the
plan's life (proposed, signed, completed, defaulted, cancelled), each instalment's state
from the payments allocated to the plan's invoices, and the reminders it calls for.

>>> from datetime import date
>>> schedule(100000, 3, date(2026, 1, 31), "month")
[(datetime.date(2026, 1, 31), 33334), (datetime.date(2026, 2, 28), 33333), (datetime.date(2026, 3, 31), 33333)]
>>> schedule(1000, 2, date(2026, 1, 5), "week", down_payment=400)
[(datetime.date(2026, 1, 5), 400), (datetime.date(2026, 1, 5), 300), (datetime.date(2026, 1, 12), 300)]
>>> schedule(1000, 3, date(2026, 1, 5), "fortnight", amounts=[500, 300, 200])
[(datetime.date(2026, 1, 5), 500), (datetime.date(2026, 1, 19), 300), (datetime.date(2026, 2, 2), 200)]
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from relance.core.errors import DomainError
from relance.core.money import format_minor

FREQUENCIES = ("week", "fortnight", "month", "quarter")
MAX_INSTALMENTS = 120


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
    total: int,
    count: int,
    first: date,
    every: str,
    *,
    down_payment: int = 0,
    amounts: Sequence[int] | None = None,
    currency: str = "EUR",
) -> list[tuple[date, int]]:
    """(due date, minor units) of a down payment (on `first`, when any) and `count`
    instalments of the rest: equal ones (the minor units that do not divide go to the
    first ones), or the custom `amounts`, which must add up to the rest exactly.
    `currency` only words the errors.

    >>> schedule(1000, 3, date(2026, 1, 5), "month", amounts=[500, 300, 100])
    Traceback (most recent call last):
    ...
    relance.core.errors.DomainError: the amounts add up to 9.00, not the 10.00 to spread
    """
    if amounts is not None:
        if count and count != len(amounts):
            raise DomainError(f"{len(amounts)} amounts given for {count} instalments")
        count = len(amounts)
    if not 1 <= count <= MAX_INSTALMENTS:
        raise DomainError(f"a plan has from 1 to {MAX_INSTALMENTS} instalments")
    if total <= 0:
        raise DomainError("a plan needs something to pay")
    if not 0 <= down_payment < total:
        raise DomainError("the down payment must be less than the total")
    rest = total - down_payment
    if amounts is None:
        base, extra = divmod(rest, count)
        amounts = [base + (1 if n < extra else 0) for n in range(count)]
    else:
        if any(a <= 0 for a in amounts):
            raise DomainError("every instalment is more than zero")
        if sum(amounts) != rest:
            raise DomainError(
                f"the amounts add up to {format_minor(sum(amounts), currency)}, "
                f"not the {format_minor(rest, currency)} to spread"
            )
    lines = [(first, down_payment)] if down_payment else []
    return lines + list(zip(due_dates(first, count, every), amounts, strict=True))


def defaulted(instalments: list[tuple[date, int]], paid: int, today: date, grace_days: int) -> bool:
    """Whether a plan is broken: by `today` minus the grace days, less was paid than the
    instalments due by then (the items then resume at their next step).

    >>> lines = [(date(2026, 3, 10), 500), (date(2026, 4, 10), 500)]
    >>> defaulted(lines, 0, date(2026, 3, 15), 5), defaulted(lines, 0, date(2026, 3, 16), 5)
    (False, True)
    >>> defaulted(lines, 500, date(2026, 4, 12), 5)
    False
    """
    cutoff = today - timedelta(days=grace_days)
    due = sum(amount for day, amount in instalments if day < cutoff)
    return paid < due


class PlanStatus(StrEnum):
    PROPOSED = "proposed"  # agreed, the letter not signed back yet
    ACTIVE = "active"  # signed: an acknowledgement of the debt
    COMPLETED = "completed"
    DEFAULTED = "defaulted"
    CANCELLED = "cancelled"


# What may happen to a plan in each status. Proposed and active plans hold their items
# out of dunning; the three others are final, and the items are back in dunning (or paid).
TRANSITIONS: dict[tuple[PlanStatus, str], PlanStatus] = {
    (PlanStatus.PROPOSED, "sign"): PlanStatus.ACTIVE,
    (PlanStatus.PROPOSED, "complete"): PlanStatus.COMPLETED,
    (PlanStatus.PROPOSED, "default"): PlanStatus.DEFAULTED,
    (PlanStatus.PROPOSED, "cancel"): PlanStatus.CANCELLED,
    (PlanStatus.ACTIVE, "complete"): PlanStatus.COMPLETED,
    (PlanStatus.ACTIVE, "default"): PlanStatus.DEFAULTED,
    (PlanStatus.ACTIVE, "cancel"): PlanStatus.CANCELLED,
}
CURRENT = (PlanStatus.PROPOSED, PlanStatus.ACTIVE)


def transition(status: str, event: str) -> PlanStatus:
    """The status after `event` ("sign", "complete", "default", "cancel"), or a clear error.

    >>> transition("proposed", "sign")
    <PlanStatus.ACTIVE: 'active'>
    >>> transition("cancelled", "sign")
    Traceback (most recent call last):
    ...
    relance.core.errors.DomainError: a cancelled plan cannot be signed
    """
    found = TRANSITIONS.get((PlanStatus(status), event))
    if found is None:
        verbs = {"sign": "signed", "complete": "completed", "default": "defaulted"}
        article = "an" if status[:1] in "aeiou" else "a"
        raise DomainError(f"{article} {status} plan cannot be {verbs.get(event, event + 'led')}")
    return found


def outcome(
    status: str,
    instalments: list[tuple[date, int]],
    paid: int,
    today: date,
    grace_days: int,
    *,
    settled: bool = False,
) -> str | None:
    """The event a current plan calls for on `today` ("complete" when everything was paid
    or its items are `settled`, "default" when an instalment is unpaid past the grace
    days), or None.

    >>> lines = [(date(2026, 3, 10), 500), (date(2026, 4, 10), 500)]
    >>> outcome("active", lines, 1000, date(2026, 4, 10), 5)
    'complete'
    >>> outcome("active", lines, 400, date(2026, 3, 16), 5), outcome("cancelled", lines, 0, date(2026, 5, 1), 5)
    ('default', None)
    """
    if PlanStatus(status) not in CURRENT:
        return None
    if settled or paid >= sum(amount for _, amount in instalments):
        return "complete"
    if defaulted(instalments, paid, today, grace_days):
        return "default"
    return None


class InstalmentStatus(StrEnum):
    PAID = "paid"
    PARTLY_PAID = "partly_paid"  # not due yet, part of it paid
    DUE = "due"  # not due yet (or due today), nothing paid
    MISSED = "missed"  # past its due date and not fully paid


@dataclass(frozen=True)
class InstalmentState:
    number: int
    due_date: date
    amount: int
    paid: int
    status: InstalmentStatus

    @property
    def left(self) -> int:
        return self.amount - self.paid


def instalment_states(
    instalments: Sequence[tuple[date, int]], paid: int, today: date
) -> list[InstalmentState]:
    """Each instalment's state on `today`, the payments allocated since the plan started
    (`paid`) applied to the oldest instalment first.

    >>> lines = [(date(2026, 3, 10), 500), (date(2026, 4, 10), 500), (date(2026, 5, 10), 500)]
    >>> [s.status.value for s in instalment_states(lines, 700, date(2026, 4, 1))]
    ['paid', 'partly_paid', 'due']
    >>> [(s.status.value, s.paid) for s in instalment_states(lines, 700, date(2026, 4, 11))][:2]
    [('paid', 500), ('missed', 200)]
    """
    states, left = [], paid
    for number, (day, amount) in enumerate(sorted(instalments, key=lambda x: x[0]), start=1):
        covered = max(0, min(amount, left))
        left -= covered
        if covered >= amount:
            status = InstalmentStatus.PAID
        elif day < today:
            status = InstalmentStatus.MISSED
        elif covered:
            status = InstalmentStatus.PARTLY_PAID
        else:
            status = InstalmentStatus.DUE
        states.append(InstalmentState(number, day, amount, covered, status))
    return states


class ReminderKind(StrEnum):
    BEFORE = "plan_reminder"  # a few days before the due date
    MISSED = "plan_missed"  # the first business day after it, unpaid


def reminders(
    states: Sequence[InstalmentState],
    today: date,
    *,
    before_days: int,
    grace_days: int,
    sent: set[tuple[int, ReminderKind]],
) -> list[tuple[int, ReminderKind]]:
    """The reminders due on `today` (a business day: the caller checks), as (instalment
    number, kind), none of those already `sent`: one before each unpaid instalment from
    `before_days` ahead until its due date, one after an instalment missed, until the
    plan defaults at the end of the grace days. A run that missed days catches up once.

    >>> lines = [(date(2026, 3, 10), 500), (date(2026, 4, 10), 500)]
    >>> states = instalment_states(lines, 0, date(2026, 3, 5))
    >>> reminders(states, date(2026, 3, 5), before_days=5, grace_days=5, sent=set())
    [(1, <ReminderKind.BEFORE: 'plan_reminder'>)]
    >>> states = instalment_states(lines, 0, date(2026, 3, 11))
    >>> reminders(states, date(2026, 3, 11), before_days=5, grace_days=5, sent={(1, ReminderKind.BEFORE)})
    [(1, <ReminderKind.MISSED: 'plan_missed'>)]
    """
    due = []
    for s in states:
        if s.status == InstalmentStatus.PAID:
            continue
        if s.due_date - timedelta(days=before_days) <= today <= s.due_date:
            kind = ReminderKind.BEFORE
        elif s.due_date < today <= s.due_date + timedelta(days=grace_days):
            kind = ReminderKind.MISSED
        else:
            continue
        if (s.number, kind) not in sent:
            due.append((s.number, kind))
    return due
