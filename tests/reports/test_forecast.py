"""The cash-in forecast and its back-test on the ledger of tests/reports/conftest.py, and
`relance report forecast` on it."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from io import BytesIO

from openpyxl import load_workbook
from typer.testing import CliRunner

from relance.cli import app
from relance.reports import forecast

runner = CliRunner()
MONDAY = date(2026, 3, 2)


def test_the_backtest_counts_the_payments_allocated_each_week_to_the_items_open_then(ledger):  # type: ignore[no-untyped-def]
    # Open at the start of 2 March: F1 1000.00, F2 500.00, F3 2400.00 (EUR); F4 is written
    # off later and F6 partly settled elsewhere, so neither is forecast. Then P1 pays
    # 400.00 of F1 on 10 March and P4 500.00 of F2 on 15 March (week 1), P2 2000.00 of
    # F3 on 5 April (a Sunday, week 4); the credit note on F3 (5 March) is no cash.
    result = forecast.backtest(ledger, MONDAY)
    assert result.items == 3
    assert result.training_rows == 0
    ((plan, score),) = result.scores
    assert plan.currency == "EUR"
    assert plan.total == 390000
    collected = [c.actual for c in score.weeks]
    assert collected[1] == 90000
    assert collected[4] == 200000
    assert sum(collected) == 290000
    # Nothing paid yet: no model, no lateness; F2 on its due date (12 March, week 1),
    # F1 and F3, past due, this week; no band.
    assert [w.expected for w in plan.weeks[:2]] == [340000, 50000]
    assert plan.later == 0
    assert plan.weeks[0].high == plan.weeks[0].expected
    assert str(score.wape) == "200.0"  # (340000 + 40000 + 200000) / 290000


def test_report_forecast_prints_json_and_xlsx(ledger, tmp_path):  # type: ignore[no-untyped-def]
    done = runner.invoke(app, ["report", "forecast", "--date", "2026-03-02", "--json",
                               "--xlsx", str(tmp_path / "f.xlsx")])  # fmt: skip
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert doc["currency"] == "EUR"
    assert len(doc["weeks"]) == 13
    assert doc["weeks"][0]["week"] == "2026-W10"
    sheet = load_workbook(BytesIO((tmp_path / "f.xlsx").read_bytes()))["forecast"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("currency", "week", "start", "end", "expected")
    assert [Decimal(str(r[4])) for r in rows[1:14]] == [
        Decimal(w["expected"]) for w in doc["weeks"]
    ]
    assert sum(Decimal(w["expected"]) for w in doc["weeks"]) == Decimal("600.00")  # F1 today


def test_report_forecast_backtest_prints_the_scores(ledger):  # type: ignore[no-untyped-def]
    done = runner.invoke(app, ["report", "forecast", "--backtest", "--at", "2026-03-02", "--json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert doc["actual"] == "2900.00"
    assert [w["actual"] for w in doc["weeks"]][:5] == ["0.00", "900.00", "0.00", "0.00", "2000.00"]
    assert doc["wape"] is not None
    assert doc["band_coverage"] is not None
    text = runner.invoke(app, ["report", "forecast", "--backtest", "--at", "2026-03-02"])
    assert text.exit_code == 0
    assert "WAPE" in text.stdout
