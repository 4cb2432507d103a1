"""Payment-date prediction on the IBM "late payment histories" sample (issue 8).

Usage: .venv/bin/python bench/prediction.py [CSV]

A chronological 80/20 split by invoice date (ties in file order): the model learns on the
first 80 % and is scored on the rest against the per-customer mean of days to settle.
Features of every row use only invoices settled before its invoice date. `Disputed` is
not used: it is only known after the invoice is issued.
"""

from __future__ import annotations

import csv
import math
import statistics
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from relance.core.money import round_money
from relance.core.prediction import (
    VERY_LATE_DAYS,
    History,
    InvoiceRecord,
    Scores,
    chronological_split,
    score,
    validate,
)

DATA = Path("/work/shared/data/payment_history/WA_Fn-UseC_-Accounts-Receivable.csv")


def _day(text: str) -> date:
    return datetime.strptime(text, "%m/%d/%Y").date()  # noqa: DTZ007 (a business date)


def load(path: Path) -> list[InvoiceRecord]:
    with path.open(newline="", encoding="utf-8") as f:
        return [
            InvoiceRecord(
                key=row["invoiceNumber"],
                customer=row["customerID"],
                issue_date=_day(row["InvoiceDate"]),
                due_date=_day(row["DueDate"]),
                amount=round_money(Decimal(row["InvoiceAmount"]), "USD"),
                currency="USD",
                settled_on=_day(row["SettledDate"]),
                electronic=row["PaperlessBill"] == "Electronic",
                disputed=row["Disputed"] == "Yes",
            )
            for row in csv.DictReader(f)
        ]


def _fmt(value: float | None, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def _line(name: str, s: Scores) -> str:
    return (
        f"| {name} | {s.mae_days:.2f} | {s.accuracy:.3f} | {_fmt(s.auc_late, 3)} "
        f"| {_fmt(s.auc_very_late, 3)} | {_fmt(s.brier_very_late, 4)} |"
    )


def rolling_baseline(records: list[InvoiceRecord]) -> Scores:
    """A stronger baseline: the customer's mean over the invoices settled before each
    invoice's date (validation rows included, as the model's features do)."""
    learn, check = chronological_split(records)
    history = History(records)
    overall = statistics.fmean(r.days_to_settle for r in learn)
    days = [history.features(r, r.issue_date)["mean_days_to_settle"] for r in check]
    return score(check, [overall if math.isnan(d) else d for d in days])


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DATA
    records = load(path)
    result = validate(records)
    _learn, check = chronological_split(records)
    very_late = sum(1 for r in check if r.days_late > VERY_LATE_DAYS)
    print(
        f"{len(records)} invoices, {result.training_rows} to learn, {result.model.rows} to "
        f"score ({very_late} of them more than {VERY_LATE_DAYS} days late)"
    )
    print(
        "| predictor | MAE days to settle | late/on-time accuracy | AUC late "
        "| AUC >30 days late | Brier >30 days late |"
    )
    print("|---|---|---|---|---|---|")
    print(_line("per-customer mean days to settle (baseline)", result.baseline))
    print(_line("per-customer mean of invoices settled before the invoice date",
                rolling_baseline(records)))  # fmt: skip
    print(_line("gradient boosting, features as of the invoice date", result.model))


if __name__ == "__main__":
    main()
