"""Promises to pay: whether one is open, kept or broken, and how well a customer keeps them.

A promise is kept when the payments allocated to its items from the day it was recorded
reach its target by the promised date plus the grace days; the target is the promised
amount, or what its items owed when it was recorded. Past that day without the target
reached, it is broken (a later payment does not mend it). A cancelled promise stays
cancelled.

>>> from datetime import date
>>> p = PromiseFacts(date(2026, 3, 2), date(2026, 3, 10), 2, target=50000)
>>> status(p, [], date(2026, 3, 12))
(<PromiseStatus.OPEN: 'open'>, None)
>>> status(p, [], date(2026, 3, 13))
(<PromiseStatus.BROKEN: 'broken'>, datetime.date(2026, 3, 13))
>>> status(p, [(date(2026, 3, 9), 20000), (date(2026, 3, 11), 30000)], date(2026, 4, 1))
(<PromiseStatus.KEPT: 'kept'>, datetime.date(2026, 3, 11))
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from relance.core.errors import one_of

DEFAULT_GRACE_DAYS = 2


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


class PromiseChannel(StrEnum):
    CALL = "call"
    EMAIL = "email"
    PORTAL = "portal"
    LETTER = "letter"
    IN_PERSON = "in_person"


def parse_channel(value: str) -> PromiseChannel:
    return one_of(PromiseChannel, value, "promise channel")


@dataclass(frozen=True, slots=True)
class PromiseFacts:
    recorded_on: date
    promised_date: date
    grace_days: int
    target: int  # minor units the payments must reach
    cancelled_on: date | None = None

    @property
    def deadline(self) -> date:
        """The last day a payment keeps the promise (and its items stay paused)."""
        return self.promised_date + timedelta(days=self.grace_days)


def status(
    promise: PromiseFacts, payments: Iterable[tuple[date, int]], today: date
) -> tuple[PromiseStatus, date | None]:
    """The promise's status on `today` and the day it took it (None while open).

    `payments` are (date, minor units) allocated to the promise's items; those before
    the promise was recorded or after its deadline do not count.
    """
    if promise.cancelled_on is not None and promise.cancelled_on <= today:
        return PromiseStatus.CANCELLED, promise.cancelled_on
    paid = 0
    for day, amount in sorted(payments):
        if promise.recorded_on <= day <= min(promise.deadline, today):
            paid += amount
            if paid >= promise.target:
                return PromiseStatus.KEPT, max(day, promise.recorded_on)
    if promise.target <= 0:  # nothing left to pay when it was recorded
        return PromiseStatus.KEPT, promise.recorded_on
    if today > promise.deadline:
        return PromiseStatus.BROKEN, promise.deadline + timedelta(days=1)
    return PromiseStatus.OPEN, None


def keeping_rate(statuses: Iterable[PromiseStatus]) -> Decimal | None:
    """Kept promises over the promises decided (kept or broken), as a fraction rounded
    to 4 places; None before any was decided. Open and cancelled ones do not count.

    >>> S = PromiseStatus
    >>> keeping_rate([S.KEPT, S.BROKEN, S.KEPT, S.OPEN, S.CANCELLED])
    Decimal('0.6667')
    >>> keeping_rate([S.OPEN]) is None
    True
    """
    kept = broken = 0
    for s in statuses:
        kept += s is PromiseStatus.KEPT
        broken += s is PromiseStatus.BROKEN
    if not kept + broken:
        return None
    return (Decimal(kept) / Decimal(kept + broken)).quantize(Decimal("0.0001"))
