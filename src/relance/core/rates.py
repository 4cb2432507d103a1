"""Reference rate tables (ECB, French legal rate, German base rate, Bank of England) as
values; relance.law reads them from the data files, tests build them by hand.

>>> from datetime import date, timedelta
>>> tables = RateTables(ecb=((date(2025, 6, 11), Decimal("2.15")),))
>>> tables.ecb_on(date(2025, 6, 20)), semester_start(date(2025, 11, 22))
(Decimal('2.15'), datetime.date(2025, 7, 1))
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from relance.core.errors import DomainError


class MissingRate(DomainError):
    """A table does not reach the date asked: the install's rate files need updating."""


def semester_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_semester(day: date) -> date:
    start = semester_start(day)
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


Series = tuple[tuple[date, Decimal], ...]  # (effective date, percent), sorted


def _on(series: Series, day: date, name: str) -> Decimal:
    n = bisect_right([d for d, _ in series], day)
    if n == 0:
        raise MissingRate(f"no {name} rate known on {day}")
    return series[n - 1][1]


@dataclass(frozen=True)
class RateTables:
    ecb: Series = ()  # main refinancing operations rate, by effective date
    fr_legal_individuals: Series = ()  # by semester start
    fr_legal_others: Series = ()
    de_base: Series = ()
    uk_base: Series = ()  # the reference rate of each semester, by semester start

    def ecb_on(self, day: date) -> Decimal:
        """The ECB rate in force on `day`; beyond the last semester the table confirms,
        refused rather than guessed."""
        self._covers(self.ecb, day, "ECB")
        return _on(self.ecb, day, "ECB")

    def fr_legal(self, day: date, *, individual: bool) -> Decimal:
        series = self.fr_legal_individuals if individual else self.fr_legal_others
        self._covers(series, day, "French legal interest")
        return _on(series, semester_start(day), "French legal interest")

    def de_base_on(self, day: date) -> Decimal:
        self._covers(self.de_base, day, "German base")
        return _on(self.de_base, semester_start(day), "German base")

    def uk_reference(self, day: date) -> Decimal:
        self._covers(self.uk_base, day, "Bank of England reference")
        return _on(self.uk_base, semester_start(day), "Bank of England reference")

    @staticmethod
    def _covers(series: Series, day: date, name: str) -> None:
        if not series or semester_start(day) > semester_start(series[-1][0]):
            last = semester_start(series[-1][0]) if series else None
            raise MissingRate(
                f"the {name} rate table stops at the semester of {last}; add the rate for "
                f"the semester of {semester_start(day)} to the rate files"
            )

    def covered_until(self) -> date | None:
        """The last day every filled table covers (the end of its last semester):
        penalties are stated "arrêtées au" that day when a later date is asked.

        >>> RateTables(
        ...     ecb=((date(2025, 7, 1), Decimal("2.15")),),
        ...     fr_legal_others=((date(2026, 1, 1), Decimal("6.67")),),
        ... ).covered_until()
        datetime.date(2025, 12, 31)
        """
        series = (
            self.ecb,
            self.fr_legal_others,
            self.fr_legal_individuals,
            self.de_base,
            self.uk_base,
        )
        ends = [next_semester(s[-1][0]) - timedelta(days=1) for s in series if s]
        return min(ends, default=None)

    def stale(self, today: date) -> list[str]:
        """The tables that do not reach the current semester."""
        names = {
            "ecb_mro": self.ecb, "fr_legal_rate": self.fr_legal_others,
            "de_base_rate": self.de_base, "uk_base_rate": self.uk_base,
        }  # fmt: skip
        return [
            name for name, series in names.items()
            if not series or semester_start(series[-1][0]) < semester_start(today)
        ]  # fmt: skip
