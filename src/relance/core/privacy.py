"""What the GDPR lets a creditor keep about a customer, and for how long.

A person may ask to have their data erased (GDPR art. 17), but not while the creditor
needs it to establish or defend a claim (art. 17(3)(e)): an item still open, a dispute
or a promise not closed, a payment plan running, a file with an agency or a court. The
CNIL's reference for managing unpaid debts (délibération 2021-130) keeps the data in
the active base until the debt is settled, then in an intermediate archive while a claim
could still arise; invoices themselves are accounting records kept ten years (Code de
commerce L123-22), so they stay, under a customer whose personal data is gone.

>>> hold = Claims(open_items=2, open_disputes=0, open_promises=0, active_plans=0, open_cases=1)
>>> hold.reasons()
['2 items still open', '1 file with an agency or a court']
>>> Claims().reasons()
[]
>>> expired(date(2020, 6, 30), today=date(2026, 6, 30), years=5)
True
>>> expired(date(2021, 7, 1), today=date(2026, 6, 30), years=5)
False
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from relance.core.errors import DomainError

# The redaction that replaces a personal value that must stay in a record's shape.
ERASED = "[erased]"
# Five years: the prescription of claims between traders and of a consumer's debt to a
# trader (Code de commerce L110-4, Code civil 2224), after which no claim can arise.
DEFAULT_RETENTION_YEARS = 5


@dataclass(frozen=True, slots=True)
class Claims:
    """What a customer still has that keeps a claim alive, counted."""

    open_items: int = 0
    open_disputes: int = 0
    open_promises: int = 0
    active_plans: int = 0
    open_cases: int = 0

    def reasons(self) -> list[str]:
        """Why the customer's data may not be erased yet; empty when it may."""
        found = [
            (self.open_items, "item still open", "items still open"),
            (self.open_disputes, "dispute still open", "disputes still open"),
            (self.open_promises, "promise to pay still open", "promises to pay still open"),
            (self.active_plans, "payment plan running", "payment plans running"),
            (self.open_cases, "file with an agency or a court", "files with an agency or a court"),
        ]
        return [f"{n} {one if n == 1 else many}" for n, one, many in found if n]


def retention(years: int) -> int:
    """`years` as a retention: a whole number of years, at least one.

    >>> retention(5)
    5
    >>> retention(0)
    Traceback (most recent call last):
    ...
    relance.core.errors.DomainError: the retention is at least 1 year (not 0)
    """
    if years < 1:
        raise DomainError(f"the retention is at least 1 year (not {years})")
    return years


def expired(last_activity: date, *, today: date, years: int) -> bool:
    """Whether data whose last activity was on `last_activity` is past its retention of
    `years` on `today` (a 29 February counts from 28 February in a common year)."""
    try:
        end = last_activity.replace(year=last_activity.year + years)
    except ValueError:
        end = last_activity.replace(year=last_activity.year + years, day=28)
    return today > end
