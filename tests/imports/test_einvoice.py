"""E-invoices (Factur-X PDF, UBL, CII) imported from the real sample files."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from datetime import date
from decimal import Decimal
from pathlib import Path

import facturx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader
from tests.conftest import SHARED_DATA
from tests.members import member

from relance.audit import Event
from relance.core import einvoice
from relance.imports.services import import_file
from relance.ledger.models import Allocation, Customer, Evidence, Invoice

DATA = SHARED_DATA / "einvoice"
PDF = DATA / "akretion_invoice_EN16931.pdf"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def run(creditor, path: Path, **kw):  # type: ignore[no-untyped-def]
    return import_file(path, "invoices", creditor=creditor, actor="t", **kw)


# file: (format, number, kind, issue, due, currency, amount, excl. tax, open, payment
#        reference, customer code, customer name)
EXPECTED = {
    "akretion_invoice_EN16931.pdf": (
        "facturx", "F20260023", "invoice", date(2026, 1, 31), date(2026, 3, 2), "EUR",
        10490, 10000, 10490, "F20260023BUYER", "FR05987654321", "LE CLIENT",
    ),
    "akretion_factur-x-en16931.xml": (
        "cii", "F20260023", "invoice", date(2026, 1, 31), date(2026, 3, 2), "EUR",
        10490, 10000, 10490, "F20260023BUYER", "FR05987654321", "LE CLIENT",
    ),
    "akretion_ubl-21-extended-ctc-fr.xml": (
        "ubl", "F124212", "invoice", date(2026, 6, 17), date(2026, 7, 16), "EUR",
        30803, 27300, 20803, "2026-06-17 00:00:00", "FR19787878784", "Ma jolie boutique SARL",
    ),
    "CEN_ubl-tc434-example1.xml": (
        "ubl", "12115118", "invoice", date(2015, 1, 9), date(2015, 1, 9), "EUR",
        25033, 22960, 25033, "Deb. 10202 / Fact. 12115118", "10202", "ODIN 59",
    ),
    "CEN_ubl-tc434-example2.xml": (
        "ubl", "TOSL108", "invoice", date(2013, 6, 30), date(2013, 7, 20), "NOK",
        180178, 143650, 80178, "0003434323213231", "NO987654321MVA", "The Buyercompany",
    ),
    "CEN_ubl-tc434-creditnote1.xml": (
        "ubl", "018304 / 28865", "credit_note", date(2019, 9, 23), date(2019, 9, 23), "EUR",
        -10011, -10011, -10011, "010676609538", "BE0000000295", "My Customer Company",
    ),
    "OASIS_UBL-Invoice-2.1-Example.xml": (
        "ubl", "TOSL108", "invoice", date(2009, 12, 15), date(2009, 12, 31), "EUR",
        172900, 143650, 72900, "Payref1", "BE54321", "The buyercompany inc.",
    ),
    "PEPPOL_base-example.xml": (
        "ubl", "Snippet1", "invoice", date(2017, 11, 13), date(2017, 12, 1), "EUR",
        165625, 132500, 165625, "Snippet1", "SE4598375937", "Buyer Official Name",
    ),
    # No BT-9: due 30 days net, read from the terms text.
    "zugferd-corpus_EN16931_1_Teilrechnung.cii.xml": (
        "cii", "471102", "invoice", date(2018, 6, 5), date(2018, 7, 5), "EUR",
        19765, 17749, 14765, "", "GE2020211", "Kunden AG Mitte",
    ),
    # No BT-9 and no terms in days: the creditor's default terms (30 days).
    "zugferd-corpus_EN16931_SEPA_Prenotification.cii.xml": (
        "cii", "471102", "invoice", date(2018, 3, 5), date(2018, 4, 4), "EUR",
        52987, 47300, 52987, "", "GE2020211", "Kunden AG Mitte",
    ),
}  # fmt: skip


def test_every_sample_file_is_covered():
    files = {p.name for p in DATA.iterdir() if p.suffix in {".xml", ".pdf"}}
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_e_invoice_imports_with_its_terms(creditor, name):
    fmt, number, kind, issued, due, currency, amount, excl, open_, ref, code, buyer = EXPECTED[name]
    result = run(creditor, DATA / name)
    assert result.ok, result.errors
    assert (result.format, result.rows, result.created) == (fmt, 1, 1)
    inv = Invoice.objects.select_related("customer").get(creditor=creditor, number=number)
    assert (inv.kind, inv.issue_date, inv.due_date, inv.currency) == (kind, issued, due, currency)
    assert (inv.amount, inv.amount_excl_tax, inv.open_amount) == (amount, excl, open_)
    assert inv.payment_reference == ref
    assert (inv.customer.code, inv.customer.name) == (code, buyer)
    assert result.einvoice is not None
    assert (result.einvoice["number"], result.einvoice["customer"]) == (number, code)


def test_re_importing_an_e_invoice_changes_nothing(creditor):
    path = DATA / "akretion_ubl-21-extended-ctc-fr.xml"
    assert run(creditor, path).created == 1
    inv = Invoice.objects.get(number="F124212")
    events = Event.objects.count()
    again = run(creditor, path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 1, 0)
    assert again.einvoice is not None
    assert again.einvoice["customer_status"] == "unchanged"
    assert Event.objects.count() == events
    assert Invoice.objects.get(number="F124212").updated_at == inv.updated_at


def test_a_prepaid_part_is_settled_elsewhere_and_only_the_due_amount_is_open(creditor):
    run(creditor, DATA / "zugferd-corpus_EN16931_1_Teilrechnung.cii.xml")
    inv = Invoice.objects.get(number="471102")
    assert (inv.amount, inv.settled_elsewhere, inv.open_amount) == (19765, 5000, 14765)
    assert inv.status == "partially_paid"


def test_terms_text_and_early_payment_discount_are_kept(creditor):
    run(creditor, DATA / "zugferd-corpus_EN16931_1_Teilrechnung.cii.xml")
    inv = Invoice.objects.get(number="471102")
    assert inv.payment_terms_text.startswith("Zahlbar innerhalb 30 Tagen netto")
    assert (inv.early_discount_percent, inv.early_discount_days) == (Decimal("3"), 10)
    assert inv.payment_terms == "30"
    run(creditor, DATA / "PEPPOL_base-example.xml")
    peppol = Invoice.objects.get(number="Snippet1")
    assert (peppol.early_discount_percent, peppol.early_discount_days) == (Decimal("2"), 10)


def test_the_buyer_becomes_a_customer_with_its_address_and_email(creditor):
    run(creditor, DATA / "akretion_ubl-21-extended-ctc-fr.xml")
    c = Customer.objects.get(code="FR19787878784")
    assert (c.vat_number, c.registration_number) == ("FR19787878784", "787878784")
    assert (c.address, c.postal_code, c.city, c.country) == (
        "35 rue de la République, La presqu'île", "69001", "Lyon", "FR",
    )  # fmt: skip
    assert c.email == "laetita.durand@jolieboutique.com"


def test_an_invoice_joins_the_customer_already_filed_with_the_buyers_vat_number(creditor, write):
    import_file(
        write("c.csv", "customer,name,vat_number\n411JOLIE,Jolie boutique,FR19787878784\n"),
        "customers", creditor=creditor, actor="t",
    )  # fmt: skip
    result = run(creditor, DATA / "akretion_ubl-21-extended-ctc-fr.xml")
    assert result.einvoice is not None
    assert result.einvoice["customer"] == "411JOLIE"
    assert Invoice.objects.get(number="F124212").customer.code == "411JOLIE"
    assert Customer.objects.count() == 1


def test_an_invalid_buyer_vat_number_is_left_out_with_a_warning(creditor):
    result = run(creditor, DATA / "PEPPOL_base-example.xml")
    assert result.ok
    assert any("SE4598375937" in w and "left out" in w for w in result.warnings)
    assert Customer.objects.get(code="SE4598375937").vat_number == ""


def test_the_factur_x_pdf_is_kept_once_as_the_invoice_document(creditor, settings):
    run(creditor, PDF)
    run(creditor, PDF)
    [doc] = Evidence.objects.filter(invoice__number="F20260023")
    assert doc.kind == "invoice"
    assert doc.sha256 == hashlib.sha256(PDF.read_bytes()).hexdigest()
    kept = Path(settings.MEDIA_ROOT) / doc.file.name
    assert hashlib.sha256(kept.read_bytes()).hexdigest() == doc.sha256
    assert "factur-x.xml" in [a.name for a in PdfReader(kept).attachment_list]


def test_the_pdf_and_its_cii_file_give_the_same_invoice():
    from_pdf = einvoice.read(PDF.read_bytes())
    from_xml = einvoice.read((DATA / "akretion_factur-x-en16931.xml").read_bytes())
    assert from_pdf == from_xml


def test_the_pdf_and_the_xml_import_as_one_invoice(creditor):
    run(creditor, DATA / "akretion_factur-x-en16931.xml")
    result = run(creditor, PDF)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert Evidence.objects.filter(invoice__number="F20260023").count() == 1


@pytest.mark.parametrize(
    ("name", "to"),
    [
        ("akretion_factur-x-en16931.xml", "ubl"),
        ("zugferd-corpus_EN16931_1_Teilrechnung.cii.xml", "ubl"),
        ("zugferd-corpus_EN16931_SEPA_Prenotification.cii.xml", "ubl"),
        ("CEN_ubl-tc434-creditnote1.xml", "cii"),
        ("PEPPOL_base-example.xml", "cii"),
    ],
)
def test_the_ubl_and_cii_versions_of_one_invoice_give_the_same_invoice(name, to):
    """The other syntax is written by the factur-x library from its own reading of the
    sample (an independent implementation of the EN 16931 mapping)."""
    logging.getLogger("factur-x").setLevel(logging.ERROR)
    source = (DATA / name).read_bytes()
    terms = facturx.parse_ubl_cii_xml(source, check_xsd=False)
    make = facturx.generate_ubl_xml if to == "ubl" else facturx.generate_cii_xml
    other = make(terms, level="en16931", check_xsd=False, check_schematron=False)
    original, converted = einvoice.read(source), einvoice.read(other)
    assert (original.syntax, converted.syntax) == ("ubl" if to == "cii" else "cii", to)
    assert dataclasses.replace(converted, syntax=original.syntax) == original


def credit_note_for(write, number: str) -> Path:  # type: ignore[no-untyped-def]
    """The CEN credit note, correcting invoice `number` (BG-3, cac:BillingReference)."""
    text = (DATA / "CEN_ubl-tc434-creditnote1.xml").read_text(encoding="utf-8")
    reference = (
        "<cac:BillingReference><cac:InvoiceDocumentReference>"
        f"<cbc:ID>{number}</cbc:ID></cac:InvoiceDocumentReference></cac:BillingReference>"
    )
    text = text.replace(
        "\t<cac:AccountingSupplierParty>", reference + "<cac:AccountingSupplierParty>"
    )
    return write("credit-note.xml", text)


def test_a_credit_note_is_applied_to_the_invoice_it_corrects(creditor, write):
    import_file(
        write("i.csv", "number,customer,customer_name,issue_date,amount\n"
              "F-9,BE0000000295,My Customer Company,2019-09-01,300.00\n"),
        "invoices", creditor=creditor, actor="t",
    )  # fmt: skip
    path = credit_note_for(write, "F-9")
    result = run(creditor, path)
    assert result.ok
    assert result.einvoice is not None
    assert result.einvoice["credited"] == ["F-9"]
    invoice = Invoice.objects.get(number="F-9")
    note = Invoice.objects.get(number="018304 / 28865")
    assert (invoice.open_amount, note.open_amount) == (30000 - 10011, 0)
    [allocation] = Allocation.objects.all()
    assert (allocation.invoice, allocation.credit_note, allocation.amount) == (invoice, note, 10011)
    again = run(creditor, path)
    assert again.unchanged == 1
    assert again.einvoice["credited"] == []
    assert Allocation.objects.count() == 1


def test_a_credit_note_for_an_invoice_not_yet_in_the_ledger_stays_a_credit(creditor, write):
    result = run(creditor, credit_note_for(write, "F-404"))
    assert result.ok
    assert any("F-404" in w and "unapplied credit" in w for w in result.warnings)
    assert Invoice.objects.get(number="018304 / 28865").open_amount == -10011


def test_a_missing_total_is_an_error_naming_the_element_and_nothing_is_written(creditor, write):
    text = (DATA / "PEPPOL_base-example.xml").read_text(encoding="utf-8")
    broken = text.replace("<cbc:PayableAmount", "<cbc:Payable").replace(
        "</cbc:PayableAmount>", "</cbc:Payable>"
    )
    result = run(creditor, write("bad.xml", broken))
    [error] = result.errors
    assert error.column == "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount"
    assert "the amount due (BT-115) is missing" in error.reason
    assert error.line > 1
    assert not Invoice.objects.exists()
    assert not Customer.objects.exists()


def test_a_bad_amount_names_its_element_and_line(creditor, write):
    text = (DATA / "akretion_factur-x-en16931.xml").read_bytes()
    result = run(creditor, write("bad.xml", text.replace(b">104.90<", b">104,90<", 1)))
    [error] = result.errors
    assert error.column.endswith(
        "ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount"
    )
    assert error.reason == "'104,90' is not an amount"
    assert not Invoice.objects.exists()


def test_an_xml_file_with_a_doctype_is_refused(creditor, write):
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><Invoice>&e;</Invoice>'
    result = run(creditor, write("evil.xml", evil))
    assert not result.ok
    assert "DOCTYPE" in result.errors[0].reason


def test_a_format_that_does_not_match_the_file_is_an_error(creditor):
    result = run(creditor, DATA / "PEPPOL_base-example.xml", fmt="cii")
    assert result.errors[0].reason == "the file is UBL, not CII"
    assert not Invoice.objects.exists()


def test_a_pdf_without_an_embedded_invoice_is_an_error(creditor, write, tmp_path):
    from pypdf import PdfWriter

    plain = PdfWriter()
    plain.add_blank_page(width=200, height=200)
    path = tmp_path / "plain.pdf"
    with path.open("wb") as fh:
        plain.write(fh)
    result = run(creditor, path)
    assert result.format == "facturx"
    [error] = result.errors
    assert error.column is None
    assert "the PDF has no embedded e-invoice" in error.reason


def test_a_dry_run_saves_nothing(creditor):
    result = run(creditor, PDF, dry_run=True)
    assert result.ok
    assert result.created == 1
    assert not Invoice.objects.exists()
    assert not Evidence.objects.exists()


def test_the_json_report_follows_the_import_contract(creditor):
    data = run(creditor, DATA / "CEN_ubl-tc434-example1.xml").as_json()
    for key in ("file", "rows", "created", "updated", "unchanged", "rejected", "reject_file"):
        assert key in data
    assert data["errors"] == []
    assert data["format"] == "ubl"
    assert data["einvoice"]["customer"] == "10202"


def test_an_e_invoice_is_imported_from_the_browser(client, creditor):
    client.force_login(member("alice", password="x" * 12))
    upload = SimpleUploadedFile("invoice.pdf", PDF.read_bytes(), content_type="application/pdf")
    response = client.post(reverse("imports"), {"kind": "invoices", "file": upload})
    assert response.status_code == 200
    inv = Invoice.objects.get(number="F20260023")
    assert inv.evidence.get().uploaded_by is None
    assert Event.objects.filter(verb="evidence.added", actor="alice").exists()


def test_the_invoice_page_shows_the_terms_and_the_discount_in_french(client, creditor):
    client.force_login(member("alice", password="x" * 12))
    run(creditor, DATA / "zugferd-corpus_EN16931_1_Teilrechnung.cii.xml")
    page = client.get(
        reverse("invoice", args=["471102"]), headers={"accept-language": "fr"}
    ).content.decode()
    assert "Conditions de paiement" in page
    assert "Zahlbar innerhalb 30 Tagen netto" in page
    assert "3 % si payé sous 10 jours" in page


def test_an_invoice_refused_by_the_importer_leaves_no_customer_behind(creditor, write):
    text = (DATA / "akretion_ubl-21-extended-ctc-fr.xml").read_text(encoding="utf-8")
    early = text.replace(
        "<cbc:DueDate>2026-07-16</cbc:DueDate>", "<cbc:DueDate>2026-01-01</cbc:DueDate>"
    )
    result = run(creditor, write("early.xml", early))
    [error] = result.errors
    assert (error.column, error.reason) == (
        "due_date",
        "2026-01-01 is before the issue date 2026-06-17",
    )
    assert result.einvoice is not None
    assert result.einvoice["customer_status"] == "not saved"
    assert not Customer.objects.exists()
    assert not Invoice.objects.exists()


def test_the_command_imports_an_e_invoice_and_prints_the_json_report(creditor):
    from typer.testing import CliRunner

    from relance.cli import app

    invoke = CliRunner().invoke
    path = str(DATA / "zugferd-corpus_EN16931_1_Teilrechnung.cii.xml")
    done = invoke(app, ["import", "invoices", path, "--format", "cii", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["format"], report["created"], report["rejected"]) == ("cii", 1, 0)
    assert report["einvoice"]["number"] == "471102"
    wrong = invoke(app, ["import", "invoices", path, "--format", "ubl"])
    assert wrong.exit_code == 1
    assert "the file is CII, not UBL" in wrong.output
    text = invoke(app, ["import", "invoices", path])
    assert "cii: invoice 471102 for customer GE2020211 (unchanged)" in text.output


def test_a_second_document_with_the_same_number_replaces_the_first_with_a_warning(creditor):
    run(creditor, DATA / "zugferd-corpus_EN16931_SEPA_Prenotification.cii.xml")
    result = run(creditor, DATA / "zugferd-corpus_EN16931_1_Teilrechnung.cii.xml")
    assert result.updated == 1
    assert any("471102 was already imported issued 2018-03-05" in w for w in result.warnings)
    assert Invoice.objects.get(number="471102").amount == 19765


def test_an_e_invoice_given_as_customers_is_refused(creditor):
    result = import_file(PDF, "customers", creditor=creditor, actor="t")
    assert result.errors[0].reason == "an e-invoice is imported with `import invoices`"
    assert not Customer.objects.exists()
