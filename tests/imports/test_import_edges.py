"""Imports at their edges: partial files, allocated invoices, odd cells, chunk boundaries."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from relance.audit import Event
from relance.imports import services
from relance.imports.fields import Options
from relance.imports.services import import_file
from relance.ledger.models import Customer, Invoice, Payment


def run(path: Path, kind: str, creditor, **kwargs):  # type: ignore[no-untyped-def]
    return import_file(path, kind, creditor=creditor, actor="test", **kwargs)


@pytest.fixture
def customer(creditor, write):  # type: ignore[no-untyped-def]
    text = "customer,name,email,city,registration_number,kind\nC1,Alpha,a@alpha.fr,Lyon,732829320,public\n"
    assert run(write("c.csv", text), "customers", creditor).created == 1


def test_a_file_with_fewer_columns_updates_those_and_keeps_the_others(creditor, customer, write):
    result = run(write("c2.csv", "customer,name\nC1,Alpha SAS\n"), "customers", creditor)
    assert result.updated == 1
    c1 = Customer.objects.get()
    assert (c1.name, c1.email, c1.city, c1.registration_number, c1.kind) == (
        "Alpha SAS", "a@alpha.fr", "Lyon", "732829320", "public",
    )  # fmt: skip


def test_an_invoice_reimported_without_open_amount_or_po_stays_paid(creditor, customer, write):
    full = "number,customer,issue_date,amount,open_amount,po_number,currency\nF1,C1,2026-01-05,300,0,PO-9,USD\n"
    run(write("a.csv", full), "invoices", creditor)
    result = run(
        write("b.csv", "number,customer,issue_date,amount\nF1,C1,2026-01-05,300\n"),
        "invoices",
        creditor,
    )
    assert (result.updated, result.unchanged) == (0, 1)
    inv = Invoice.objects.get()
    assert (inv.status, inv.open_amount, inv.po_number, inv.currency) == ("paid", 0, "PO-9", "USD")


@pytest.fixture
def paid_f1(creditor, customer, write):  # type: ignore[no-untyped-def]
    run(
        write("i.csv", "number,customer,issue_date,amount\nF1,C1,2026-01-05,100\n"),
        "invoices",
        creditor,
    )
    run(
        write("p.csv", "date,amount,customer,reference\n2026-02-01,100,C1,VIR1\n"),
        "payments",
        creditor,
    )
    assert Invoice.objects.get().status == "paid"


def test_an_amount_below_what_was_allocated_is_rejected(creditor, paid_f1, write):
    result = run(
        write("i2.csv", "number,customer,issue_date,amount\nF1,C1,2026-01-05,80\n"),
        "invoices",
        creditor,
    )
    assert (result.rejected, result.errors[0].column) == (1, "amount")
    assert Invoice.objects.get().amount == 10000


def test_an_allocated_invoice_does_not_move_to_another_customer(creditor, paid_f1, write):
    run(write("c.csv", "customer,name\nC2,Beta\n"), "customers", creditor)
    result = run(
        write("i2.csv", "number,customer,issue_date,amount\nF1,C2,2026-01-05,100\n"),
        "invoices",
        creditor,
    )
    assert result.errors[0].column == "customer"
    assert Invoice.objects.get().customer.code == "C1"


def test_an_export_older_than_a_relance_payment_does_not_reopen_the_invoice(
    creditor, paid_f1, write
):
    run(
        write(
            "i2.csv", "number,customer,issue_date,amount,open_amount\nF1,C1,2026-01-05,100,100\n"
        ),
        "invoices",
        creditor,
    )
    inv = Invoice.objects.get()
    assert (inv.open_amount, inv.settled_elsewhere, inv.status) == (0, 0, "paid")


def test_a_payment_reimported_with_more_columns_is_the_same_payment(creditor, paid_f1, write):
    result = run(
        write("p2.csv", "date,amount,customer,reference,method\n2026-02-01,100,C1,VIR1,virement\n"),
        "payments",
        creditor,
    )
    assert (result.created, result.unchanged) == (0, 1)
    assert Payment.objects.count() == 1


def test_a_payment_reimported_for_another_customer_is_rejected(creditor, paid_f1, write):
    run(write("c.csv", "customer,name\nC2,Beta\n"), "customers", creditor)
    result = run(
        write("p2.csv", "date,amount,customer,reference\n2026-02-01,100,C2,VIR1\n"),
        "payments",
        creditor,
    )
    assert result.rejected == 1
    assert "already imported for C1" in result.errors[0].reason
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1e30", "out of range"),
        ("99999999999999999999", "out of range"),
        ("(-5)", "not an amount"),
        ("12.50", "--decimal-comma"),
    ],
)
def test_impossible_amounts_are_rejected_cleanly(creditor, customer, write, amount, words):
    text = f'number;customer;issue_date;amount\nF1;C1;2026-01-05;"{amount}"\nF2;C1;2026-01-05;10\n'
    result = run(write("i.csv", text), "invoices", creditor, options=Options(decimal_comma=True))
    assert (result.created, result.rejected) == (1, 1)
    assert words in result.errors[0].reason


def test_a_field_past_the_csv_size_limit_rejects_its_row_only(creditor, customer, write):
    huge = "x" * 200_000
    text = f'number,customer,issue_date,amount,po_number\nF1,C1,2026-01-05,10,"{huge}"\nF2,C1,2026-01-05,10,\n'
    result = run(write("i.csv", text), "invoices", creditor)
    assert result.created == 1
    assert "unreadable CSV" in result.errors[0].reason


def test_a_header_naming_a_column_twice_is_refused(creditor, customer, write):
    result = run(
        write("i.csv", "number,customer,issue_date,amount,Amount\nF1,C1,2026-01-05,100,999\n"),
        "invoices",
        creditor,
    )
    assert "amount more than once" in result.errors[0].reason
    assert not Invoice.objects.exists()


def test_a_folder_is_not_a_file(creditor, tmp_path):
    result = run(tmp_path, "invoices", creditor)
    assert "not a file" in result.errors[0].reason


def test_bytes_that_are_neither_utf8_nor_cp1252_are_refused(creditor, write):
    result = run(write("i.csv", b"number,customer\n\x81\x8d\x8f,1\n"), "invoices", creditor)
    assert "neither UTF-8 nor Windows-1252" in result.errors[0].reason


def test_a_reject_file_that_cannot_be_written_still_reports_the_rejects(
    creditor, customer, write, tmp_path
):
    path = write("i.csv", "number,customer,issue_date,amount\nF1,C1,bad,10\n")
    (tmp_path / "i.rejected.csv").mkdir()  # in the way, as a read-only folder would be
    result = run(path, "invoices", creditor)
    assert result.reject_file is None
    assert result.rejected == 1
    assert "cannot write i.rejected.csv" in result.warnings[0]


def test_a_full_disk_under_the_reject_file_keeps_the_good_rows_and_reports_the_rejects(
    creditor, customer, write, tmp_path
):
    # /dev/full: every write fails with "No space left on device", as on a full disk.
    path = write("i.csv", "number,customer,issue_date,amount\nF1,C1,bad,10\nF2,C1,2026-01-05,10\n")
    (tmp_path / "i.rejected.csv").symlink_to("/dev/full")
    result = run(path, "invoices", creditor)
    assert (result.created, result.rejected, result.reject_file) == (1, 1, None)
    assert result.errors[0].line == 2
    assert "cannot write i.rejected.csv" in result.warnings[0]


def test_rows_repeated_across_chunks_are_still_caught(creditor, customer, write, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 2)
    text = (
        "number,customer,issue_date,amount,customer_name\n"
        "F1,C1,2026-01-05,10,\n"
        "F2,C9,2026-01-05,20,Newco\n"
        "F3,C9,2026-01-05,30,Newco\n"
        "F1,C1,2026-01-05,10,\n"
        "F1,C1,2026-01-05,11,\n"
        "F4,C8,2026-01-05,11,\n"
        "F4,C8,2026-01-05,11,\n"
    )
    result = run(write("i.csv", text), "invoices", creditor)
    assert (result.created, result.unchanged, result.rejected) == (3, 1, 3)
    assert [(e.line, e.column) for e in result.errors] == [
        (6, "number"),
        (7, "customer"),
        (8, "customer"),
    ]
    assert Customer.objects.filter(code="C9").count() == 1


def test_a_dry_run_rolls_back_customers_and_events_it_would_create(creditor, write):
    events = Event.objects.count()
    text = "number,customer,issue_date,amount,customer_name\nF1,C9,2026-01-05,10,Newco\n"
    result = run(write("i.csv", text), "invoices", creditor, dry_run=True)
    assert result.created == 1
    assert not Customer.objects.exists()
    assert Event.objects.count() == events


def test_spreadsheet_float_noise_and_booleans_are_read_as_typed(creditor, customer, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["number", "customer", "issue_date", "amount", "po_number"])
    sheet.append(["F1", "C1", "2026-01-05", 1.1 + 2.2, True])
    path = tmp_path / "i.xlsx"
    book.save(path)
    result = run(path, "invoices", creditor)
    assert result.created == 1, result.errors
    inv = Invoice.objects.get()
    assert (inv.amount, inv.po_number) == (330, "TRUE")


def test_a_file_with_only_a_header_says_so(creditor, write):
    result = run(write("i.csv", "number,customer,issue_date,amount\n"), "invoices", creditor)
    assert result.rows == 0
    assert result.warnings == ["the file has a header but no data rows"]


def test_a_contract_rate_column_is_read_as_a_percentage(creditor, customer, write):
    text = "number,customer,issue_date,amount,contract_rate\nF1,C1,2026-01-05,10,12.5\nF2,C1,2026-01-05,10,150\n"
    result = run(write("i.csv", text), "invoices", creditor)
    assert (result.created, result.errors[0].column) == (1, "contract_rate")
    assert str(Invoice.objects.get(number="F1").contract_rate) == "12.500"
    again = run(write("i.csv", text), "invoices", creditor)
    assert again.unchanged == 1
