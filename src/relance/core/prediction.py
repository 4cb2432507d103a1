"""Payment-date prediction: features known on the prediction day, models, validation.

An invoice is described on an as-of day D by what the creditor knew on D: the invoice
itself (amount, terms, due date, billing channel) and the customer's history of
invoices *settled before D* (how long they took, how late, the trend) and of invoices
still open on D. Nothing settled on or after D is seen, whatever the records hold:
`History.features` filters by date, so one `History` of the whole ledger serves every
as-of day. For evaluation and training D is the invoice's issue date; for an open item
it is today.

Two gradient-boosted models come out of the creditor's own paid invoices: days from
issue to settlement (regression on absolute error, so the median) and the probability
of settling late (after the due date) and more than 30 days late. Features are floats
inside the model, which is not money arithmetic; the amount at risk shown to people is
computed in minor units by `amount_at_risk`.

>>> from datetime import date
>>> a = InvoiceRecord("A1", "C", date(2026, 1, 5), date(2026, 2, 4), 10000, "EUR",
...                   settled_on=date(2026, 2, 20))
>>> b = InvoiceRecord("A2", "C", date(2026, 3, 1), date(2026, 3, 31), 30000, "EUR")
>>> f = History([a, b]).features(b, as_of=date(2026, 3, 1))
>>> f["settled_count"], f["mean_days_late"], f["amount_vs_usual"]
(1.0, 16.0, 3.0)
>>> History([a, b]).features(b, as_of=date(2026, 2, 20))["settled_count"]
0.0
>>> amount_at_risk(123456, "EUR", 0.25)
30864
"""

from __future__ import annotations

import math
import statistics
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from sklearn.ensemble import (  # type: ignore[import-untyped]
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.metrics import brier_score_loss, roc_auc_score  # type: ignore[import-untyped]

from relance.core.currencies import minor_units
from relance.core.money import round_money

VERY_LATE_DAYS = 30  # "more than 30 days late": the worklist's risk
RECENT = 3  # settled invoices that make the customer's recent behaviour
SEED = 0  # the models are deterministic for the same rows
NAN = math.nan

FEATURES = (
    "terms_days",
    "log_amount",
    "amount_vs_usual",
    "electronic",
    "due_month",
    "due_weekday",
    "issue_weekday",
    "prior_invoices",
    "invoices_last_90_days",
    "settled_count",
    "mean_days_to_settle",
    "median_days_to_settle",
    "stdev_days_to_settle",
    "mean_days_late",
    "mean_delay",
    "share_late",
    "share_very_late",
    "last_days_late",
    "last_days_to_settle",
    "recent_mean_days_to_settle",
    "trend_days_to_settle",
    "days_since_last_settlement",
    "open_count",
    "open_overdue_count",
    "oldest_open_days_overdue",
)


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """One invoice as the predictor sees it; `settled_on` is None while it is open.

    `disputed` is kept for reports but is no feature: whether an invoice will be
    disputed is only known after it is issued.
    """

    key: str
    customer: str
    issue_date: date
    due_date: date
    amount: int  # minor units
    currency: str
    settled_on: date | None = None
    electronic: bool | None = None  # billed on paper (False) or electronically (True)
    disputed: bool = False

    @property
    def terms_days(self) -> int:
        return (self.due_date - self.issue_date).days

    @property
    def days_to_settle(self) -> int:
        if self.settled_on is None:
            raise ValueError(f"invoice {self.key} is not settled")
        return (self.settled_on - self.issue_date).days

    @property
    def days_late(self) -> int:
        """Days settled after the due date, 0 when on time (the dataset's DaysLate)."""
        return max(0, self.days_to_settle - self.terms_days)


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else NAN


class History:
    """A customer-by-customer index of the ledger, read as of any day."""

    def __init__(self, records: Iterable[InvoiceRecord]) -> None:
        settled: dict[str, list[InvoiceRecord]] = defaultdict(list)
        issued: dict[str, list[InvoiceRecord]] = defaultdict(list)
        for record in records:
            issued[record.customer].append(record)
            if record.settled_on is not None:
                settled[record.customer].append(record)
        self._settled = {c: sorted(rs, key=_settled_key) for c, rs in settled.items()}
        self._settled_days = {c: [_settled_key(r) for r in rs] for c, rs in self._settled.items()}
        self._issued = {c: sorted(rs, key=lambda r: r.issue_date) for c, rs in issued.items()}
        self._issued_days = {c: [r.issue_date for r in rs] for c, rs in self._issued.items()}

    def settled_before(self, customer: str, as_of: date) -> list[InvoiceRecord]:
        """The customer's invoices settled strictly before `as_of`, oldest first."""
        days = self._settled_days.get(customer, [])
        return self._settled.get(customer, [])[: bisect_left(days, as_of)]

    def issued_before(self, customer: str, as_of: date) -> list[InvoiceRecord]:
        days = self._issued_days.get(customer, [])
        return self._issued.get(customer, [])[: bisect_left(days, as_of)]

    def features(self, invoice: InvoiceRecord, as_of: date) -> dict[str, float]:
        """What was known about `invoice` and its customer on `as_of` (NaN: unknown)."""
        settled = self.settled_before(invoice.customer, as_of)
        issued = self.issued_before(invoice.customer, as_of)
        to_settle = [float(r.days_to_settle) for r in settled]
        late = [float(r.days_late) for r in settled]
        delay = [float(r.days_to_settle - r.terms_days) for r in settled]
        recent = to_settle[-RECENT:]
        usual = [r.amount for r in issued if r.currency == invoice.currency and r.amount > 0]
        open_then = [r for r in issued if r.settled_on is None or r.settled_on >= as_of]
        overdue_then = [(as_of - r.due_date).days for r in open_then if r.due_date < as_of]
        mean_to_settle = _mean(to_settle)
        return {
            "terms_days": float(invoice.terms_days),
            "log_amount": math.log1p(max(invoice.amount, 0)),
            "amount_vs_usual": invoice.amount / statistics.fmean(usual) if usual else NAN,
            "electronic": NAN if invoice.electronic is None else float(invoice.electronic),
            "due_month": float(invoice.due_date.month),
            "due_weekday": float(invoice.due_date.weekday()),
            "issue_weekday": float(invoice.issue_date.weekday()),
            "prior_invoices": float(len(issued)),
            "invoices_last_90_days": float(
                sum(1 for r in issued if r.issue_date >= as_of - timedelta(days=90))
            ),
            "settled_count": float(len(settled)),
            "mean_days_to_settle": mean_to_settle,
            "median_days_to_settle": statistics.median(to_settle) if to_settle else NAN,
            "stdev_days_to_settle": statistics.stdev(to_settle) if len(to_settle) > 1 else NAN,
            "mean_days_late": _mean(late),
            "mean_delay": _mean(delay),
            "share_late": _mean([float(d > 0) for d in late]),
            "share_very_late": _mean([float(d > VERY_LATE_DAYS) for d in late]),
            "last_days_late": late[-1] if late else NAN,
            "last_days_to_settle": to_settle[-1] if to_settle else NAN,
            "recent_mean_days_to_settle": _mean(recent),
            "trend_days_to_settle": _mean(recent) - mean_to_settle,
            "days_since_last_settlement": (
                float((as_of - _settled_key(settled[-1])).days) if settled else NAN
            ),
            "open_count": float(len(open_then)),
            "open_overdue_count": float(len(overdue_then)),
            "oldest_open_days_overdue": float(max(overdue_then)) if overdue_then else NAN,
        }

    def matrix(self, rows: Sequence[tuple[InvoiceRecord, date]]) -> Any:
        """The feature matrix of (invoice, as-of day) pairs, columns in FEATURES order."""
        table = [list(self.features(invoice, as_of).values()) for invoice, as_of in rows]
        return np.array(table, dtype=float).reshape(len(rows), len(FEATURES))


def _settled_key(record: InvoiceRecord) -> date:
    assert record.settled_on is not None
    return record.settled_on


@dataclass
class _Probability:
    """A classifier, or the constant share when the training rows hold one class only."""

    estimator: Any
    constant: float

    @classmethod
    def fit(cls, x: Any, labels: Sequence[bool]) -> _Probability:
        share = statistics.fmean(float(v) for v in labels) if labels else 0.0
        if share in (0.0, 1.0):
            return cls(None, share)
        estimator = HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=20,
            l2_regularization=1.0, random_state=SEED,
        )  # fmt: skip
        estimator.fit(x, np.array(labels, dtype=int))
        return cls(estimator, share)

    def predict(self, x: Any) -> list[float]:
        if self.estimator is None:
            return [self.constant] * len(x)
        return [float(p) for p in self.estimator.predict_proba(x)[:, 1]]


@dataclass(frozen=True, slots=True)
class Prediction:
    key: str
    days_to_settle: float
    payment_date: date
    p_late: float  # settled after the due date
    p_very_late: float  # settled more than VERY_LATE_DAYS after the due date


@dataclass
class PaymentModel:
    """The trained models of one creditor and the number of rows they learnt from."""

    days: Any
    late: _Probability
    very_late: _Probability
    rows: int
    features: tuple[str, ...] = field(default=FEATURES)
    # Hold-out errors in days (actual minus predicted payment date), set by the caller
    # that validated the model: the cash-in forecast's spread (core.forecast).
    residuals: tuple[float, ...] = ()

    def predict(
        self, history: History, invoices: Sequence[InvoiceRecord], as_of: date | None = None
    ) -> list[Prediction]:
        """Predict each invoice as of `as_of` (None: as of its issue date).

        An item still open on `as_of` is paid on `as_of` at the earliest, and one already
        more than 30 days past due is certainly very late.
        """
        if not invoices:
            return []
        days_of = [as_of or invoice.issue_date for invoice in invoices]
        x = history.matrix(list(zip(invoices, days_of, strict=True)))
        days = [max(0.0, float(d)) for d in self.days.predict(x)]
        late = self.late.predict(x)
        very_late = self.very_late.predict(x)
        out = []
        for invoice, day, d, p, p30 in zip(invoices, days_of, days, late, very_late, strict=True):
            overdue = (day - invoice.due_date).days
            p = max(p, p30)  # two models, one rule: very late is late
            out.append(
                Prediction(
                    key=invoice.key,
                    days_to_settle=d,
                    payment_date=max(invoice.issue_date + timedelta(days=round(d)), day),
                    p_late=1.0 if overdue > 0 else p,
                    p_very_late=1.0 if overdue > VERY_LATE_DAYS else p30,
                )
            )
        return out


def train(history: History, settled: Sequence[InvoiceRecord]) -> PaymentModel:
    """Fit the models on settled invoices, each described as of its issue date."""
    if not settled:
        raise ValueError("no settled invoice to learn from")
    x = history.matrix([(r, r.issue_date) for r in settled])
    # A column never known in training (no invoice ever open past due, say) cannot be
    # binned: it becomes a constant, which no tree splits on.
    x[:, np.isnan(x).all(axis=0)] = 0.0
    days = HistGradientBoostingRegressor(
        loss="absolute_error", max_iter=300, learning_rate=0.05, max_leaf_nodes=15,
        min_samples_leaf=20, l2_regularization=1.0, random_state=SEED,
    )  # fmt: skip
    days.fit(x, np.array([r.days_to_settle for r in settled], dtype=float))
    return PaymentModel(
        days=days,
        late=_Probability.fit(x, [r.days_late > 0 for r in settled]),
        very_late=_Probability.fit(x, [r.days_late > VERY_LATE_DAYS for r in settled]),
        rows=len(settled),
    )


def chronological_split(
    settled: Sequence[InvoiceRecord], share: float = 0.8
) -> tuple[list[InvoiceRecord], list[InvoiceRecord]]:
    """The first `share` of invoices by issue date to learn, the rest to validate.

    Ties keep their given order (a stable sort), as the published baseline did.
    """
    ordered = sorted(settled, key=lambda r: r.issue_date)
    cut = int(len(ordered) * share)
    return ordered[:cut], ordered[cut:]


def customer_mean_baseline(
    train_rows: Sequence[InvoiceRecord], invoices: Sequence[InvoiceRecord]
) -> list[float]:
    """Days to settle predicted as the customer's mean over the training rows (the
    global mean for a customer never seen): the baseline the model must beat."""
    overall = statistics.fmean(r.days_to_settle for r in train_rows)
    per_customer: dict[str, list[int]] = defaultdict(list)
    for r in train_rows:
        per_customer[r.customer].append(r.days_to_settle)
    means = {c: statistics.fmean(v) for c, v in per_customer.items()}
    return [means.get(r.customer, overall) for r in invoices]


@dataclass(frozen=True, slots=True)
class Scores:
    rows: int
    mae_days: float  # mean absolute error of days to settle
    accuracy: float  # late (settled after the due date) or on time, right
    brier_very_late: float | None = None  # of P(more than 30 days late)
    auc_very_late: float | None = None  # None when the rows hold one class only
    auc_late: float | None = None


def score(
    actual: Sequence[InvoiceRecord],
    days: Sequence[float],
    p_late: Sequence[float] | None = None,
    p_very_late: Sequence[float] | None = None,
) -> Scores:
    """Scores of predictions; late is predicted from `p_late` > 0.5 when given, else
    from the predicted days exceeding the terms."""
    mae = statistics.fmean(abs(d - r.days_to_settle) for d, r in zip(days, actual, strict=True))
    truly_late = [r.days_late > 0 for r in actual]
    if p_late is None:
        said_late = [d > r.terms_days for d, r in zip(days, actual, strict=True)]
    else:
        said_late = [p > 0.5 for p in p_late]
    accuracy = statistics.fmean(float(a == b) for a, b in zip(said_late, truly_late, strict=True))
    very_late = [r.days_late > VERY_LATE_DAYS for r in actual]
    return Scores(
        rows=len(actual),
        mae_days=mae,
        accuracy=accuracy,
        brier_very_late=(
            None if p_very_late is None else float(brier_score_loss(very_late, p_very_late))
        ),
        auc_very_late=_auc(very_late, p_very_late),
        auc_late=_auc(truly_late, p_late),
    )


def _auc(labels: Sequence[bool], probabilities: Sequence[float] | None) -> float | None:
    if probabilities is None or len(set(labels)) < 2:
        return None
    return float(roc_auc_score(labels, probabilities))


@dataclass(frozen=True, slots=True)
class Validation:
    model: Scores
    baseline: Scores
    training_rows: int
    residuals: tuple[float, ...] = ()  # actual minus predicted days to settle, hold-out rows


def validate(records: Sequence[InvoiceRecord], share: float = 0.8) -> Validation:
    """Train on the first `share` of settled invoices by issue date, score the rest
    against the per-customer mean baseline. Features of every row use only what was
    settled before its issue date, validation rows' included."""
    settled = [r for r in records if r.settled_on is not None]
    learn, check = chronological_split(settled, share)
    if not learn or not check:
        raise ValueError(f"too few settled invoices to validate: {len(settled)}")
    history = History(records)
    model = train(history, learn)
    predicted = model.predict(history, check)
    return Validation(
        model=score(
            check,
            [p.days_to_settle for p in predicted],
            [p.p_late for p in predicted],
            [p.p_very_late for p in predicted],
        ),
        baseline=score(check, customer_mean_baseline(learn, check)),
        training_rows=len(learn),
        residuals=tuple(
            r.days_to_settle - p.days_to_settle for r, p in zip(check, predicted, strict=True)
        ),
    )


def amount_at_risk(open_amount: int, currency: str, probability: float) -> int:
    """The open amount times the probability of being more than 30 days late, in minor
    units (the probability is taken to four decimals)."""
    share = Decimal(str(round(probability, 4)))
    return round_money(Decimal(open_amount).scaleb(-minor_units(currency)) * share, currency)
