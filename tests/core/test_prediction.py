"""Payment-date prediction: features see only the past, models learn and validate."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import date, timedelta

import pytest

from relance.core.prediction import (
    FEATURES,
    History,
    InvoiceRecord,
    amount_at_risk,
    chronological_split,
    customer_mean_baseline,
    score,
    train,
    validate,
)

START = date(2025, 1, 6)


def ledger(
    customers: int = 12, per_customer: int = 20, seed: int = 3, drift: bool = False
) -> list[InvoiceRecord]:
    """Customers who pay with their own habitual delay, plus noise; with `drift`, some
    customers pay later and later, a change only recent history shows."""
    rng = random.Random(seed)
    records = []
    for c in range(customers):
        habit = rng.choice((-5, 0, 3, 12, 40))
        worsening = drift and c % 2 == 0
        for i in range(per_customer):
            day = rng.randrange(0, 400)
            issued = START + timedelta(days=day)
            due = issued + timedelta(days=30)
            delay = habit + rng.randint(-4, 4) + (day // 10 if worsening else 0)
            settled = due + timedelta(days=max(-25, delay))
            records.append(
                InvoiceRecord(
                    f"F{c}-{i}",
                    f"C{c}",
                    issued,
                    due,
                    rng.randint(5_000, 900_000),
                    "EUR",
                    settled_on=settled,
                    electronic=bool(c % 2),
                )
            )
    return records


def test_features_ignore_a_settlement_on_or_after_the_as_of_day() -> None:
    records = ledger()
    invoice = records[5]
    as_of = invoice.issue_date
    before = History(records).features(invoice, as_of)
    # The same customer settles another invoice on the as-of day and one after it,
    # and an invoice known as open then turns out settled later.
    later = [
        InvoiceRecord("X1", invoice.customer, as_of - timedelta(days=60), as_of - timedelta(days=30),
                      10_000, "EUR", settled_on=as_of),
        InvoiceRecord("X2", invoice.customer, as_of - timedelta(days=50), as_of - timedelta(days=20),
                      10_000, "EUR", settled_on=as_of + timedelta(days=9)),
    ]  # fmt: skip
    still_open = [replace(r, settled_on=None) for r in later]
    with_future = History([*records, *later]).features(invoice, as_of)
    with_open = History([*records, *still_open]).features(invoice, as_of)
    assert with_future == pytest.approx(with_open, nan_ok=True)
    # They count as open on the as-of day, and change nothing about the settled history.
    assert with_future["open_count"] == before["open_count"] + 2
    settled_features = [n for n in FEATURES if "settle" in n or "late" in n or "delay" in n]
    for name in settled_features:
        assert with_future[name] == pytest.approx(before[name], nan_ok=True), name


def test_features_of_a_first_invoice_are_unknown_rather_than_zero() -> None:
    first = InvoiceRecord("F1", "NEW", START, START + timedelta(days=30), 10_000, "EUR")
    features = History([first]).features(first, START)
    assert features["settled_count"] == 0.0
    assert math.isnan(features["mean_days_to_settle"])
    assert math.isnan(features["electronic"])
    assert list(features) == list(FEATURES)


def test_chronological_split_learns_on_the_earliest_invoices() -> None:
    learn, check = chronological_split(ledger(), 0.8)
    assert (len(learn), len(check)) == (192, 48)
    assert max(r.issue_date for r in learn) <= min(r.issue_date for r in check)


def test_baseline_is_the_customer_mean_and_the_overall_mean_for_a_new_customer() -> None:
    a = InvoiceRecord("1", "A", START, START + timedelta(days=30), 100, "EUR",
                      settled_on=START + timedelta(days=20))  # fmt: skip
    b = replace(a, key="2", settled_on=START + timedelta(days=40))
    c = replace(a, key="3", customer="B", settled_on=START + timedelta(days=90))
    new = replace(a, key="4", customer="Z")
    assert customer_mean_baseline([a, b, c], [a, c, new]) == [30.0, 90.0, 50.0]
    scores = score([b, c], [30.0, 90.0])
    assert scores.mae_days == 5.0  # |30-40| and 0
    assert scores.accuracy == 0.5  # b is late (40 > 30) but 30 is not; c is right


def test_model_follows_customers_who_pay_later_and_later_better_than_the_baseline() -> None:
    result = validate(ledger(customers=20, per_customer=30, drift=True))
    assert result.training_rows == 480
    # The baseline's mean lags behind the worsening customers; recent history does not.
    assert result.model.mae_days < 0.5 * result.baseline.mae_days


def test_training_is_deterministic_and_predicts_a_date_for_open_items() -> None:
    records = ledger()
    history = History(records)
    settled = [r for r in records if r.settled_on]
    today = date(2026, 3, 2)
    open_items = [
        InvoiceRecord("O1", "C0", date(2026, 2, 20), date(2026, 3, 22), 50_000, "EUR"),
        InvoiceRecord("O2", "C1", date(2025, 12, 1), date(2025, 12, 31), 50_000, "EUR"),
    ]
    first = train(history, settled).predict(History([*records, *open_items]), open_items, today)
    again = train(history, settled).predict(History([*records, *open_items]), open_items, today)
    assert first == again
    assert all(p.payment_date >= today for p in first)
    assert first[1].p_very_late == 1.0  # already 61 days past due
    assert 0.0 <= first[0].p_very_late <= 1.0


def test_a_single_class_gives_a_constant_probability() -> None:
    records = [replace(r, settled_on=r.due_date) for r in ledger(customers=3)]
    model = train(History(records), records)
    predicted = model.predict(History(records), records[:3])
    assert [p.p_late for p in predicted] == [0.0, 0.0, 0.0]


def test_amount_at_risk_is_rounded_in_minor_units() -> None:
    assert amount_at_risk(100_001, "EUR", 0.5) == 50_001  # 500.005 rounds half up
    assert amount_at_risk(1_500, "JPY", 0.333) == 500  # 499.5
    assert amount_at_risk(0, "EUR", 0.9) == 0
