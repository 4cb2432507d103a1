"""The risk score, exposure levels, recommended terms and the insurer's deadline, without
a database."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from relance.core.risk import (
    Behaviour,
    ExposureLevel,
    Factor,
    Reason,
    RiskClass,
    RiskInputs,
    Settled,
    Terms,
    assess,
    behaviour,
    exposure,
    recommend,
)

TODAY = date(2026, 6, 30)
D = timedelta(days=1)
OLD = date(2020, 1, 1)


def paid(days_late: int, settled_days_ago: int, amount: int = 100_00) -> Settled:
    settled = TODAY - settled_days_ago * D
    return Settled(settled - days_late * D, settled, amount)


def inputs(history: list[Settled] | None = None, **kw: object) -> RiskInputs:
    values: dict[str, object] = {"open_amount": 0, "overdue_amount": 0, "customer_since": OLD}
    values.update(kw)
    return RiskInputs(TODAY, behaviour(history or [], TODAY), **values)  # type: ignore[arg-type]


def factors(x: RiskInputs) -> dict[Factor, Decimal]:
    return {f.key: f.points for f in assess(x).factors}


def test_days_late_are_weighted_by_amount():
    b = behaviour([paid(0, 10, 900_00), paid(100, 20, 100_00)], TODAY)
    assert b.average_days_late == 10
    assert b.late_share == Decimal("0.5")


def test_a_missing_figure_is_left_out_not_counted_as_good():
    history = [paid(60, 10 + k) for k in range(3)]
    x = inputs(history, open_amount=100_00, overdue_amount=100_00, broken_promises=2,
               open_disputes=3, customer_since=None)  # fmt: skip
    measured = factors(x)
    assert Factor.LIMIT_USE not in measured
    assert Factor.EXTERNAL_SCORE not in measured
    assert Factor.PREDICTED not in measured
    assert assess(x).score == 100


def test_the_contributions_add_up_to_the_score():
    x = inputs([paid(40, 10), paid(5, 200)], open_amount=100_00, overdue_amount=60_00,
               credit_limit=110_00, broken_promises=1, open_disputes=1, external_value=40,
               predicted_very_late=Decimal("0.3"))  # fmt: skip
    r = assess(x)
    assert abs(sum(f.points for f in r.factors) - r.score) <= 1
    assert len(r.factors) == len(Factor)


def test_only_paying_later_than_before_raises_the_trend():
    worse = factors(inputs([paid(0, 200), paid(30, 10)]))
    better = factors(inputs([paid(30, 200), paid(0, 10)]))
    assert worse[Factor.TREND] > 0
    assert better[Factor.TREND] == 0


@pytest.mark.parametrize(
    ("since", "points"),
    [(None, True), (TODAY - 30 * D, True), (TODAY - 200 * D, True), (TODAY - 400 * D, False)],
)
def test_a_young_relationship_raises_the_score(since, points):
    assert (factors(inputs(customer_since=since))[Factor.RELATIONSHIP] > 0) is points


def test_a_poor_external_score_raises_the_score_and_a_good_one_does_not():
    assert factors(inputs(external_value=0))[Factor.EXTERNAL_SCORE] > 0
    assert factors(inputs(external_value=100))[Factor.EXTERNAL_SCORE] == 0


def test_using_half_the_limit_is_normal_and_the_level_climbs_to_the_limit():
    def level(open_amount: int) -> Decimal:
        r = assess(inputs(open_amount=open_amount, credit_limit=100_00))
        return next(f.level for f in r.factors if f.key == Factor.LIMIT_USE)

    assert [level(a) for a in (40_00, 50_00, 75_00, 100_00, 150_00)] == [0, 0, Decimal("0.5"), 1, 1]


def test_the_worst_history_is_very_high_risk_and_the_best_low():
    worst = inputs([paid(90, 10 + k) for k in range(6)], open_amount=100_00,
                   overdue_amount=100_00, credit_limit=50_00, broken_promises=3,
                   open_disputes=3, external_value=0, predicted_very_late=Decimal(1),
                   customer_since=TODAY - 60 * D)  # fmt: skip
    assert assess(worst).score == 100
    assert assess(worst).risk_class == RiskClass.VERY_HIGH
    best = inputs([paid(0, 10 + k) for k in range(6)], open_amount=10_00, credit_limit=100_00,
                  external_value=100, predicted_very_late=Decimal(0))  # fmt: skip
    assert assess(best).score == 0


@pytest.mark.parametrize(
    ("open_amount", "limit", "level"),
    [(0, 100, ExposureLevel.OK), (79, 100, ExposureLevel.OK), (80, 100, ExposureLevel.WARNING),
     (99, 100, ExposureLevel.WARNING), (100, 100, ExposureLevel.OVER),
     (101, 100, ExposureLevel.OVER), (1, 0, ExposureLevel.OVER), (1, None, None)],
)  # fmt: skip
def test_exposure_alerts_at_80_and_100_percent(open_amount, limit, level):
    assert exposure(open_amount, limit).level == level


@pytest.mark.parametrize(
    ("risk", "level", "terms", "percent"),
    [
        (RiskClass.LOW, None, Terms.NORMAL, None),
        (RiskClass.LOW, ExposureLevel.WARNING, Terms.SHORTER, None),
        (RiskClass.MEDIUM, ExposureLevel.OK, Terms.SHORTER, None),
        (RiskClass.HIGH, ExposureLevel.OK, Terms.DEPOSIT, 30),
        (RiskClass.HIGH, ExposureLevel.WARNING, Terms.ADVANCE, None),
        (RiskClass.VERY_HIGH, None, Terms.ADVANCE, None),
        (RiskClass.MEDIUM, ExposureLevel.OVER, Terms.STOP, None),
    ],
)
def test_recommended_terms_follow_the_class_and_the_limit(risk, level, terms, percent):
    r = recommend(risk, level)
    assert (r.terms, r.deposit_percent) == (terms, percent)
    assert r.reasons[0] == Reason(f"{risk.value}_risk")


def test_an_empty_behaviour_measures_nothing():
    assert Behaviour().average_days_late is None
    assert Behaviour().late_share is None
