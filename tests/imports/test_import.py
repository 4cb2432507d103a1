"""Importing the canonical CSV and xlsx files: nothing good lost, nothing bad let in."""

from __future__ import annotations

import codecs
import csv
from pathlib import Path

import pytest
from openpyxl import Workbook

from relance.audit import Event
from relance.imports.fields import Options
from relance.imports.services import import_file
from relance.ledger.models import Allocation, Customer, Invoice, Payment

CUSTOMERS = """customer;name;email;country;registration_number;payment_terms;kind
C001;Boulangerie Martin;compta@martin.fr;FR;732829320;30;b2b
C002;Garage Dupont;;FR;;45EOM;b2b
"""


def run(path: Path, kind: str, creditor, **kwargs):  # type: ignore[no-untyped-def]
    return import_file(path, kind, creditor=creditor, actor="test", **kwargs)


@pytest.fixture
def customers(creditor, write):  # type: ignore[no-untyped-def]
    result = run(write("customers.csv", CUSTOMERS), "customers", creditor)
    assert (result.created, result.rejected) == (2, 0)
    return result


BAD_ROWS = [
    # (row, column, words of the reason)
    ("X1,C001,2026-13-45,100.00,EUR,", "issue_date", "not a date"),
    ("X2,C001,2026-01-10,12abc,EUR,", "amount", "not an amount"),
    ("X3,C001,2026-01-10,100.00,EURO,", "currency", "unknown currency"),
    ("X4,C404,2026-01-10,100.00,EUR,", "customer", "unknown customer"),
    (",C001,2026-01-10,100.00,EUR,", "number", "required"),
    ("X6,C001,,100.00,EUR,", "issue_date", "required"),
    ("X7,C001,2026-01-10,,EUR,", "amount", "required"),
    ("X8,C001,2026-01-10,100.001,EUR,", "amount", "more decimals"),
    ("X9,C001,2026-01-10,100.00,EUR,2026-01-01", "due_date", "before the issue date"),
    ("F0001,C002,2026-01-10,999.00,EUR,", "number", "already on line 2"),
]


def thousand_rows_with_ten_bad() -> str:
    lines = ["number,customer,issue_date,amount,currency,due_date"]
    for n in range(1, 991):
        lines.append(f"F{n:04d},C00{1 + n % 2},2026-01-{1 + n % 28:02d},{n}.{n % 100:02d},EUR,")
    for k, (row, _, _) in enumerate(BAD_ROWS):
        lines.insert(100 * (k + 1), row)
    return "\n".join(lines) + "\n"


def test_a_thousand_rows_with_ten_bad_keep_990_and_report_exactly_the_ten(
    creditor, customers, write
):
    path = write("invoices.csv", thousand_rows_with_ten_bad())
    result = run(path, "invoices", creditor)

    assert (result.rows, result.created, result.rejected) == (1000, 990, 10)
    assert Invoice.objects.count() == 990
    reported = {(e.column, e.line) for e in result.errors}
    assert len(reported) == 10
    for (row, column, words), error in zip(
        BAD_ROWS, sorted(result.errors, key=lambda e: e.line), strict=True
    ):
        assert error.column == column, row
        assert words in error.reason, (row, error.reason)

    with open(result.reject_file, encoding="utf-8") as fh:
        rejected = list(csv.DictReader(fh))
    assert [r["line"] for r in rejected] == [str(e.line) for e in result.errors]
    assert {r["number"] for r in rejected} >= {"X1", "X2", "X9", "F0001"}

    again = run(path, "invoices", creditor)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 990, 10)
    assert Invoice.objects.count() == 990


def test_reimporting_the_same_file_writes_nothing(creditor, customers, write):
    path = write("invoices.csv", "number,customer,issue_date,amount\nF1,C001,2026-01-05,100\n")
    run(path, "invoices", creditor)
    events = Event.objects.count()
    before = list(Invoice.objects.values())
    result = run(path, "invoices", creditor)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert list(Invoice.objects.values()) == before
    assert Event.objects.count() == events


def test_a_changed_row_updates_the_invoice_and_is_audited(creditor, customers, write):
    run(
        write("a.csv", "number,customer,issue_date,amount\nF1,C001,2026-01-05,100\n"),
        "invoices",
        creditor,
    )
    result = run(
        write("b.csv", "number,customer,issue_date,amount\nF1,C001,2026-01-05,120\n"),
        "invoices",
        creditor,
    )
    assert result.updated == 1
    inv = Invoice.objects.get(number="F1")
    assert (inv.amount, inv.open_amount) == (12000, 12000)
    event = Event.objects.get(verb="invoice.updated", subject_id=inv.pk)
    assert event.data["changes"]["amount"] == [10000, 12000]


def test_due_date_is_derived_from_the_customers_terms(creditor, customers, write):
    run(
        write(
            "i.csv",
            "number,customer,issue_date,amount,payment_terms\nF1,C002,2026-01-10,100,\nF2,C001,2026-01-10,100,60\n",
        ),
        "invoices",
        creditor,
    )
    assert str(Invoice.objects.get(number="F1").due_date) == "2026-02-28"  # 45EOM
    assert str(Invoice.objects.get(number="F2").due_date) == "2026-03-11"


def test_credit_notes_carry_negative_amounts(creditor, customers, write):
    run(
        write(
            "i.csv",
            "number,customer,issue_date,amount,kind\nA1,C001,2026-01-10,-50,\nA2,C001,2026-01-10,20,credit_note\n",
        ),
        "invoices",
        creditor,
    )
    assert dict(Invoice.objects.values_list("number", "amount")) == {"A1": -5000, "A2": -2000}
    assert set(Invoice.objects.values_list("kind", flat=True)) == {"credit_note"}


def test_open_amount_from_the_export_marks_the_rest_settled_elsewhere(creditor, customers, write):
    run(
        write(
            "i.csv", "number,customer,issue_date,amount,open_amount\nF1,C001,2026-01-10,300,100\n"
        ),
        "invoices",
        creditor,
    )
    inv = Invoice.objects.get(number="F1")
    assert (inv.open_amount, inv.settled_elsewhere, inv.status) == (10000, 20000, "partially_paid")


def test_an_invoice_for_a_new_customer_with_its_name_creates_the_customer(
    creditor, customers, write
):
    result = run(
        write(
            "i.csv",
            "number,customer,issue_date,amount,customer_name\nF1,C777,2026-01-10,300,Menuiserie Roy\n",
        ),
        "invoices",
        creditor,
    )
    assert result.created == 1
    assert Customer.objects.get(code="C777").name == "Menuiserie Roy"


def test_french_excel_export_semicolon_decimal_comma_cp1252(creditor, customers, write):
    text = "Numéro;customer;issue_date;amount;po_number;number\r\n;C001;15/01/2026;1 234,56;Bon n°12;F1\r\n"
    result = run(
        write("i.csv", text, encoding="cp1252"),
        "invoices",
        creditor,
        options=Options(decimal_comma=True),
    )
    assert result.created == 1, result.errors
    inv = Invoice.objects.get(number="F1")
    assert (inv.amount, inv.po_number, str(inv.issue_date)) == (123456, "Bon n°12", "2026-01-15")
    assert result.warnings == ["unknown columns ignored: Numéro"]


def test_utf8_with_bom_is_read(creditor, customers, write):
    data = codecs.BOM_UTF8 + b"number,customer,issue_date,amount\nF1,C001,2026-01-10,10\n"
    assert run(write("i.csv", data), "invoices", creditor).created == 1


def test_a_file_in_utf16_is_refused_with_a_clear_message(creditor, customers, write):
    data = "number,customer,issue_date,amount\nF1,C001,2026-01-10,10\n".encode("utf-16")
    result = run(write("i.csv", data), "invoices", creditor)
    assert result.created == 0
    assert "UTF-16" in result.errors[0].reason


@pytest.mark.parametrize("content", [b"", b"\n\n"])
def test_an_empty_file_is_an_error(creditor, write, content):
    result = run(write("i.csv", content), "invoices", creditor)
    assert not result.ok
    assert "empty" in result.errors[0].reason


def test_a_missing_required_column_rejects_every_row_into_the_reject_file(
    creditor, customers, write
):
    result = run(
        write("i.csv", "number,issue_date,amount\nF1,2026-01-10,10\nF2,2026-01-10,10\n"),
        "invoices",
        creditor,
    )
    assert (result.rows, result.rejected, result.created) == (2, 2, 0)
    assert result.errors[0].column == "customer"
    assert "required column missing" in result.errors[0].reason
    assert Path(result.reject_file).read_text().count("\n") == 3


def test_dry_run_counts_but_saves_nothing(creditor, customers, write):
    result = run(
        write("i.csv", "number,customer,issue_date,amount\nF1,C001,2026-01-10,10\n"),
        "invoices",
        creditor,
        dry_run=True,
    )
    assert result.created == 1
    assert not Invoice.objects.exists()


def test_customers_are_validated_and_upserted(creditor, write):
    text = (
        "customer,name,registration_number,vat_number,email,kind,country\n"
        "C1,Alpha,732829320,FR40303265045,a@alpha.fr,b2b,FR\n"
        "C2,Beta,732829321,,,,\n"
        "C3,Gamma,,FR00000000000,,,\n"
        "C4,Delta,,,not-an-email,,\n"
        "C5,Epsilon,,,,b2x,\n"
        "C6,Zeta,,,,,ZZ\n"
    )
    result = run(write("c.csv", text), "customers", creditor)
    assert result.created == 1
    assert [(e.line, e.column) for e in result.errors] == [
        (3, "registration_number"),
        (4, "vat_number"),
        (5, "email"),
        (6, "kind"),
        (7, "country"),
    ]
    changed = run(write("c2.csv", "customer,name\nC1,Alpha SAS\n"), "customers", creditor)
    assert changed.updated == 1
    assert Event.objects.filter(verb="customer.updated").count() == 1


def test_xlsx_invoices_import_with_real_dates_and_numbers(creditor, customers, tmp_path):
    from datetime import date

    book = Workbook()
    sheet = book.active
    sheet.append(["Number", "Customer", "Issue date", "Amount", "Currency"])
    sheet.append(["F1", "C001", date(2026, 1, 10), 1200.1, "EUR"])
    sheet.append(["F2", "C001", "10/01/2026", 99, "JPY"])
    sheet.append(["F3", "C001", "someday", 1, "EUR"])
    path = tmp_path / "invoices.xlsx"
    book.save(path)
    result = run(path, "invoices", creditor)
    assert (result.created, result.rejected) == (2, 1)
    assert result.errors[0].line == 4
    assert Invoice.objects.get(number="F1").amount == 120010
    assert Invoice.objects.get(number="F2").amount == 99


def test_payments_allocate_to_named_invoices_then_oldest_and_reimport_is_idempotent(
    creditor, customers, write
):
    run(
        write(
            "i.csv",
            "number,customer,issue_date,amount\nF1,C001,2026-01-01,100\nF2,C001,2026-02-01,100\nF3,C001,2026-03-01,100\n",
        ),
        "invoices",
        creditor,
    )
    path = write(
        "p.csv",
        "date,amount,customer,reference,invoices\n2026-03-10,100,C001,VIR A,F3\n2026-03-11,150,C001,VIR B,\n2026-03-11,150,C001,VIR B,\n",
    )
    result = run(path, "payments", creditor)
    assert result.created == 3, result.errors
    opens = dict(Invoice.objects.values_list("number", "open_amount"))
    assert opens == {"F1": 0, "F2": 0, "F3": 0}
    assert Payment.objects.get(reference="VIR A").unapplied == 0
    assert (
        sum(Payment.objects.filter(reference="VIR B").values_list("unapplied", flat=True)) == 10000
    )
    allocations = Allocation.objects.count()
    again = run(path, "payments", creditor)
    assert (again.created, again.unchanged) == (0, 3)
    assert Allocation.objects.count() == allocations


def test_a_payment_naming_an_unknown_invoice_is_rejected(creditor, customers, write):
    result = run(
        write("p.csv", "date,amount,customer,invoices\n2026-03-10,100,C001,F404\n"),
        "payments",
        creditor,
    )
    assert (result.rejected, result.errors[0].column) == (1, "invoices")
    assert not Payment.objects.exists()
