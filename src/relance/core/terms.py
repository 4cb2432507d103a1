"""Payment terms and due dates.

Terms are written the way French ledgers write them: ``30`` (30 days from issue),
``45EOM`` (45 days, then to the end of that month: "45 jours fin de mois", the reading
the DGCCRF accepts), ``30EOM10`` (30 days end of month, then the 10th of the next
month), ``0`` (due on receipt).

>>> from datetime import date
>>> due_date(date(2026, 1, 15), PaymentTerms.parse("30"))
datetime.date(2026, 2, 14)
>>> due_date(date(2026, 1, 10), PaymentTerms.parse("45EOM"))
datetime.date(2026, 2, 28)
>>> due_date(date(2026, 1, 31), PaymentTerms.parse("30 EOM 10"))
datetime.date(2026, 4, 10)
>>> PaymentTerms.parse("net 30")
PaymentTerms(days=30, end_of_month=False, day_of_month=None)
>>> PaymentTerms.parse("soon")
Traceback (most recent call last):
...
relance.core.errors.InvalidTerms: payment terms 'soon' not understood (write 30, 45EOM, 60, 30EOM10)
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Self

from relance.core.errors import InvalidTerms

_TERMS = re.compile(
    r"(?:net\s*)?(?P<days>\d{1,3})\s*(?:j(?:ours)?|d(?:ays)?)?\s*"
    r"(?P<eom>eom|fdm|fin\s*de\s*mois|end\s*of\s*month)?\s*(?:le\s*)?(?P<dom>\d{1,2})?",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class PaymentTerms:
    days: int
    end_of_month: bool = False
    day_of_month: int | None = None

    @classmethod
    def parse(cls, text: str) -> Self:
        m = _TERMS.fullmatch(text.strip())
        if not m or (m["dom"] and not m["eom"]):
            raise InvalidTerms(
                f"payment terms {text!r} not understood (write 30, 45EOM, 60, 30EOM10)"
            )
        dom = int(m["dom"]) if m["dom"] else None
        if dom is not None and not 1 <= dom <= 31:
            raise InvalidTerms(f"payment terms {text!r}: day of month must be 1..31")
        return cls(int(m["days"]), bool(m["eom"]), dom)

    def __str__(self) -> str:
        if not self.end_of_month:
            return str(self.days)
        return f"{self.days}EOM{self.day_of_month or ''}"


def end_of_month(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def due_date(issue_date: date, terms: PaymentTerms) -> date:
    """The due date that `terms` give an invoice issued on `issue_date`."""
    due = issue_date + timedelta(days=terms.days)
    if not terms.end_of_month:
        return due
    due = end_of_month(due)
    if terms.day_of_month is None:
        return due
    first_of_next = due + timedelta(days=1)
    last = calendar.monthrange(first_of_next.year, first_of_next.month)[1]
    return first_of_next.replace(day=min(terms.day_of_month, last))
