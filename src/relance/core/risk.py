"""Customer risk: a score from payment behaviour and exposure, explained factor by factor;
exposure against the credit limit; the terms to offer on new orders; and the deadline to
declare an overdue item to a credit insurer.

The score is 0 (safe) to 100 (very risky). Each factor has a weight and a level between 0
and 1 (how bad that factor is); the score is the weighted mean of the levels of the
factors that can be measured for this customer, times 100. A factor that cannot be
measured (no paid invoice yet, no credit limit, no external score, no prediction) is left
out and the others share its weight: a missing figure neither raises nor lowers the score.
Each factor's contribution is its share of the score, so the contributions add up to it
and tell which factors raised it.

>>> from datetime import date
>>> today = date(2026, 6, 30)
>>> good = behaviour([Settled(date(2026, 3, 1), date(2026, 2, 27), 100000)] * 6, today)
>>> r = assess(RiskInputs(today, good, open_amount=200000, overdue_amount=0,
...                       credit_limit=1000000, customer_since=date(2020, 1, 1)))
>>> r.score, r.risk_class, r.raised_by
(0, <RiskClass.LOW: 'low'>, ())
>>> late = behaviour([Settled(date(2026, 3, 1), date(2026, 4, 15), 100000)] * 6, today)
>>> r = assess(RiskInputs(today, late, open_amount=900000, overdue_amount=700000,
...                       credit_limit=1000000, customer_since=date(2020, 1, 1),
...                       broken_promises=2))
>>> r.score, r.risk_class
(75, <RiskClass.VERY_HIGH: 'very_high'>)
>>> [f.key.value for f in r.raised_by]
['broken_promises', 'days_late', 'overdue_share', 'late_share', 'limit_use']
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

ZERO = Decimal(0)
ONE = Decimal(1)

HISTORY_DAYS = 365  # payments looked at: the last year
RECENT_DAYS = 90  # the trend compares the last quarter with the rest of the year
LATE_DAYS_FULL = 60  # paying this late on average is as bad as it gets
TREND_DAYS_FULL = 30  # paying this much later than before is as bad as it gets
BROKEN_PROMISES_FULL = 2  # broken promises in the year that weigh fully
OPEN_DISPUTES_FULL = 3
NEW_CUSTOMER_DAYS = 90  # a relationship younger than this weighs fully
YOUNG_CUSTOMER_DAYS = 365  # and half until this age
DEFAULT_DEPOSIT_PERCENT = 30
WARNING_PERCENT = 80  # exposure alert levels against the credit limit
LIMIT_PERCENT = 100
DECLARATION_WARNING_DAYS = 7


class Factor(StrEnum):
    DAYS_LATE = "days_late"
    TREND = "trend"
    LATE_SHARE = "late_share"
    BROKEN_PROMISES = "broken_promises"
    OPEN_DISPUTES = "open_disputes"
    OVERDUE_SHARE = "overdue_share"
    LIMIT_USE = "limit_use"
    EXTERNAL_SCORE = "external_score"
    RELATIONSHIP = "relationship"
    PREDICTED = "predicted"


# Points each factor weighs when it can be measured (docs/risk.md says why).
WEIGHTS: dict[Factor, int] = {
    Factor.DAYS_LATE: 20,
    Factor.TREND: 10,
    Factor.LATE_SHARE: 10,
    Factor.BROKEN_PROMISES: 15,
    Factor.OPEN_DISPUTES: 5,
    Factor.OVERDUE_SHARE: 15,
    Factor.LIMIT_USE: 10,
    Factor.EXTERNAL_SCORE: 15,
    Factor.RELATIONSHIP: 5,
    Factor.PREDICTED: 10,
}


class RiskClass(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


# The lowest score of each class, from the riskiest down.
CLASS_FLOORS: tuple[tuple[int, RiskClass], ...] = (
    (75, RiskClass.VERY_HIGH),
    (50, RiskClass.HIGH),
    (25, RiskClass.MEDIUM),
    (0, RiskClass.LOW),
)


@dataclass(frozen=True, slots=True)
class Settled:
    """A paid invoice: when it was due, when it was settled, and its amount (minor units)."""

    due_date: date
    settled_on: date
    amount: int

    @property
    def days_late(self) -> int:
        return max(0, (self.settled_on - self.due_date).days)


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How a customer paid over the history window: counts and amount-weighted days late,
    for the whole window and split between the recent part and the earlier part."""

    paid: int = 0
    late: int = 0
    amount: int = 0
    amount_days: int = 0  # sum of amount x days late
    recent_amount: int = 0
    recent_amount_days: int = 0

    @property
    def average_days_late(self) -> Decimal | None:
        """Days late weighted by amount; None without a paid invoice."""
        return _ratio(self.amount_days, self.amount)

    @property
    def recent_days_late(self) -> Decimal | None:
        return _ratio(self.recent_amount_days, self.recent_amount)

    @property
    def earlier_days_late(self) -> Decimal | None:
        return _ratio(self.amount_days - self.recent_amount_days, self.amount - self.recent_amount)

    @property
    def late_share(self) -> Decimal | None:
        return _ratio(self.late, self.paid)


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    return Decimal(numerator) / Decimal(denominator) if denominator > 0 else None


def behaviour(items: Iterable[Settled], today: date) -> Behaviour:
    """Fold the paid invoices settled within HISTORY_DAYS before `today` (the others are
    ignored), the last RECENT_DAYS apart for the trend.

    >>> b = behaviour([Settled(date(2026, 1, 1), date(2026, 1, 31), 300),
    ...                Settled(date(2026, 5, 1), date(2026, 5, 1), 100),
    ...                Settled(date(2024, 1, 1), date(2024, 9, 1), 999)], date(2026, 6, 1))
    >>> b.paid, b.late, b.average_days_late, b.recent_days_late, b.earlier_days_late
    (2, 1, Decimal('22.5'), Decimal('0'), Decimal('30'))
    """
    since = today - timedelta(days=HISTORY_DAYS)
    recent_since = today - timedelta(days=RECENT_DAYS)
    paid = late = amount = amount_days = recent_amount = recent_amount_days = 0
    for item in items:
        if not since < item.settled_on <= today or item.amount <= 0:
            continue
        days = item.days_late
        paid += 1
        late += days > 0
        amount += item.amount
        amount_days += item.amount * days
        if item.settled_on > recent_since:
            recent_amount += item.amount
            recent_amount_days += item.amount * days
    return Behaviour(paid, late, amount, amount_days, recent_amount, recent_amount_days)


@dataclass(frozen=True, slots=True)
class RiskInputs:
    """Everything the score reads about one customer, in the creditor's currency.

    external_value: the latest external credit score on 0 (worst) to 100 (best), when
    recorded; predicted_very_late: the amount-weighted probability that the open items
    are paid more than 30 days late, when predictions exist."""

    today: date
    behaviour: Behaviour
    open_amount: int
    overdue_amount: int
    credit_limit: int | None = None
    customer_since: date | None = None
    broken_promises: int = 0
    open_disputes: int = 0
    external_value: int | None = None
    predicted_very_late: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Contribution:
    """One factor of the score: the measure (days, share, count...), its level 0..1, its
    weight and the points it adds to the score."""

    key: Factor
    measure: Decimal
    level: Decimal
    weight: int
    points: Decimal


@dataclass(frozen=True, slots=True)
class Risk:
    score: int
    risk_class: RiskClass
    factors: tuple[Contribution, ...]

    @property
    def raised_by(self) -> tuple[Contribution, ...]:
        """The factors that raised the score, the heaviest first."""
        return tuple(
            sorted((f for f in self.factors if f.points > 0), key=lambda f: (-f.points, f.key))
        )


def _clamp(value: Decimal) -> Decimal:
    return min(ONE, max(ZERO, value))


def _days_old(since: date | None, today: date) -> Decimal:
    return Decimal(-1 if since is None else (today - since).days)


def _relationship_level(days: Decimal) -> Decimal:
    if days < 0 or days < NEW_CUSTOMER_DAYS:
        return ONE
    return Decimal("0.5") if days < YOUNG_CUSTOMER_DAYS else ZERO


def _measures(x: RiskInputs) -> dict[Factor, tuple[Decimal, Decimal]]:
    """(measure, level) of every factor that can be measured for this customer."""
    b = x.behaviour
    out: dict[Factor, tuple[Decimal, Decimal]] = {}
    if (days := b.average_days_late) is not None:
        out[Factor.DAYS_LATE] = (days, _clamp(days / LATE_DAYS_FULL))
    recent, earlier = b.recent_days_late, b.earlier_days_late
    if recent is not None and earlier is not None:
        out[Factor.TREND] = (recent - earlier, _clamp((recent - earlier) / TREND_DAYS_FULL))
    if (share := b.late_share) is not None:
        out[Factor.LATE_SHARE] = (share, share)
    broken = Decimal(x.broken_promises)
    out[Factor.BROKEN_PROMISES] = (broken, _clamp(broken / BROKEN_PROMISES_FULL))
    disputes = Decimal(x.open_disputes)
    out[Factor.OPEN_DISPUTES] = (disputes, _clamp(disputes / OPEN_DISPUTES_FULL))
    if x.open_amount > 0:
        share = _clamp(Decimal(x.overdue_amount) / x.open_amount)
        out[Factor.OVERDUE_SHARE] = (share, share)
    if (use := exposure(x.open_amount, x.credit_limit).ratio) is not None:
        # Using up to half the limit is normal; the level climbs to 1 at the limit.
        out[Factor.LIMIT_USE] = (use, _clamp((use - Decimal("0.5")) * 2))
    if x.external_value is not None:
        value = Decimal(min(100, max(0, x.external_value)))
        out[Factor.EXTERNAL_SCORE] = (value, (100 - value) / 100)
    age = _days_old(x.customer_since, x.today)
    out[Factor.RELATIONSHIP] = (age, _relationship_level(age))
    if x.predicted_very_late is not None:
        p = _clamp(x.predicted_very_late)
        out[Factor.PREDICTED] = (p, p)
    return out


def assess(inputs: RiskInputs) -> Risk:
    """The customer's score, class and factors (module docstring for an example)."""
    measures = _measures(inputs)
    total = sum(WEIGHTS[k] for k in measures)
    factors = tuple(
        Contribution(
            key=k,
            measure=measure,
            level=level,
            weight=WEIGHTS[k],
            points=(100 * WEIGHTS[k] * level / total).quantize(Decimal("0.1")),
        )
        for k, (measure, level) in measures.items()
    )
    raw = 100 * sum((WEIGHTS[k] * level for k, (_, level) in measures.items()), ZERO) / total
    score = int(raw.quantize(ONE, rounding=ROUND_HALF_UP))
    return Risk(score, risk_class(score), factors)


def risk_class(score: int) -> RiskClass:
    """The class of a score.

    >>> [risk_class(s).value for s in (24, 25, 74, 75)]
    ['low', 'medium', 'high', 'very_high']
    """
    return next(c for floor, c in CLASS_FLOORS if score >= floor)


class ExposureLevel(StrEnum):
    OK = "ok"
    WARNING = "warning"  # at or above WARNING_PERCENT of the limit
    OVER = "over"  # at or above the limit


@dataclass(frozen=True, slots=True)
class Exposure:
    """What the customer owes against its credit limit. Orders taken but not invoiced
    yet are not in the ledger, so not in the exposure."""

    amount: int
    limit: int | None
    ratio: Decimal | None  # amount / limit; None without a limit
    level: ExposureLevel | None  # None without a limit


def exposure(amount: int, limit: int | None) -> Exposure:
    """
    >>> exposure(79_99, 100_00).level, exposure(80_00, 100_00).level
    (<ExposureLevel.OK: 'ok'>, <ExposureLevel.WARNING: 'warning'>)
    >>> e = exposure(100_00, 100_00); e.level, e.ratio
    (<ExposureLevel.OVER: 'over'>, Decimal('1'))
    >>> exposure(5, None).level is None, exposure(5, 0).level, exposure(0, 0).level
    (True, <ExposureLevel.OVER: 'over'>, <ExposureLevel.OK: 'ok'>)
    """
    if limit is None:
        return Exposure(amount, None, None, None)
    # A limit of zero is no credit at all: anything owed is over it.
    ratio = Decimal(amount) / limit if limit > 0 else (ONE if amount > 0 else ZERO)
    if ratio * 100 >= LIMIT_PERCENT:
        level = ExposureLevel.OVER
    elif ratio * 100 >= WARNING_PERCENT:
        level = ExposureLevel.WARNING
    else:
        level = ExposureLevel.OK
    return Exposure(amount, limit, ratio, level)


class Terms(StrEnum):
    """Terms for new orders, from the most generous to the strictest."""

    NORMAL = "normal"  # the usual payment terms
    SHORTER = "shorter"  # shorter payment terms, a closer watch
    DEPOSIT = "deposit"  # a deposit (acompte) at order, the rest at shorter terms
    ADVANCE = "advance"  # payment in advance: cash before delivery
    STOP = "stop"  # no new credit until the exposure is back under the limit


LADDER = tuple(Terms)
BY_CLASS = {
    RiskClass.LOW: Terms.NORMAL,
    RiskClass.MEDIUM: Terms.SHORTER,
    RiskClass.HIGH: Terms.DEPOSIT,
    RiskClass.VERY_HIGH: Terms.ADVANCE,
}


class Reason(StrEnum):
    LOW_RISK = "low_risk"
    MEDIUM_RISK = "medium_risk"
    HIGH_RISK = "high_risk"
    VERY_HIGH_RISK = "very_high_risk"
    NEAR_LIMIT = "near_limit"
    OVER_LIMIT = "over_limit"


@dataclass(frozen=True, slots=True)
class Recommendation:
    terms: Terms
    deposit_percent: int | None
    reasons: tuple[Reason, ...]


def recommend(
    risk: RiskClass, level: ExposureLevel | None, deposit_percent: int = DEFAULT_DEPOSIT_PERCENT
) -> Recommendation:
    """Terms for the customer's next orders: from its risk class, one step stricter near
    the credit limit, and no new credit over it (French practice: acompte or paiement
    d'avance for a risky customer, rather than refusing to sell).

    >>> recommend(RiskClass.LOW, ExposureLevel.OK)
    Recommendation(terms=<Terms.NORMAL: 'normal'>, deposit_percent=None, reasons=(<Reason.LOW_RISK: 'low_risk'>,))
    >>> recommend(RiskClass.MEDIUM, ExposureLevel.WARNING).terms
    <Terms.DEPOSIT: 'deposit'>
    >>> recommend(RiskClass.HIGH, None).deposit_percent
    30
    >>> recommend(RiskClass.VERY_HIGH, ExposureLevel.WARNING).terms
    <Terms.ADVANCE: 'advance'>
    >>> r = recommend(RiskClass.LOW, ExposureLevel.OVER); r.terms, r.reasons[-1]
    (<Terms.STOP: 'stop'>, <Reason.OVER_LIMIT: 'over_limit'>)
    """
    terms = BY_CLASS[risk]
    reasons = [Reason(f"{risk.value}_risk")]
    if level == ExposureLevel.OVER:
        terms = Terms.STOP
        reasons.append(Reason.OVER_LIMIT)
    elif level == ExposureLevel.WARNING:
        terms = LADDER[min(LADDER.index(terms) + 1, LADDER.index(Terms.ADVANCE))]
        reasons.append(Reason.NEAR_LIMIT)
    percent = deposit_percent if terms == Terms.DEPOSIT else None
    return Recommendation(terms, percent, tuple(reasons))


class DeclarationAlert(StrEnum):
    DUE_SOON = "due_soon"  # the insurer's deadline comes within the warning days
    LATE = "late"  # the deadline has passed without a declaration


def declaration_deadline(due_date: date, days: int) -> date:
    """The last day to declare an unpaid item to the credit insurer: the policy sets a
    number of days after the due date.

    >>> declaration_deadline(date(2026, 1, 31), 60)
    datetime.date(2026, 4, 1)
    """
    return due_date + timedelta(days=days)


def declaration_alert(
    due_date: date, days: int, today: date, warn_days: int = DECLARATION_WARNING_DAYS
) -> DeclarationAlert | None:
    """Whether an undeclared overdue item needs declaring to the insurer now.

    >>> due = date(2026, 1, 31)  # deadline 60 days later: 1 April
    >>> declaration_alert(due, 60, date(2026, 3, 24)) is None
    True
    >>> declaration_alert(due, 60, date(2026, 3, 25)), declaration_alert(due, 60, date(2026, 4, 1))
    (<DeclarationAlert.DUE_SOON: 'due_soon'>, <DeclarationAlert.DUE_SOON: 'due_soon'>)
    >>> declaration_alert(due, 60, date(2026, 4, 2))
    <DeclarationAlert.LATE: 'late'>
    >>> declaration_alert(due, 3, date(2026, 1, 31)) is None  # not overdue yet
    True
    """
    if today <= due_date:
        return None
    deadline = declaration_deadline(due_date, days)
    if deadline < today:
        return DeclarationAlert.LATE
    if deadline <= today + timedelta(days=warn_days):
        return DeclarationAlert.DUE_SOON
    return None
