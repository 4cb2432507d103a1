"""The risk score on hand-built histories, read from the database in a few queries."""

from __future__ import annotations

from datetime import timedelta

from tests.risk.conftest import TODAY

from relance.collection.models import Dispute, Promise
from relance.core.risk import ExposureLevel, Factor, RiskClass, Terms
from relance.ledger.services import set_credit_limit
from relance.prediction.models import InvoicePrediction
from relance.risk import queries, services

D = timedelta(days=1)


def test_a_good_payer_scores_low_with_normal_terms(book):
    good = book.customer("GOOD", limit=5_000_000, since=TODAY - 900 * D)
    for k in range(1, 9):
        due = TODAY - 30 * k * D
        book.paid(good, due=due, paid_on=due - 2 * D)
    book.invoice(good, due=TODAY + 20 * D)
    r = queries.customer_risk(good, TODAY)
    assert r.risk.risk_class == RiskClass.LOW
    assert r.risk.score < 10
    assert r.risk.raised_by == ()
    assert r.recommendation.terms == Terms.NORMAL
    assert r.exposure.level == ExposureLevel.OK


def test_a_late_payer_with_broken_promises_scores_high_and_the_explanation_names_them(book):
    late = book.customer("LATE", since=TODAY - 900 * D)
    for k in range(2, 10):
        due = TODAY - 30 * k * D
        book.paid(late, due=due, paid_on=due + 45 * D)
    book.invoice(late, due=TODAY - 40 * D)
    book.invoice(late, due=TODAY - 10 * D)
    for closed in (TODAY - 60 * D, TODAY - 20 * D):
        Promise.objects.create(customer=late, promised_date=closed - 3 * D, recorded_on=closed - 10 * D,
                               status="broken", closed_on=closed)  # fmt: skip
    r = queries.customer_risk(late, TODAY)
    assert r.risk.risk_class in (RiskClass.HIGH, RiskClass.VERY_HIGH)
    assert r.risk.score >= 60
    raised = [f.key for f in r.risk.raised_by]
    assert set(raised[:4]) == {
        Factor.DAYS_LATE, Factor.BROKEN_PROMISES, Factor.OVERDUE_SHARE, Factor.LATE_SHARE
    }  # fmt: skip
    assert r.recommendation.terms in (Terms.DEPOSIT, Terms.ADVANCE)
    doc = queries.risk_json(r)
    assert doc["raised_by"][:4] == [f.value for f in raised[:4]]
    assert doc["factors"][0]["measure"]


def test_paying_later_than_before_raises_the_trend_factor(book):
    c = book.customer("TREND", since=TODAY - 900 * D)
    for k in range(4, 12):
        due = TODAY - 30 * k * D
        book.paid(c, due=due, paid_on=due)
    for k in (1, 2):
        due = TODAY - 30 * k * D - 40 * D
        book.paid(c, due=due, paid_on=due + 40 * D)
    factors = {f.key: f for f in queries.customer_risk(c, TODAY).risk.factors}
    assert factors[Factor.TREND].measure == 40
    assert factors[Factor.TREND].points > 0


def test_external_score_disputes_predictions_and_a_new_relationship_raise_the_score(book):
    c = book.customer("NEW")
    open_item = book.invoice(c, due=TODAY + 10 * D)
    before = queries.customer_risk(c, TODAY).risk
    assert {f.key for f in before.raised_by} == {Factor.RELATIONSHIP}
    services.record_score(c, provider="Banque de France", grade="6", value=10, on=TODAY, actor="t")
    Dispute.objects.create(invoice=open_item, reason="price", due_on=TODAY, opened_on=TODAY)
    InvoicePrediction.objects.create(
        invoice=open_item, creditor=c.creditor, as_of=TODAY, payment_date=TODAY + 60 * D,
        p_late=0.9, p_very_late=0.5, currency="EUR", amount_at_risk=50000,
    )  # fmt: skip
    after = queries.customer_risk(c, TODAY).risk
    factors = {f.key: f for f in after.factors}
    assert factors[Factor.EXTERNAL_SCORE].measure == 10
    assert factors[Factor.PREDICTED].measure == 0.5
    assert factors[Factor.OPEN_DISPUTES].points > 0
    assert after.score > before.score


def test_exposure_alerts_at_80_and_100_percent_of_the_limit(book):
    rows = {"A79": 79_00, "B80": 80_00, "C100": 100_00, "D120": 120_00}
    for code, open_amount in rows.items():
        c = book.customer(code, limit=100_00)
        book.invoice(c, due=TODAY + 5 * D, amount=open_amount)
    free = book.customer("NOLIMIT")
    book.invoice(free, due=TODAY + 5 * D, amount=10**9)
    alerts = queries.limit_alerts(book.creditor, TODAY)
    assert [(c.code, e.level) for c, e in alerts] == [
        ("D120", ExposureLevel.OVER), ("C100", ExposureLevel.OVER), ("B80", ExposureLevel.WARNING),
    ]  # fmt: skip
    by_code = {r.code: r for r in queries.assess(book.creditor, TODAY)}
    assert by_code["D120"].recommendation.terms == Terms.STOP
    assert by_code["A79"].exposure.level == ExposureLevel.OK
    assert by_code["NOLIMIT"].exposure.level is None


def test_setting_a_credit_limit_is_audited_and_moves_the_alert(book):
    from relance.audit import Event

    c = book.customer("C1")
    book.invoice(c, due=TODAY + 5 * D, amount=90_00)
    assert queries.limit_alerts(book.creditor, TODAY) == []
    set_credit_limit(c, 100_00, actor="t")
    assert [x.code for x, _ in queries.limit_alerts(book.creditor, TODAY)] == ["C1"]
    event = Event.objects.filter(verb="customer.updated", subject_id=c.pk).get()
    assert event.data == {"changes": {"credit_limit": [None, "100.00"]}}


def test_every_customers_risk_comes_from_a_fixed_number_of_queries(
    book, django_assert_max_num_queries
):
    for n in range(30):
        c = book.customer(f"K{n:02}", limit=100_000, since=TODAY - 400 * D)
        book.paid(c, due=TODAY - 50 * D, paid_on=TODAY - (50 - n) * D)
        book.invoice(c, due=TODAY - n * D)
    queries.assess(book.creditor, TODAY)  # the balances refresh once a day
    with django_assert_max_num_queries(8):
        rows = queries.assess(book.creditor, TODAY)
    assert len(rows) == 30
    assert rows[0].risk.score >= rows[-1].risk.score
