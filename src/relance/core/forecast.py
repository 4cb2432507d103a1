"""Cash-in forecast: the open items' expected collections per week, with a band.

Weeks are ISO weeks (Monday to Sunday). Week 0 is the week holding "today" (from today to
its Sunday); the forecast covers `weeks` of them, then everything later in one `later`
bucket. Each open item has a centre date (its predicted payment date, or a fallback) and
the predictor's error spread: a few residuals in days (actual minus predicted payment
date, from the model's time-ordered hold-out), equally likely. The item is paid on
centre + residual for one of them, drawn at random. A draw before today is impossible
(the item is still open), so those are dropped and the rest share the probability; an
item whose every draw falls before today is paid this week.

An overdue item whose predicted date has passed is different: the model predicted it as
of its issue date, and it has outlived that prediction. Such an item, k days past due,
is paid after t more days with the probability that an invoice still unpaid k days
past due was paid at k + t days late, from a Kaplan-Meier estimate of days late over
the ledger (`Lateness`: invoices paid, and invoices still open counted as unpaid so
far). What no invoice ever took that long to pay stays in `later`: an invoice 300 days
past due is not cash this week. Without a `Lateness` (or one from a ledger where nothing
was ever paid), such items are paid this week.

Per week the expected amount is the sum over items of amount x P(paid that week), in
`Decimal` and rounded once (`round_money`). The band treats items as independent: the
week's total is a sum of amount x Bernoulli(p); its P10 and P90 are taken from the normal
law of that sum's mean and variance (Σ amount² p (1 - p)), floored at zero and capped at
the amounts that can fall in that week. A spread of `(0,)` (no error) gives each item
wholly in its centre's week and a band of zero width.

>>> today = date(2026, 3, 4)  # a Wednesday
>>> items = [
...     OpenItem("F1", "EUR", 10000, date(2026, 3, 20)),
...     OpenItem("F2", "EUR", 5050, date(2026, 2, 1)),  # predicted in the past
... ]
>>> (eur,) = forecast(items, today, weeks=3, spread=(0,))
>>> [(w.start.isoformat(), w.expected) for w in eur.weeks]
[('2026-03-02', 5050), ('2026-03-09', 0), ('2026-03-16', 10000)]
>>> eur.later, eur.total
(0, 15050)
>>> (eur,) = forecast(items[:1], today, weeks=3, spread=(-7, 0, 7, 14))
>>> [(w.expected, w.low, w.high) for w in eur.weeks]
[(0, 0, 0), (2500, 0, 8049), (2500, 0, 8049)]
>>> eur.later
5000
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from relance.core.currencies import minor_units
from relance.core.money import round_money

WEEKS = 13
# The 10th and 90th percentiles of the normal law: mean ∓ 1.2816 standard deviations.
Z_80 = Decimal("1.2816")
SPREAD_POINTS = 20  # residuals kept: the midpoints of 20 equally likely slices


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An open invoice: what is still to collect, and when it should be paid."""

    key: str
    currency: str
    amount: int  # minor units, open today
    centre: date  # predicted payment date (or the fallback)
    due: date | None = None  # the due date, to tell an item past due and past its prediction


@dataclass(frozen=True, slots=True)
class Week:
    start: date  # Monday
    expected: int  # minor units
    low: int  # P10
    high: int  # P90

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)


@dataclass(frozen=True, slots=True)
class Forecast:
    currency: str
    today: date
    weeks: tuple[Week, ...]
    later: int  # expected after the last week
    total: int  # open today, the items forecast

    @property
    def horizon(self) -> int:
        """Expected within the weeks shown."""
        return sum(w.expected for w in self.weeks)


def monday(day: date) -> date:
    """The Monday of `day`'s ISO week.

    >>> monday(date(2026, 3, 8)), monday(date(2026, 3, 9))
    (datetime.date(2026, 3, 2), datetime.date(2026, 3, 9))
    """
    return day - timedelta(days=day.weekday())


def week_index(day: date, today: date) -> int:
    """0 for today's week, 1 for the next...; negative before today's week."""
    return (monday(day) - monday(today)).days // 7


def spread_points(residuals: Iterable[float], points: int = SPREAD_POINTS) -> tuple[int, ...]:
    """The residuals (days) summarised by `points` equally likely values: the midpoint
    quantile of each slice, in whole days. No residual: no error, `(0,)`.

    >>> spread_points([-3, -1, 0, 0, 2, 10], points=3)
    (-1, 0, 10)
    >>> spread_points([])
    (0,)
    """
    ordered = sorted(residuals)
    if not ordered:
        return (0,)
    n = len(ordered)
    picks = (ordered[min(n - 1, int((2 * k + 1) * n / (2 * points)))] for k in range(points))
    return tuple(round(v) for v in picks)


class Lateness:
    """Kaplan-Meier estimate of days late: `survival[t]` is P(days late > t).

    Paid invoices are events at their days late (0 when paid by the due date); open
    invoices past due are censored at their days past due (unpaid so far).

    >>> late = Lateness.estimate(paid=[0, 0, 5, 10], still_open=[20])
    >>> [f"{late.survival[t]:.2f}" for t in (0, 4, 5, 10, 20)]
    ['0.60', '0.60', '0.40', '0.20', '0.20']
    >>> {d: f"{p:.3f}" for d, p in late.remaining(5).items()}  # 5 days late, still open
    {0: '0.333', 5: '0.333'}
    >>> late.remaining(11)  # later than anything ever paid
    {}
    """

    def __init__(self, survival: Sequence[Decimal]) -> None:
        self.survival = tuple(survival)

    @classmethod
    def estimate(cls, paid: Iterable[int], still_open: Iterable[int]) -> Lateness:
        events: dict[int, int] = defaultdict(int)
        censored: dict[int, int] = defaultdict(int)
        for days in paid:
            events[max(0, days)] += 1
        for days in still_open:
            censored[max(0, days)] += 1
        horizon = max([*events, *censored], default=-1)
        at_risk = sum(events.values()) + sum(censored.values())
        s, survival = Decimal(1), []
        for t in range(horizon + 1):
            if at_risk:
                s *= 1 - Decimal(events[t]) / at_risk
            survival.append(s)
            at_risk -= events[t] + censored[t]
        return cls(survival)

    @property
    def informative(self) -> bool:
        """Whether any invoice was ever paid: without one, it knows nothing."""
        return bool(self.survival) and self.survival[-1] < 1

    def remaining(self, overdue: int) -> dict[int, Decimal]:
        """Days from now to payment and their probability, for an item `overdue` days
        past due and still open; what is missing from 1 is never paid as far as the
        history goes."""
        if overdue <= 0:
            before = Decimal(1)
        elif overdue <= len(self.survival):
            before = self.survival[overdue - 1]  # unpaid through the day before
        else:
            before = Decimal(0)
        if not before:
            return {}
        out = {}
        for t in range(max(overdue, 0), len(self.survival)):
            previous = self.survival[t - 1] if t else Decimal(1)
            if previous != self.survival[t]:
                out[t - overdue] = (previous - self.survival[t]) / before
        return out


# What an item's chances depend on: its days past due when it has outlived its
# prediction and the lateness curve applies, otherwise its centre date.
Basis = int | date


def _basis(item: OpenItem, today: date, lateness: Lateness | None) -> Basis:
    if (
        lateness is not None
        and lateness.informative
        and item.due is not None
        and item.due < today
        and item.centre <= today
    ):
        return (today - item.due).days
    return item.centre


def _chances(
    basis: Basis, today: date, weeks: int, spread: Sequence[int], lateness: Lateness | None
) -> dict[int, Decimal]:
    """P(paid in week w) for w in 0..weeks (`weeks`: later); each week with a chance."""
    if not isinstance(basis, date):
        assert lateness is not None  # days past due are a basis only with a lateness
        found: dict[int, Decimal] = defaultdict(Decimal)
        for days, p in lateness.remaining(basis).items():
            found[min(week_index(today + timedelta(days=days), today), weeks)] += p
        found[weeks] += 1 - sum(found.values())
        return {w: p for w, p in found.items() if p}
    counts: dict[int, int] = defaultdict(int)
    for residual in spread:
        day = basis + timedelta(days=residual)
        if day >= today:
            counts[min(week_index(day, today), weeks)] += 1
    surviving = sum(counts.values())
    if not surviving:
        return {0: Decimal(1)}
    return {w: Decimal(n) / surviving for w, n in counts.items()}


def _sqrt(value: Decimal) -> Decimal:
    return value.sqrt() if value > 0 else Decimal(0)


def forecast(
    items: Iterable[OpenItem],
    today: date,
    weeks: int = WEEKS,
    spread: Sequence[int] = (0,),
    lateness: Lateness | None = None,
) -> list[Forecast]:
    """The expected collections of `items` per week from `today`, one `Forecast` per
    currency (sorted); `spread` is the predictor's residuals in days (see the module)."""
    if weeks < 1:
        raise ValueError("the forecast needs at least one week")
    # Items on the same basis have the same chances: their amounts (and squares, for the
    # variance) are added up first, so each basis's chances are worked out once.
    sums: dict[tuple[str, Basis], list[int]] = defaultdict(lambda: [0, 0])
    totals: dict[str, int] = defaultdict(int)
    for item in items:
        totals[item.currency] += item.amount
        found = sums[item.currency, _basis(item, today, lateness)]
        found[0] += item.amount
        found[1] += item.amount * item.amount
    mean: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    variance: dict[str, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    reach: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (currency, basis), (amount, squares) in sums.items():
        for w, p in _chances(basis, today, weeks, spread, lateness).items():
            mean[currency][w] += amount * p
            variance[currency][w] += squares * p * (1 - p)
            reach[currency][w] += amount
    out = []
    for currency in sorted(totals):
        rows = []
        for w in range(weeks):
            m = mean[currency][w]
            sd = _sqrt(variance[currency][w])
            rows.append(
                Week(
                    start=monday(today) + timedelta(weeks=w),
                    expected=_minor(m, currency),
                    low=_minor(max(Decimal(0), m - Z_80 * sd), currency),
                    high=_minor(min(Decimal(reach[currency][w]), m + Z_80 * sd), currency),
                )
            )
        later = _minor(mean[currency][weeks], currency)
        out.append(Forecast(currency, today, tuple(rows), later, totals[currency]))
    return out


def _minor(value: Decimal, currency: str) -> int:
    """A Decimal count of minor units, rounded once to a whole one (half-up)."""
    return round_money(value.scaleb(-minor_units(currency)), currency)


def mean_days_late(settled: Iterable[tuple[str, date, int]], at: date) -> dict[str, float]:
    """Each customer's mean days late over its invoices settled before `at`, from
    (customer, settled on, days late): what `fallback_centre` adds to a due date.

    >>> mean_days_late([("C1", date(2026, 1, 5), 4), ("C1", date(2026, 2, 1), 10),
    ...                 ("C2", date(2026, 3, 9), 30)], date(2026, 3, 1))
    {'C1': 7.0}
    """
    late: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for customer, settled_on, days in settled:
        if settled_on < at:
            found = late[customer]
            found[0] += days
            found[1] += 1
    return {customer: total / count for customer, (total, count) in late.items()}


def fallback_centre(due_date: date, mean_days_late: float | None, today: date) -> date:
    """Where an item without a prediction is expected: its due date plus the customer's
    mean days late (when known), and not before today.

    >>> fallback_centre(date(2026, 3, 1), 12.4, date(2026, 3, 2))
    datetime.date(2026, 3, 13)
    >>> fallback_centre(date(2026, 1, 1), None, date(2026, 3, 2))
    datetime.date(2026, 3, 2)
    """
    late = 0 if mean_days_late is None or mean_days_late != mean_days_late else mean_days_late
    return max(today, due_date + timedelta(days=round(late)))


@dataclass(frozen=True, slots=True)
class Compared:
    week: Week
    actual: int  # minor units collected that week

    @property
    def covered(self) -> bool:
        return self.week.low <= self.actual <= self.week.high


@dataclass(frozen=True, slots=True)
class BacktestScore:
    weeks: tuple[Compared, ...]
    wape: Decimal | None  # Σ|actual - expected| / Σ actual, %
    mape: Decimal | None  # mean of |actual - expected| / actual over weeks with an actual, %
    coverage: Decimal  # share of weeks whose actual is inside [P10, P90], %


def _percent(part: Decimal, whole: Decimal) -> Decimal:
    return (part * 100 / whole).quantize(Decimal("0.1"))


def compare(plan: Forecast, actual: dict[int, int]) -> BacktestScore:
    """Score a forecast against what was collected in each of its weeks (`actual`: week
    index to minor units).

    >>> f = Forecast("EUR", date(2026, 3, 2), (
    ...     Week(date(2026, 3, 2), 1000, 800, 1200), Week(date(2026, 3, 9), 500, 0, 900)), 0, 1500)
    >>> s = compare(f, {0: 1100, 1: 950})
    >>> s.wape, s.mape, s.coverage, [c.covered for c in s.weeks]
    (Decimal('26.8'), Decimal('28.2'), Decimal('50.0'), [True, False])
    """
    rows = tuple(Compared(w, actual.get(i, 0)) for i, w in enumerate(plan.weeks))
    collected = sum(r.actual for r in rows)
    errors = sum(abs(r.actual - r.week.expected) for r in rows)
    paid = [r for r in rows if r.actual]
    mape = (
        _percent(
            sum((Decimal(abs(r.actual - r.week.expected)) / r.actual for r in paid), Decimal(0)),
            Decimal(len(paid)),
        )
        if paid
        else None
    )
    return BacktestScore(
        weeks=rows,
        wape=_percent(Decimal(errors), Decimal(collected)) if collected else None,
        mape=mape,
        coverage=_percent(Decimal(sum(r.covered for r in rows)), Decimal(len(rows))),
    )
