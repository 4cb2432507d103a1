"""DSO, best DSO, ADD and CEI computed by hand on the ledger of tests/reports/conftest.py,
on 2026-03-31 over 90 days (2026-01-01 to 03-31).

EUR credit sales: January 4200.00 (F1, F3, F6), February 500.00 (F2), March none.
Receivables on 03-31: 2600.00 (the aged balance), none of it due later; on 2026-01-00
(the day before the period) nothing was issued yet; on 02-28: 4200.00, of which F2's
500.00 not yet due.
"""

from __future__ import annotations

import json
from datetime import date

from typer.testing import CliRunner

from relance.cli import app
from relance.ledger.models import Customer
from relance.reports import indicators


def _report(ledger) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    return {
        currency: indicators.indicators_json(currency, now, trend)
        for currency, now, trend in indicators.report(ledger, date(2026, 3, 31), 90)
    }


def test_dso_countback_standard_best_add_and_cei_match_the_hand_computation(ledger) -> None:  # type: ignore[no-untyped-def]
    eur = _report(ledger)["EUR"]
    assert (eur["receivables"], eur["sales"]) == ("2600.00", "4700.00")
    # 2600 / 4700 x 90 = 49.79; nothing is current, so the whole of it is delinquency
    assert (eur["dso_standard"], eur["best_dso"], eur["add"]) == ("49.8", "0.0", "49.8")
    # March (31 days, no sales) and February (28 days, 500.00) count whole; the 2100.00
    # left are half of January's 4200.00: 15.5 of its 31 days
    assert eur["dso_countback"] == "74.5"
    # (0 + 4700 - 2600) / (0 + 4700 - 0)
    assert eur["cei"] == "44.7"


def test_the_trend_gives_each_month_its_own_cei(ledger) -> None:  # type: ignore[no-untyped-def]
    trend = {t["month"]: t for t in _report(ledger)["EUR"]["trend"]}
    assert list(trend)[-1] == "2026-03"
    assert len(trend) == 12
    march = trend["2026-03"]
    # (4200 + 0 - 2600) / (4200 + 0 - 0): February's end had 500.00 not yet due, March's none
    assert march["cei"] == "38.1"
    assert march["dso_standard"] is None  # no sales in March
    assert trend["2026-02"]["receivables"] == "4200.00"
    assert trend["2025-04"]["cei"] is None  # nothing to collect yet


def test_each_currency_has_its_own_indicators(ledger) -> None:  # type: ignore[no-untyped-def]
    usd = _report(ledger)["USD"]
    # F4, 300.00 issued in February and unpaid: March counts whole, February's sales
    # are exactly what is owed
    assert (usd["dso_standard"], usd["dso_countback"], usd["cei"]) == ("90.0", "59.0", "0.0")


def test_customer_habits_weigh_days_late_by_the_amounts_paid(ledger) -> None:  # type: ignore[no-untyped-def]
    habits = indicators.customer_indicators(Customer.objects.get(code="C1"), date(2026, 3, 31))
    # P1: 400.00 on F1 34 days late; P4: 500.00 on F2 3 days late
    assert habits["average_days_late"] == "16.8"
    assert habits["days_late_last_3_months"] == "16.8"
    assert habits["days_late_before"] is None
    assert habits["paid_after_first_reminder"] == "0.0"  # F2 paid, never reminded
    assert habits["dispute_rate"] == "0.0"
    assert habits["promise_keeping"] is None


def test_report_dso_prints_json_per_currency(ledger) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        app, ["report", "dso", "--date", "2026-03-31", "--period", "90", "--json"]
    )
    assert result.exit_code == 0, result.output
    eur, usd = json.loads(result.stdout)
    assert {"date", "currency", "period", "dso_countback", "dso_standard", "best_dso",
            "add", "cei", "trend"} <= set(eur)  # fmt: skip
    assert (eur["date"], eur["period"], usd["currency"]) == ("2026-03-31", 90, "USD")


def test_receivables_from_the_flows_agree_with_the_aged_balance_on_every_day(ledger) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from tests.reports.totals import aged_totals, nonzero

    from relance.core.indicators import receivables_on
    from relance.ledger import flows

    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 150, 7)]
    found, _sales = flows.read(ledger.pk)
    snapshots = receivables_on(found, days)
    for day in days:
        assert nonzero(snapshots[day]) == aged_totals(ledger, day), day


def test_without_a_trend_the_indicators_are_the_same(ledger) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(
        app, ["report", "dso", "--date", "2026-03-31", "--months", "0", "--json"]
    )
    eur, _usd = json.loads(result.stdout)
    assert eur["trend"] == []
    full = _report(ledger)["EUR"]
    assert {k: v for k, v in eur.items() if k != "trend"} == {
        k: v for k, v in full.items() if k != "trend"
    }


def test_share_paid_after_the_first_reminder_and_dispute_rate(creditor, load) -> None:  # type: ignore[no-untyped-def]
    from relance.collection.models import Action
    from relance.collection.services import open_dispute, run_collection
    from relance.ledger.models import Invoice

    load("customers", "customer,name,email\nC9,Gamma,compta@gamma.example\n")
    load(
        "invoices",
        "number,customer,issue_date,due_date,amount\n"
        "G1,C9,2026-01-02,2026-01-30,100.00\n"
        "G2,C9,2026-01-02,2026-01-30,200.00\n"
        "G3,C9,2026-01-02,2026-01-30,300.00\n",
    )
    load("payments", "date,amount,currency,customer,reference,invoices\n"
                     "2026-01-29,100.00,EUR,C9,PG1,G1\n")  # fmt: skip
    open_dispute(Invoice.objects.get(number="G3"), reason="price", on=date(2026, 1, 20),
                 actor="t")  # fmt: skip
    run_collection(creditor, date(2026, 2, 3), actor="t")  # first reminder: G2
    assert Action.objects.filter(items__invoice__number="G2").exists()
    Action.objects.update(status="sent")  # it went out
    load("payments", "date,amount,currency,customer,reference,invoices\n"
                     "2026-02-10,200.00,EUR,C9,PG2,G2\n")  # fmt: skip
    habits = indicators.customer_indicators(Customer.objects.get(code="C9"), date(2026, 2, 28))
    assert habits["paid_after_first_reminder"] == "50.0"  # G2 of G1 and G2
    assert habits["dispute_rate"] == "33.3"  # G3 of three
    # G1 on time (0 days), G2 11 days late: (100 x 0 + 200 x 11) / 300
    assert habits["average_days_late"] == "7.3"
