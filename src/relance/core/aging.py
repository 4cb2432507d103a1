"""The aged balance (balance âgée): open amounts by how late they are on a date.

The shell sums open amounts in SQL per currency, customer and bucket; this module
decides the buckets (as due-date bounds the query can use), and turns those sums into
the report: totals per currency, per customer and per segment. Currencies are never
added together: there is one `Aging` per currency.

Unapplied credits (credit notes not yet set against an invoice, payments received on
account) have no lateness: they sit in their own `credits` bucket, as negative amounts,
so that the total is what the customers owe net.

>>> buckets = parse_buckets("30,60,90")
>>> [b.label for b in buckets]
['not_due', '1-30', '31-60', '61-90', 'over_90']
>>> bucket_of(date(2026, 3, 1), as_of=date(2026, 3, 31), buckets=buckets)
1
>>> rows = [
...     Row("EUR", "C1", 1, 120000, 2), Row("EUR", "C1", CREDITS, -20000, 1),
...     Row("EUR", "C2", 0, 5000, 1), Row("USD", "C2", 4, 999, 1),
... ]
>>> customers = {"C1": Account("C1", "Dupont SAS", "PME"), "C2": Account("C2", "Bleu", "ETI")}
>>> eur, usd = aged_balance(rows, customers, date(2026, 3, 31), buckets)
>>> eur.currency, eur.total, [(b.label, b.amount, b.count) for b in eur.buckets][:2]
('EUR', 105000, [('not_due', 5000, 1), ('1-30', 120000, 2)])
>>> [(c.account.code, c.overdue, c.total) for c in eur.customers]
[('C1', 120000, 100000), ('C2', 0, 5000)]
>>> usd.total, usd.buckets[4].amount
(999, 999)
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from relance.core.errors import DomainError

NOT_DUE = "not_due"
CREDITS_LABEL = "credits"
# The bucket index under which unapplied credits are summed (not an age).
CREDITS = -1
DEFAULT_LIMITS = (30, 60, 90)


@dataclass(frozen=True, slots=True)
class Bucket:
    """Items `lower` to `upper` days past due, both inclusive (None: no bound)."""

    label: str
    lower: int | None
    upper: int | None


def make_buckets(limits: Sequence[int] = DEFAULT_LIMITS) -> tuple[Bucket, ...]:
    """`not_due`, then one bucket up to each limit (days past due), then the rest.

    >>> [b.label for b in make_buckets((15, 45))]
    ['not_due', '1-15', '16-45', 'over_45']
    >>> make_buckets((30, 30))
    Traceback (most recent call last):
    ...
    relance.core.errors.DomainError: bucket limits must be whole days, increasing, from 1: 30,30
    """
    if not limits or limits[0] < 1 or any(b <= a for a, b in itertools.pairwise(limits)):
        shown = ",".join(str(n) for n in limits)
        raise DomainError(f"bucket limits must be whole days, increasing, from 1: {shown}")
    result = [Bucket(NOT_DUE, None, 0)]
    lower = 1
    for upper in limits:
        result.append(Bucket(f"{lower}-{upper}", lower, upper))
        lower = upper + 1
    result.append(Bucket(f"over_{limits[-1]}", lower, None))
    return tuple(result)


def parse_buckets(text: str | None) -> tuple[Bucket, ...]:
    """Buckets from limits as typed, `30,60,90,120`; empty or None: the default ones.

    >>> [b.label for b in parse_buckets("30, 60,90,120")][-2:]
    ['91-120', 'over_120']
    >>> parse_buckets("thirty")
    Traceback (most recent call last):
    ...
    relance.core.errors.DomainError: buckets: write the limits in days, e.g. 30,60,90 (not 'thirty')
    """
    if not text or not text.strip():
        return make_buckets()
    try:
        limits = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise DomainError(
            f"buckets: write the limits in days, e.g. 30,60,90 (not {text!r})"
        ) from None
    return make_buckets(limits)


def days_past_due(due: date, as_of: date) -> int:
    """Whole days from the due date to `as_of`; zero or less while not due.

    >>> days_past_due(date(2026, 1, 31), date(2026, 3, 1))
    29
    """
    return (as_of - due).days


def bucket_of(due: date, *, as_of: date, buckets: Sequence[Bucket]) -> int:
    """The index of the bucket an item due on `due` falls in on `as_of`."""
    late = days_past_due(due, as_of)
    for index, bucket in enumerate(buckets):
        if bucket.upper is None or late <= bucket.upper:
            return index
    raise DomainError("the last bucket must be open-ended")


def due_date_floors(as_of: date, buckets: Sequence[Bucket]) -> list[date]:
    """For each bucket but the last, the earliest due date it holds on `as_of`: an item
    is in the first bucket whose floor its due date reaches, so a query can bucket with
    plain date comparisons (`CASE WHEN due_date >= floor0 THEN 0 ...`).

    >>> due_date_floors(date(2026, 3, 31), make_buckets((30,)))
    [datetime.date(2026, 3, 31), datetime.date(2026, 3, 1)]
    """
    return [as_of - timedelta(days=b.upper) for b in buckets if b.upper is not None]


def due_date_range(
    index: int, as_of: date, buckets: Sequence[Bucket]
) -> tuple[date | None, date | None]:
    """(earliest or None, latest or None) due dates of bucket `index` on `as_of`, both
    inclusive: what the drill-down lists.

    >>> due_date_range(1, date(2026, 3, 31), make_buckets())
    (datetime.date(2026, 3, 1), datetime.date(2026, 3, 30))
    """
    bucket = buckets[index]
    earliest = None if bucket.upper is None else as_of - timedelta(days=bucket.upper)
    latest = None if bucket.lower is None else as_of - timedelta(days=bucket.lower)
    return earliest, latest


@dataclass(frozen=True, slots=True)
class Row:
    """What the query summed: open amount and item count of one customer in one
    currency and bucket (`CREDITS` for unapplied credits)."""

    currency: str
    customer: str
    bucket: int
    amount: int
    count: int


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    name: str
    segment: str


@dataclass(frozen=True, slots=True)
class Cell:
    label: str
    amount: int
    count: int


@dataclass(frozen=True, slots=True)
class Line:
    """One customer's (or one segment's) aged balance in one currency."""

    account: Account
    buckets: tuple[Cell, ...]
    total: int

    @property
    def overdue(self) -> int:
        """What is past due: every bucket but `not_due` and the credits."""
        return sum(c.amount for c in self.buckets if c.label not in (NOT_DUE, CREDITS_LABEL))


@dataclass(frozen=True, slots=True)
class Aging:
    date: date
    currency: str
    buckets: tuple[Cell, ...]
    total: int
    customers: tuple[Line, ...]  # the most overdue first

    @property
    def overdue(self) -> int:
        return sum(c.amount for c in self.buckets if c.label not in (NOT_DUE, CREDITS_LABEL))

    @property
    def not_due(self) -> int:
        return self.buckets[0].amount


def _cells(sums: dict[int, list[int]], buckets: Sequence[Bucket]) -> tuple[Cell, ...]:
    """Every bucket, empty ones with zero, then the credits; sums are [amount, count]."""
    cells = [Cell(b.label, *sums.get(i, [0, 0])) for i, b in enumerate(buckets)]
    return (*cells, Cell(CREDITS_LABEL, *sums.get(CREDITS, [0, 0])))


def _add(target: dict[int, list[int]], bucket: int, amount: int, count: int) -> None:
    cell = target.setdefault(bucket, [0, 0])
    cell[0] += amount
    cell[1] += count


def aged_balance(
    rows: Iterable[Row],
    accounts: dict[str, Account],
    as_of: date,
    buckets: Sequence[Bucket],
    currencies: Iterable[str] = (),
) -> list[Aging]:
    """One aged balance per currency (in currency order; each of `currencies` even with
    nothing open), customers the most overdue first, then by code. Every bucket is
    listed, empty ones with zero; the `credits` bucket comes last."""
    per_currency: dict[str, dict[int, list[int]]] = {c: {} for c in currencies}
    per_customer: dict[str, dict[str, dict[int, list[int]]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for row in rows:
        _add(per_currency.setdefault(row.currency, {}), row.bucket, row.amount, row.count)
        _add(per_customer[row.currency][row.customer], row.bucket, row.amount, row.count)
    result = []
    for currency in sorted(per_currency):
        lines = [
            Line(accounts[code], cells, sum(c.amount for c in cells))
            for code, sums in per_customer[currency].items()
            for cells in [_cells(sums, buckets)]
        ]
        lines.sort(key=lambda line: (-line.overdue, -line.total, line.account.code))
        cells = _cells(per_currency[currency], buckets)
        result.append(Aging(as_of, currency, cells, sum(c.amount for c in cells), tuple(lines)))
    return result


def by_segment(aging: Aging) -> list[Line]:
    """The customers' lines summed per segment (an empty segment stays apart), the most
    overdue first.

    >>> a = Account("C1", "A", "PME"); b = Account("C2", "B", "PME")
    >>> lines = (Line(a, (Cell("not_due", 10, 1),), 10), Line(b, (Cell("not_due", 5, 2),), 5))
    >>> [(s.account.segment, s.buckets, s.total) for s in by_segment(Aging(date(2026, 1, 1), "EUR", (), 15, lines))]
    [('PME', (Cell(label='not_due', amount=15, count=3),), 15)]
    """
    sums: dict[str, list[list[int]]] = {}
    labels: tuple[str, ...] = ()
    for line in aging.customers:
        labels = tuple(c.label for c in line.buckets)
        cells = sums.setdefault(line.account.segment, [[0, 0] for _ in line.buckets])
        for cell, part in zip(cells, line.buckets, strict=True):
            cell[0] += part.amount
            cell[1] += part.count
    segments = [
        Line(
            Account("", segment, segment),
            tuple(Cell(label, a, n) for label, (a, n) in zip(labels, cells, strict=True)),
            sum(a for a, _ in cells),
        )
        for segment, cells in sums.items()
    ]
    segments.sort(key=lambda line: (-line.overdue, line.account.segment))
    return segments
