"""The `relance` command as a person types it: exit codes, JSON documents, messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relance.cli import app
from relance.ledger.models import Creditor

runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def ledger(creditor, write):  # type: ignore[no-untyped-def]
    customers = write(
        "customers.csv", "customer,name,email\nC001,Boulangerie Martin,compta@martin.fr\n"
    )
    invoices = write(
        "invoices.csv",
        "number,customer,issue_date,due_date,amount\nF1,C001,2026-01-05,2026-02-04,1200.50\n"
        "F2,C001,2026-01-05,2026-02-04,abc\n",
    )
    assert relance("import", "customers", str(customers)).exit_code == 0
    return invoices


def test_init_creates_a_creditor_with_the_default_scenarios(db):
    result = relance(
        "init",
        "--creditor",
        "Menuiserie Roy SARL",
        "--iban",
        "FR7630006000011234567890189",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["created"] is True
    assert data["scenarios"] == ["consumer", "key_account", "risky", "standard_b2b"]
    creditor = Creditor.objects.get()
    assert (creditor.name, creditor.country, creditor.currency) == (
        "Menuiserie Roy SARL",
        "FR",
        "EUR",
    )
    again = json.loads(relance("init", "--json").stdout)
    assert again["created"] is False
    assert Creditor.objects.count() == 1


def test_init_refuses_a_bad_iban(db):
    result = relance("init", "--iban", "FR76 0000")
    assert result.exit_code == 1
    assert "invalid IBAN" in result.stderr


@pytest.mark.parametrize(("sector", "code"), [("transport", 0), ("bakery", 1)])
def test_init_sets_the_creditors_sector(db, sector, code):  # type: ignore[no-untyped-def]
    result = relance("init", "--sector", sector)
    assert result.exit_code == code, result.output
    if code:
        assert "unknown sector 'bakery'" in result.stderr
    else:
        assert Creditor.objects.get().sector == sector


def test_import_json_follows_the_contract_and_exits_1_on_rejects(ledger):
    result = relance("import", "invoices", str(ledger), "--json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert set(data) >= {
        "file",
        "rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "reject_file",
        "errors",
    }
    assert (data["rows"], data["created"], data["rejected"]) == (2, 1, 1)
    assert data["errors"] == [{"line": 3, "column": "amount", "reason": "not an amount: 'abc'"}]
    assert Path(data["reject_file"]).exists()


def test_a_clean_import_exits_0_and_says_what_it_did(creditor, write):
    path = write("customers.csv", "customer,name\nC1,Alpha\n")
    result = relance("import", "customers", str(path))
    assert result.exit_code == 0
    assert "1 rows: 1 created, 0 updated, 0 unchanged, 0 rejected" in result.stdout


def test_show_invoice_json_is_the_contract(ledger):
    relance("import", "invoices", str(ledger))
    data = json.loads(relance("show", "invoice", "F1", "--json").stdout)
    assert data == {
        "number": "F1",
        "kind": "invoice",
        "customer": "C001",
        "issue_date": "2026-01-05",
        "due_date": "2026-02-04",
        "currency": "EUR",
        "amount": "1200.50",
        "open_amount": "1200.50",
        "status": "open",
    }


def test_show_customer_gives_fields_balance_and_open_items(ledger):
    relance("import", "invoices", str(ledger))
    data = json.loads(relance("show", "customer", "C001", "--json").stdout)
    assert data["name"] == "Boulangerie Martin"
    assert data["balance"][0]["open"] == "1200.50"
    assert [i["number"] for i in data["open_items"]] == ["F1"]


def test_show_an_unknown_record_exits_1(creditor):
    result = relance("show", "invoice", "NOPE")
    assert result.exit_code == 1
    assert "no invoice 'NOPE'" in result.stderr


def test_usage_errors_exit_2(db):
    assert relance("import", "nonsense", "x.csv").exit_code == 2
    assert relance("show").exit_code == 2


def test_the_console_script_runs_end_to_end_on_a_fresh_sqlite_file(tmp_path):
    env = os.environ | {"RELANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}"}
    script = Path(sys.executable).with_name("relance")
    csv_file = tmp_path / "customers.csv"
    csv_file.write_text("customer;name\nC1;Alpha\n", encoding="utf-8")

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [script, *args], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
        )

    assert call("init").returncode == 0
    imported = call("import", "customers", str(csv_file), "--json")
    assert imported.returncode == 0, imported.stderr
    assert json.loads(imported.stdout)["created"] == 1
    shown = call("show", "customer", "C1", "--json")
    assert json.loads(shown.stdout)["name"] == "Alpha"


def test_a_bad_setting_stops_with_a_message_naming_it(tmp_path):
    env = os.environ | {"RELANCE_DATABASE_URL": "mysql://nope", "RELANCE_DEBUG": "maybe"}
    script = Path(sys.executable).with_name("relance")
    result = subprocess.run(
        [script, "init"], env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "RELANCE_DEBUG='maybe'" in result.stderr


def test_the_demo_refuses_a_database_that_holds_a_real_ledger(creditor):
    result = relance("demo", "--customers", "20")
    assert result.exit_code == 1
    assert "already holds a ledger" in result.stderr


def test_json_is_indented_for_people_and_a_huge_document_comes_on_one_line(capsys) -> None:  # type: ignore[no-untyped-def]
    from relance.cli import PRETTY_UP_TO, emit

    small = {"customers": [{"code": "C1", "total": "10.00"}]}
    emit(small)
    shown = capsys.readouterr().out
    assert shown.startswith('{\n  "customers": [')
    assert json.loads(shown) == small
    huge = {"customers": [{"code": f"C{n}", "total": "10.00"} for n in range(PRETTY_UP_TO // 20)]}
    emit(huge)
    shown = capsys.readouterr().out
    assert shown.count("\n") == 1
    assert json.loads(shown) == huge
