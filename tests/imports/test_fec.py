"""Importing the real FEC: its customers, invoices, payments and lettering."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from tests.conftest import SHARED_DATA

from relance.core import fec
from relance.imports.services import import_file
from relance.ledger.models import Allocation, Customer, Invoice, Payment

FEC = SHARED_DATA / "fec" / "0000000001FEC20220831.txt"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    target = tmp_path / FEC.name
    shutil.copy(FEC, target)
    return target


def run(path: Path, creditor, **kwargs):  # type: ignore[no-untyped-def]
    return import_file(path, "invoices", creditor=creditor, actor="test", **kwargs)


def test_the_fec_is_detected_from_its_header_and_gives_customers_invoices_payments(
    creditor, ledger
):
    result = run(ledger, creditor)
    assert result.format == "fec"
    assert result.errors == []
    assert result.reject_file is None
    assert result.fec is not None
    assert [result.fec[k]["created"] for k in ("customers", "invoices", "payments")] == [
        17, 406, 129,
    ]  # fmt: skip
    assert result.fec["allocations"] == 371
    assert (result.fec["credit_allocations"], result.fec["opening"]) == (8, 7)
    assert Customer.objects.filter(creditor=creditor).count() == 17
    assert Invoice.objects.filter(creditor=creditor, kind="credit_note").count() == 8
    assert Payment.objects.filter(creditor=creditor).count() == 129
    assert any("no due dates" in w for w in result.warnings)


def test_lines_checked_by_hand_in_the_file(creditor, ledger):
    run(ledger, creditor, fmt="fec")
    # VEN 62: 411000 CMOURL SAS MOURLHON FA  220061 20211029 debit 8029,61
    inv = Invoice.objects.get(creditor=creditor, number="FA 220061")
    assert (inv.customer.code, inv.customer.name) == ("CMOURL", "SAS MOURLHON")
    assert (str(inv.issue_date), inv.amount, inv.kind) == ("2021-10-29", 802961, "invoice")
    # VEN 1: CDISCO AV  220002 credit 3122,80: a credit note
    note = Invoice.objects.get(creditor=creditor, number="AV 220002")
    assert (note.kind, note.amount) == ("credit_note", -312280)
    # CRC 8: CLAURE VIR LAURENT PRIMEURS 55129 credit 2780,98
    pay = Payment.objects.get(creditor=creditor, reference__startswith="FEC CRC 8 0055129")
    assert (pay.customer.code, str(pay.date), pay.amount) == ("CLAURE", "2021-09-03", 278098)


def test_the_lettering_settles_mourlhons_invoices_one_payment_each(creditor, ledger):
    run(ledger, creditor)
    made = sorted(
        (a.invoice.number, a.amount, str(a.payment.date))
        for a in Allocation.objects.filter(invoice__customer__code="CMOURL")
    )
    assert made == [
        ("FA 220061", 802961, "2021-12-01"),
        ("FA 220109", 1014952, "2021-12-31"),
        ("FA 220139", 1396525, "2022-02-01"),
        ("FA 220174", 1434315, "2022-03-03"),
        ("FA 220212", 1612061, "2022-03-31"),
        ("FA 220248", 1684666, "2022-05-04"),
        ("FA 220286", 2362989, "2022-05-31"),
        ("FA 220304", 243072, "2022-07-05"),
    ]
    # AAED has no payment yet: the last invoice stays open.
    last = Invoice.objects.get(creditor=creditor, number="FA 220395")
    assert (last.open_amount, last.status) == (43888, "open")


def test_the_allocations_saved_are_those_the_core_derives_from_the_lettering(creditor, ledger):
    run(ledger, creditor)
    table = fec.parse(*fec.decode(FEC.read_bytes()))
    plan = fec.plan(table.entries)
    expected = sorted((n, cents) for _line, n, cents in fec.settle_lettering(
        plan.invoices, plan.payments, plan.others, plan.opening_lines))  # fmt: skip
    saved = sorted(
        Allocation.objects.filter(payment__creditor=creditor).values_list(
            "invoice__number", "amount"
        )
    )
    assert saved == expected
    credits = sorted(
        Allocation.objects.filter(credit_note__creditor=creditor).values_list(
            "credit_note__number", "invoice__number", "amount"
        )
    )
    assert credits == sorted(fec.credit_lettering(plan.invoices))


def test_credit_notes_settle_the_invoices_they_are_lettered_with(creditor, ledger):
    run(ledger, creditor)
    # VEN 1-2: AV 220002 (3122,80) and FA 220001 (3122,80) share the letter AABW
    note = Invoice.objects.get(creditor=creditor, number="AV 220002")
    invoice = Invoice.objects.get(creditor=creditor, number="FA 220001")
    assert (note.open_amount, invoice.open_amount, invoice.status) == (0, 0, "paid")
    assert list(invoice.allocations.values_list("credit_note__number", "amount")) == [
        ("AV 220002", 312280)
    ]
    # VEN 313: AV 220299 (374,74) lettered AAEM with FA 220293: a partial credit
    partial = Allocation.objects.get(credit_note__number="AV 220299")
    assert (partial.invoice.number, partial.amount) == ("FA 220293", 37474)


def test_opening_balances_become_open_items_settled_by_the_money_lettered_beyond_the_year(
    creditor, ledger
):
    run(ledger, creditor)
    # ANO 1: 411000 CLAURE LAURENT PRIMEURS RAN 20210901 debit 6135,88 (not lettered)
    opening = Invoice.objects.get(creditor=creditor, number="RAN CLAURE")
    assert (opening.customer.code, str(opening.issue_date)) == ("CLAURE", "2021-09-01")
    assert (opening.amount, opening.kind) == (613588, "invoice")
    # CRC 8 (2780,98, letter AAAT) and CRC 67 (3354,90, AAAX) are lettered with no line
    # of this year: they settle what the year opened with, exactly.
    assert sorted(opening.allocations.values_list("payment__date", "amount")) == [
        (date(2021, 9, 3), 278098), (date(2021, 10, 7), 335490),
    ]  # fmt: skip
    assert opening.open_amount == 0
    # PROSOL: 35724,95 opened, settled by two payments and the part of a third
    # (CRC 54, 29602,76) that its letter's invoices of this year do not take.
    prosol = Invoice.objects.get(creditor=creditor, number="RAN CPRO00")
    assert sorted(prosol.allocations.values_list("amount", flat=True)) == [
        717824, 786133, 2068538,
    ]  # fmt: skip
    # PERRIER's opening balance was written off by an unlettered OD: it stays open.
    assert Invoice.objects.get(creditor=creditor, number="RAN CPERR0").open_amount == 9495
    assert Invoice.objects.filter(creditor=creditor, number__startswith="RAN ").count() == 7


def test_importing_the_same_fec_again_changes_nothing(creditor, ledger):
    run(ledger, creditor)
    counts = (Invoice.objects.count(), Payment.objects.count(), Allocation.objects.count())
    again = run(ledger, creditor)
    assert (again.created, again.updated, again.errors) == (0, 0, [])
    assert again.fec is not None
    assert again.fec["allocations"] == 0
    assert (Invoice.objects.count(), Payment.objects.count(), Allocation.objects.count()) == counts


def test_a_broken_line_is_reported_with_its_number_and_the_others_kept(creditor, tmp_path):
    lines = FEC.read_bytes().decode("utf-8-sig").splitlines()
    # the line of FA  220061 made unreadable: a debit that is not an amount
    at = next(n for n, line in enumerate(lines) if "FA  220061" in line)
    fields = lines[at].split("\t")
    fields[11] = "80x29,61"
    lines[at] = "\t".join(fields)
    path = tmp_path / "broken.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(path, creditor)
    assert [(e.line, e.column) for e in result.errors] == [(at + 1, "Debit")]
    assert "not an amount" in result.errors[0].reason
    assert result.fec is not None
    assert result.fec["invoices"]["created"] == 405
    assert result.reject_file is not None
    rejected = Path(result.reject_file).read_text(encoding="utf-8").splitlines()
    assert rejected[0].startswith("line,column,reason,JournalCode")
    assert rejected[1].startswith(f"{at + 1},Debit,")


def test_the_cli_imports_a_fec_and_reports_its_counts(creditor, ledger):
    from typer.testing import CliRunner

    from relance.cli import app

    done = CliRunner().invoke(app, ["import", "invoices", str(ledger), "--format", "fec"])
    assert done.exit_code == 0, done.output
    assert "FEC: 17 customers, 406 invoices, 129 payments, 371 allocations created" in done.output
    wrong = CliRunner().invoke(app, ["import", "payments", str(ledger), "--json"])
    assert wrong.exit_code == 1
    assert "import invoices" in json.loads(wrong.output)["errors"][0]["reason"]
