"""Collection indicators: DSO (countback and standard), best possible DSO, average
days delinquent, collection effectiveness index, and a customer's payment habits.

Every input is a figure in minor units of one currency (never two currencies
together) or a date; the shell reads them from the ledger (docs/reports.md gives the
definitions with examples). Ratios are Decimal, rounded to one decimal by `ratio`.

>>> as_of = date(2026, 3, 31)
>>> sales = {date(2026, 3, 10): 30000, date(2026, 2, 15): 40000, date(2026, 1, 20): 60000}
>>> periods = months_back(as_of, 3)
>>> [(p.start, p.end, p.days) for p in periods][:2]
[(datetime.date(2026, 3, 1), datetime.date(2026, 3, 31), 31), (datetime.date(2026, 2, 1), datetime.date(2026, 2, 28), 28)]
>>> dso_countback(50000, [(p.days, sales_in(sales, p)) for p in periods])  # 31 + 20000/40000 x 28
Decimal('45.0')
>>> dso_standard(50000, 130000, 90)
Decimal('34.6')
"""

from __future__ import annotations

import calendar
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)


def ratio(value: Decimal) -> Decimal:
    """An indicator rounded half-up to one decimal, as reports show it.

    >>> ratio(Decimal("34.65")), ratio(Decimal("-0.05"))
    (Decimal('34.7'), Decimal('-0.1'))
    """
    return value.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP)


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months, clamped to the month's last day.

    >>> add_months(date(2026, 3, 31), -1), add_months(date(2026, 1, 31), 1)
    (datetime.date(2026, 2, 28), datetime.date(2026, 2, 28))
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(as_of: date, count: int) -> list[date]:
    """The last `count` month ends on or before `as_of`, the oldest first.

    >>> month_ends(date(2026, 3, 15), 3)
    [datetime.date(2025, 12, 31), datetime.date(2026, 1, 31), datetime.date(2026, 2, 28)]
    >>> month_ends(date(2026, 3, 31), 2)
    [datetime.date(2026, 2, 28), datetime.date(2026, 3, 31)]
    """
    last = as_of if month_end(as_of) == as_of else as_of.replace(day=1) - timedelta(days=1)
    ends = [last]
    for _ in range(count - 1):
        ends.append(ends[-1].replace(day=1) - timedelta(days=1))
    return ends[::-1]


@dataclass(frozen=True, slots=True)
class Period:
    """Days `start` to `end`, both inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def months_back(as_of: date, count: int) -> list[Period]:
    """`count` periods of one month ending on `as_of`, the most recent first: the
    calendar months when `as_of` is a month end.

    >>> [(p.start, p.end) for p in months_back(date(2026, 3, 15), 2)]
    [(datetime.date(2026, 2, 16), datetime.date(2026, 3, 15)), (datetime.date(2026, 1, 16), datetime.date(2026, 2, 15))]
    """
    periods, end = [], as_of
    for k in range(1, count + 1):
        start = (
            add_months(month_end(as_of), -k) + timedelta(days=1)
            if month_end(as_of) == as_of
            else add_months(as_of, -k) + timedelta(days=1)
        )
        periods.append(Period(start, end))
        end = start - timedelta(days=1)
    return periods


def sales_in(daily: Mapping[date, int], period: Period) -> int:
    """Credit sales (invoices issued) in a period, from sales per day."""
    return sum(amount for day, amount in daily.items() if period.start <= day <= period.end)


def dso_countback(receivables: int, periods: Sequence[tuple[int, int]]) -> Decimal | None:
    """Days sales outstanding by the countback method: walking back month by month
    from the date, each month whose sales the receivables exceed counts whole and is
    taken off them; the month they run out in counts pro rata. `periods` are (days,
    credit sales), the most recent first. None when the sales run out first (the
    receivables are older than the history given).

    >>> dso_countback(100, [(31, 60), (28, 80)])
    Decimal('45.0')
    >>> dso_countback(0, [(31, 60)])
    Decimal('0.0')
    >>> dso_countback(500, [(31, 60)]) is None
    True
    """
    left, days = Decimal(receivables), Decimal(0)
    if left <= 0:
        return ratio(days)
    for length, sales in periods:
        if sales >= left:
            return ratio(days + left / sales * length)
        days += length
        left -= sales
    return None


def dso_standard(receivables: int, sales: int, days: int) -> Decimal | None:
    """Receivables over the credit sales of the last `days`, times `days`; None without
    sales.

    >>> dso_standard(60000, 180000, 90), dso_standard(1, 0, 90)
    (Decimal('30.0'), None)
    """
    if sales <= 0:
        return None
    return ratio(Decimal(receivables) / sales * days)


def best_dso(current_receivables: int, sales: int, days: int) -> Decimal | None:
    """The DSO if every customer paid on its due date: the receivables not yet due over
    the credit sales, times `days`.

    >>> best_dso(45000, 180000, 90)
    Decimal('22.5')
    """
    return dso_standard(current_receivables, sales, days)


def average_days_delinquent(dso: Decimal | None, best: Decimal | None) -> Decimal | None:
    """ADD = DSO - best possible DSO: the days the late payers add.

    >>> average_days_delinquent(Decimal("30.0"), Decimal("22.5"))
    Decimal('7.5')
    """
    if dso is None or best is None:
        return None
    return ratio(dso - best)


def cei(begin: int, sales: int, end: int, end_current: int) -> Decimal | None:
    """Collection effectiveness index, percent: what was collected over what could have
    been, (receivables at the start + credit sales - receivables at the end) /
    (receivables at the start + credit sales - receivables not yet due at the end).
    None when nothing was collectible.

    >>> cei(100000, 50000, 70000, 30000)
    Decimal('66.7')
    >>> cei(0, 0, 0, 0) is None
    True
    """
    collectible = begin + sales - end_current
    if collectible <= 0:
        return None
    return ratio(Decimal(begin + sales - end) / collectible * HUNDRED)


@dataclass(frozen=True, slots=True)
class Settled:
    """Part of an invoice paid on a day: an allocation of a payment."""

    due_date: date
    paid_on: date
    amount: int


def average_days_late(settled: Iterable[Settled]) -> Decimal | None:
    """Days late weighted by the amounts paid; paying early counts as on time (0).
    None without payments.

    >>> d = date(2026, 1, 31)
    >>> average_days_late([Settled(d, date(2026, 2, 10), 30000), Settled(d, date(2026, 1, 20), 10000)])
    Decimal('7.5')
    """
    weighted, total = 0, 0
    for item in settled:
        weighted += item.amount * max(0, (item.paid_on - item.due_date).days)
        total += item.amount
    if total <= 0:
        return None
    return ratio(Decimal(weighted) / total)


@dataclass(frozen=True, slots=True)
class Trend:
    recent: Decimal | None  # the last three months
    before: Decimal | None

    @property
    def change(self) -> Decimal | None:
        """Positive: paying later than before."""
        if self.recent is None or self.before is None:
            return None
        return ratio(self.recent - self.before)


def days_late_trend(settled: Sequence[Settled], as_of: date, months: int = 3) -> Trend:
    """Average days late on the payments of the last `months` months, and before.

    >>> d = date(2026, 1, 1)
    >>> old = Settled(date(2025, 12, 1), date(2025, 12, 11), 1)
    >>> t = days_late_trend([Settled(d, date(2026, 3, 1), 1), old], date(2026, 3, 31))
    >>> t.recent, t.before, t.change
    (Decimal('59.0'), Decimal('10.0'), Decimal('49.0'))
    """
    since = add_months(as_of, -months)
    recent = [s for s in settled if since < s.paid_on <= as_of]
    before = [s for s in settled if s.paid_on <= since]
    return Trend(average_days_late(recent), average_days_late(before))


def share(part: int, whole: int) -> Decimal | None:
    """`part` of `whole`, percent; None when `whole` is zero.

    >>> share(1, 3), share(0, 0)
    (Decimal('33.3'), None)
    """
    if whole <= 0:
        return None
    return ratio(Decimal(part) / whole * HUNDRED)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Receivables on a date: all of them, and those not yet due."""

    total: int
    current: int


class Flow(NamedTuple):
    """`amount` added to the receivables from `start` on, and to those not yet due from
    `start` to `due` (inclusive) when `due` is given; a payment or an allocation is a
    negative flow. The shell reads them grouped from the ledger (reports.indicators)."""

    currency: str
    start: date
    due: date | None
    amount: int


def receivables_on(flows: Iterable[Flow], dates: Iterable[date]) -> dict[date, dict[str, Snapshot]]:
    """Receivables per currency on each date, from the flows: a million invoices become
    sorted running sums, and each date costs two binary searches.

    >>> d = date(2026, 1, 1)
    >>> flows = [Flow("EUR", d, date(2026, 1, 31), 1000), Flow("EUR", date(2026, 1, 10), date(2026, 1, 31), -400)]
    >>> got = receivables_on(flows, [date(2026, 1, 5), date(2026, 1, 15), date(2026, 2, 1)])
    >>> [(s["EUR"].total, s["EUR"].current) for s in got.values()]
    [(1000, 1000), (600, 600), (600, 0)]
    """
    starts: dict[str, list[tuple[date, int]]] = defaultdict(list)
    ends: dict[str, list[tuple[date, int]]] = defaultdict(list)
    current: dict[str, list[tuple[date, int]]] = defaultdict(list)
    for flow in flows:
        starts[flow.currency].append((flow.start, flow.amount))
        if flow.due is not None and flow.start <= flow.due:
            current[flow.currency].append((flow.start, flow.amount))
            ends[flow.currency].append((flow.due, flow.amount))
    running = {c: _running(v) for c, v in starts.items()}
    running_current = {c: _running(v) for c, v in current.items()}
    running_ends = {c: _running(v) for c, v in ends.items()}
    result = {}
    for day in dates:
        result[day] = {
            c: Snapshot(
                _upto(running[c], day),
                _upto(running_current.get(c), day) - _before(running_ends.get(c), day),
            )
            for c in running
        }
    return result


_Running = tuple[list[date], list[int]]


def _running(items: list[tuple[date, int]]) -> _Running:
    items.sort(key=lambda item: item[0])
    days, sums, total = [], [], 0
    for day, amount in items:
        total += amount
        days.append(day)
        sums.append(total)
    return days, sums


def _upto(running: _Running | None, day: date) -> int:
    """The sum of the amounts dated `day` or before."""
    if running is None:
        return 0
    at = bisect_right(running[0], day)
    return running[1][at - 1] if at else 0


def _before(running: _Running | None, day: date) -> int:
    return _upto(running, day - timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Indicators:
    as_of: date
    period: int
    receivables: int
    sales: int
    dso_countback: Decimal | None
    dso_standard: Decimal | None
    best_dso: Decimal | None
    add: Decimal | None
    cei: Decimal | None


def indicators(
    as_of: date,
    period: int,
    daily_sales: Mapping[date, int],
    at_end: Snapshot,
    at_start: Snapshot,
    history_months: int = 24,
) -> Indicators:
    """All the indicators on `as_of` over the `period` days before it (inclusive):
    `at_start` is the receivables on the day before the period starts.

    >>> sales = {date(2026, 3, 10): 90000, date(2026, 2, 10): 60000, date(2026, 1, 10): 30000}
    >>> i = indicators(date(2026, 3, 31), 90, sales, Snapshot(60000, 45000), Snapshot(20000, 20000))
    >>> i.sales, i.dso_standard, i.best_dso, i.add, i.dso_countback, i.cei
    (180000, Decimal('30.0'), Decimal('22.5'), Decimal('7.5'), Decimal('20.7'), Decimal('90.3'))
    """
    window = Period(as_of - timedelta(days=period - 1), as_of)
    sales = sales_in(daily_sales, window)
    back = [(p.days, sales_in(daily_sales, p)) for p in months_back(as_of, history_months)]
    standard = dso_standard(at_end.total, sales, period)
    best = best_dso(at_end.current, sales, period)
    return Indicators(
        as_of, period, at_end.total, sales,
        dso_countback(at_end.total, back), standard, best,
        average_days_delinquent(standard, best),
        cei(at_start.total, sales, at_end.total, at_end.current),
    )  # fmt: skip
