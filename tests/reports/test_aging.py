"""The aged balance, exact to the cent on a ledger small enough to age by hand
(tests/reports/conftest.py: `ledger`)."""

from __future__ import annotations

import json
from datetime import date

from openpyxl import load_workbook
from tests.members import member
from typer.testing import CliRunner

from relance.accounts import services
from relance.cli import app
from relance.core.aging import by_group, parse_buckets
from relance.ledger.models import Invoice, Payment
from relance.reports import exports, queries


def _buckets(doc: dict) -> dict[str, tuple[str, int]]:  # type: ignore[type-arg]
    return {b["label"]: (b["amount"], b["count"]) for b in doc["buckets"]}


def _aging(creditor, day: date, limits: str = "") -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return [exports.aging_json(a) for a in queries.aging(creditor, day, parse_buckets(limits))]


def test_aging_at_the_end_of_march_is_exact_to_the_cent(ledger) -> None:  # type: ignore[no-untyped-def]
    eur, usd = _aging(ledger, date(2026, 3, 31))
    assert eur["currency"] == "EUR"
    assert _buckets(eur) == {
        "not_due": ("0.00", 0), "1-30": ("0.00", 0),
        "31-60": ("2900.00", 3),  # F1 600.00 (55 days), F3 2000.00 (59), F6 300.00 (50)
        "61-90": ("0.00", 0), "over_90": ("0.00", 0),
        "credits": ("-300.00", 2),  # AV1 and what P4 left on account
    }  # fmt: skip
    assert eur["total"] == "2600.00"
    # the most overdue first; C2 has the formula-like name it was imported with
    assert [(c["code"], c["segment"], c["total"]) for c in eur["customers"]] == [
        ("C2", "ETI", "2000.00"),
        ("C1", "PME", "600.00"),
    ]
    assert _buckets(eur["customers"][1])["credits"] == ("-300.00", 2)
    assert (usd["currency"], usd["total"], _buckets(usd)["1-30"]) == (
        "USD",
        "300.00",
        ("300.00", 1),
    )


def test_a_past_date_before_a_payment_shows_the_invoice_open_again(ledger) -> None:  # type: ignore[no-untyped-def]
    eur, usd = _aging(ledger, date(2026, 2, 20))
    assert _buckets(eur) == {
        "not_due": ("500.00", 1),  # F2
        "1-30": ("3700.00", 3),  # F1 1000.00, F3 2400.00, F6 300.00 (due 02-09: settled by then)
        "31-60": ("0.00", 0), "61-90": ("0.00", 0), "over_90": ("0.00", 0),
        "credits": ("0.00", 0),
    }  # fmt: skip
    assert eur["total"] == "4200.00"
    assert _buckets(usd)["not_due"] == ("300.00", 1)  # F4, long before its write-off
    # The day before P1, F1 is whole; before its due date, F6 is too.
    (early, _usd) = _aging(ledger, date(2026, 2, 1))
    assert _buckets(early)["not_due"] == ("1800.00", 2)  # F1 1000.00, F6 800.00; F2 not issued
    assert _buckets(early)["1-30"] == ("2400.00", 1)  # F3


def test_after_the_write_off_and_the_last_payment_only_euros_are_left(ledger) -> None:  # type: ignore[no-untyped-def]
    (eur,) = _aging(ledger, date(2026, 5, 15))
    assert _buckets(eur)["1-30"] == ("700.00", 1)  # F5, 5 days late
    assert _buckets(eur)["over_90"] == ("900.00", 2)  # F1 600.00 (100 days), F6 300.00 (95)
    assert eur["total"] == "1300.00"
    (custom,) = _aging(ledger, date(2026, 5, 15), "30,60,90,120")
    assert _buckets(custom)["91-120"] == ("900.00", 2)
    assert _buckets(custom)["over_120"] == ("0.00", 0)


def test_aging_today_equals_the_open_amounts_less_what_is_on_account(ledger) -> None:  # type: ignore[no-untyped-def]
    day = date(2030, 1, 1)
    totals = {a.currency: a.total for a in queries.aging(ledger, day, parse_buckets(""))}
    open_eur = sum(i.open_amount for i in Invoice.objects.filter(currency="EUR"))
    assert totals == {"EUR": open_eur - sum(p.unapplied for p in Payment.objects.all())}


def test_drill_down_lists_the_items_of_a_bucket_as_of_that_date(ledger) -> None:  # type: ignore[no-untyped-def]
    buckets = parse_buckets("")
    found = queries.items(ledger, date(2026, 3, 31), buckets, bucket=2, currency="EUR")
    assert [(i.number, i.open_amount) for i in found] == [
        ("F3", 200000), ("F1", 60000), ("F6", 30000),
    ]  # fmt: skip
    credits = queries.items(ledger, date(2026, 3, 31), buckets, bucket=-1, customer="C1")
    assert sorted((i.kind, i.open_amount) for i in credits) == [
        ("credit_note", -10000), ("payment", -20000),
    ]  # fmt: skip


def test_report_aging_prints_json_and_writes_neutral_csv_and_xlsx(ledger, tmp_path) -> None:  # type: ignore[no-untyped-def]
    csv_file, xlsx_file = tmp_path / "aging.csv", tmp_path / "aging.xlsx"
    result = CliRunner().invoke(app, [
        "report", "aging", "--date", "2026-03-31", "--json",
        "--csv", str(csv_file), "--xlsx", str(xlsx_file),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    docs = json.loads(result.stdout)
    assert [d["currency"] for d in docs] == ["EUR", "USD"]
    assert set(docs[0]) == {"date", "currency", "buckets", "total", "customers"}
    assert set(docs[0]["customers"][0]) == {
        "code",
        "name",
        "segment",
        "collector",
        "buckets",
        "total",
    }
    lines = csv_file.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "date,currency,customer,name,segment,collector,not_due,1-30,31-60,61-90,over_90,credits,total"
    )
    assert lines[1] == "2026-03-31,EUR,C2,'=Beta,ETI,,0.00,0.00,2000.00,0.00,0.00,0.00,2000.00"
    sheet = load_workbook(xlsx_file).active
    assert sheet["D2"].value == "'=Beta"
    assert sheet["I2"].value == 2000
    one = CliRunner().invoke(app, ["report", "aging", "--date", "2026-05-15", "--json"])
    assert json.loads(one.stdout)["currency"] == "EUR"  # one currency: one document


def test_bad_bucket_limits_are_a_usage_error(ledger) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["report", "aging", "--buckets", "60,30"])
    assert result.exit_code == 2
    assert "increasing" in result.output


def test_an_empty_ledger_has_a_zero_aged_balance_in_its_currency(creditor) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(app, ["report", "aging", "--json"])
    doc = json.loads(result.stdout)
    assert (doc["currency"], doc["total"], doc["customers"]) == ("EUR", "0.00", [])
    assert [b["amount"] for b in doc["buckets"]] == ["0.00"] * 6


def test_the_aged_balance_groups_and_filters_by_collector(ledger, client) -> None:  # type: ignore[no-untyped-def]
    eve = services.add_user("eve", actor="test")
    services.set_role(eve, ledger, "collector", actor="test")
    services.assign_collector(ledger.customers.get(code="C2"), eve, actor="test")
    (eur, _usd) = queries.aging(ledger, date(2026, 3, 31), parse_buckets(""))
    assert [(g.account.name, g.total) for g in by_group(eur, "collector")] == [
        ("eve", 200000),
        ("", eur.total - 200000),
    ]

    result = CliRunner().invoke(
        app, ["report", "aging", "--date", "2026-03-31", "--collector", "eve", "--json"]
    )
    eur_doc = json.loads(result.stdout)[0]
    assert [(c["code"], c["collector"], c["total"]) for c in eur_doc["customers"]] == [
        ("C2", "eve", "2000.00")
    ]
    client.force_login(member("finance", password="x" * 12))
    page = client.get(
        "/reports/aging/", {"date": "2026-03-31"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "By collector" in page
    assert 'href="?date=2026-03-31&amp;collector=eve' in page


def test_an_unknown_segment_or_collector_is_an_error_not_an_empty_report(ledger) -> None:  # type: ignore[no-untyped-def]
    eve = services.add_user("eve", actor="test")
    services.set_role(eve, ledger, "collector", actor="test")
    services.assign_collector(ledger.customers.get(code="C2"), eve, actor="test")
    for option, value, known in (("--collector", "evee", "known: eve"),
                                 ("--segment", "nope", "known:")):  # fmt: skip
        result = CliRunner().invoke(app, ["report", "aging", option, value])
        said = " ".join(result.output.split())
        assert result.exit_code == 1
        assert f"{option} {value}: none of the customers has it ({known}" in said
    assert CliRunner().invoke(app, ["report", "aging", "--collector", "eve"]).exit_code == 0
