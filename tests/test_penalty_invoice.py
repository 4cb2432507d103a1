"""Penalty invoices rendered to PDF for real and read back: every mention a French
penalty invoice carries, every figure equal to `relance interest --json`, numbering,
evidence-keeping, the command line and the pages."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader
from tests.members import member
from typer.testing import CliRunner

from relance.audit import Event
from relance.channels.documents import payment_reference
from relance.cli import app
from relance.core.errors import DomainError
from relance.law import penalty_invoices
from relance.ledger.models import Customer, Invoice, PenaltyInvoice

runner = CliRunner()
AS_OF = date(2025, 8, 15)


def text_of(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())


def french(amount: str) -> str:
    """`relance interest --json`'s "10000.00" as the French document writes it."""
    units, cents = amount.split(".")
    return f"{int(units):,}".replace(",", " ") + "," + cents


@pytest.fixture
def ledger(creditor, load, settings, tmp_path):  # type: ignore[no-untyped-def]
    """F1 (10,000 EUR, due 1 Dec 2024) partly paid on 1 Feb 2025: its penalties span
    three semesters and two bases; F2 is late too; F3 is not due yet."""
    settings.MEDIA_ROOT = tmp_path
    creditor.address, creditor.postal_code, creditor.city = "2 rue des Arts", "75011", "Paris"
    creditor.bic = "BNPAFRPP"
    creditor.save()
    load(
        "customers",
        "customer,name,address,postal_code,city,registration_number\n"
        "C1,Alpha SARL,1 rue Haute,69001,Lyon,552100554\n",
    )
    load(
        "invoices",
        "number,customer,issue_date,due_date,amount\n"
        "F1,C1,2024-11-01,2024-12-01,10000\n"
        "F2,C1,2025-05-01,2025-05-31,1200\n"
        "F3,C1,2025-08-01,2025-09-30,500\n",
    )
    load("payments", "date,amount,customer,invoices\n2025-02-01,4000,C1,F1\n")
    return Customer.objects.get(code="C1")


def interest_json(number: str, day: date = AS_OF) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["interest", number, "--date", day.isoformat(), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_penalty_invoice_carries_every_mention_and_the_figures_of_relance_interest(
    ledger,
):  # type: ignore[no-untyped-def]
    issued = penalty_invoices.issue(
        ledger, [Invoice.objects.get(number="F1")], today=AS_OF, actor="t"
    )
    text = text_of(penalty_invoices.read(issued))
    expected = [
        "FACTURE DE PÉNALITÉS DE RETARD ET D'INDEMNITÉ FORFAITAIRE POUR FRAIS DE RECOUVREMENT",
        # creditor: name, SIREN, address, IBAN, BIC, RF reference
        "Atelier Test SAS", "SIREN/SIRET 732829320", "2 rue des Arts", "75011 Paris",
        "FR76 3000 6000 0112 3456 7890 189", "BNPAFRPP", payment_reference(ledger),
        # debtor, with its SIREN
        "Alpha SARL", "1 rue Haute", "69001 Lyon", "552100554",
        # number, date, deadline
        "PEN-2025-0001", "15 août 2025", "23 août 2025",
        # the late invoice: number, issue date, due date, amount, payments, days late
        "Facture F1 du 1 novembre 2024, échéance 1 décembre 2024",
        "10 000,00 €", "Réglé 4 000,00 € (4 000,00 € le 1 février 2025)", "Jours de retard 257",
        # legal basis, the VAT mention LAW.md supports (the indemnity only)
        "L441-10", "D441-5", "L'indemnité forfaitaire pour frais de recouvrement n'est pas soumise à la TVA",
        "Pénalités de retard calculées jusqu'au 15 août 2025",
    ]  # fmt: skip
    for mention in expected:
        assert mention in text, mention
    figures = interest_json("F1")
    for period in figures["periods"]:
        row = " ".join(
            [str(period["days"]), french(period["base"]) + " €",
             period["rate"].replace(".", ","), french(period["amount"]) + " €"]
        )  # fmt: skip
        assert row in text, row
    assert len(figures["periods"]) == 4
    assert figures["periods"][2]["base"] == "6000.00"
    assert f"Pénalités de retard {french(figures['penalties'])} €" in text
    assert f"Total à payer {french(figures['total'])} €" in text
    assert (issued.penalties, issued.indemnity, issued.total) == (64636, 4000, 68636)


def test_a_customer_gets_one_document_with_a_section_per_late_invoice(ledger):  # type: ignore[no-untyped-def]
    issued = penalty_invoices.issue(ledger, None, today=AS_OF, actor="t")
    text = text_of(penalty_invoices.read(issued))
    assert "Facture F1 du" in text
    assert "Facture F2 du" in text
    assert "Facture F3" not in text
    one, two = interest_json("F1"), interest_json("F2")
    total = sum(int(d["total"].replace(".", "")) for d in (one, two))
    assert issued.total == total
    assert f"Total à payer {french(f'{total // 100}.{total % 100:02d}')} €" in text
    assert sorted(issued.invoices.values_list("number", flat=True)) == ["F1", "F2"]
    assert Event.objects.filter(verb="penalty_invoice.issued", subject_id=ledger.pk).count() == 1


def test_numbers_are_sequential_unique_and_a_second_document_claims_only_what_is_new(ledger):  # type: ignore[no-untyped-def]
    f1, f2 = Invoice.objects.get(number="F1"), Invoice.objects.get(number="F2")
    first = penalty_invoices.issue(ledger, [f1], today=date(2025, 6, 30), actor="t")
    second = penalty_invoices.issue(ledger, [f2], today=AS_OF, actor="t")
    third = penalty_invoices.issue(ledger, [f1], today=AS_OF, actor="t")
    assert [p.number for p in (first, second, third)] == [
        "PEN-2025-0001", "PEN-2025-0002", "PEN-2025-0003",
    ]  # fmt: skip
    # The indemnity is owed once; the penalties run on: the third claims the difference.
    full = int(interest_json("F1")["penalties"].replace(".", ""))
    assert (third.penalties, third.indemnity) == (full - first.penalties, 0)
    assert "Déjà facturé (PEN-2025-0001)" in text_of(penalty_invoices.read(third))
    next_year = penalty_invoices.issue(ledger, [f2], today=date(2026, 1, 5), actor="t")
    assert next_year.number == "PEN-2026-0001"


def test_nothing_new_to_claim_is_refused(ledger):  # type: ignore[no-untyped-def]
    f2 = Invoice.objects.get(number="F2")
    penalty_invoices.issue(ledger, [f2], today=AS_OF, actor="t")
    with pytest.raises(DomainError, match=r"invoiced already \(PEN-2025-0001\)"):
        penalty_invoices.issue(ledger, [f2], today=AS_OF, actor="t")
    assert PenaltyInvoice.objects.count() == 1


def test_a_consumer_is_refused_with_the_reason(ledger):  # type: ignore[no-untyped-def]
    Customer.objects.filter(pk=ledger.pk).update(kind="b2c")
    ledger.refresh_from_db()
    with pytest.raises(DomainError, match="C1 is a consumer"):
        penalty_invoices.issue(ledger, None, today=AS_OF, actor="t")
    assert not PenaltyInvoice.objects.exists()


def test_the_stored_document_is_re_downloaded_byte_for_byte(ledger, client, tmp_path):  # type: ignore[no-untyped-def]

    issued = penalty_invoices.issue(ledger, None, today=AS_OF, actor="t")
    stored = penalty_invoices.read(issued)
    assert hashlib.sha256(stored).hexdigest() == issued.sha256
    client.force_login(member("alice", password="x" * 12))
    assert client.get(f"/penalty-invoices/{issued.pk}/").content == stored
    again = tmp_path / "again.pdf"
    result = runner.invoke(app, ["penalty-invoice", "get", issued.number, "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == stored
    assert runner.invoke(app, ["penalty-invoice", "get", "PEN-1999-0001"]).exit_code == 1


def test_the_rate_tables_stopping_early_state_the_penalties_up_to_their_last_day(ledger, load):  # type: ignore[no-untyped-def]
    from relance.law.interest import covered

    later = date(2099, 1, 1)
    last = covered(later)
    # F4 falls due on the last day the tables cover: late since, it owes the indemnity.
    load("invoices", f"number,customer,issue_date,due_date,amount\nF4,C1,{last},{last},300\n")
    issued = penalty_invoices.issue(ledger, None, today=later, actor="t")
    assert issued.as_of == last < later
    assert "(à parfaire)" in text_of(penalty_invoices.read(issued))
    assert issued.figures[0]["periods"][-1]["to"] == last.isoformat()
    f4 = next(f for f in issued.figures if f["invoice"] == "F4")
    assert (f4["penalties"], f4["indemnity"]) == ("0.00", "40.00")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["F1", "--date", "2025-08-15", "--json"], 0),
        (["--customer", "C1", "--date", "2025-08-15"], 0),
        (["F3", "--date", "2025-08-15"], 1),  # not past due
        (["NOPE", "--date", "2025-08-15"], 1),
        ([], 2),
        (["F1", "--customer", "C1"], 2),
        (["F1", "--date", "15/08/2025"], 2),
    ],
)
def test_the_command_exit_codes(ledger, args, code, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["penalty-invoice", "issue", *args])
    assert result.exit_code == code, result.output
    if code == 0 and "--json" in args:
        data = json.loads(result.stdout)
        assert data["number"] == "PEN-2025-0001"
        assert data["invoices"][0]["periods"] == interest_json("F1")["periods"]
        assert (tmp_path / "PEN-2025-0001.pdf").read_bytes()[:5] == b"%PDF-"


def test_the_page_buttons_issue_and_download_and_the_customer_page_lists_them(ledger, client):  # type: ignore[no-untyped-def]
    from unittest import mock

    client.force_login(member("alice", password="x" * 12))
    with mock.patch("django.utils.timezone.localdate", return_value=AS_OF):
        page = client.get("/invoices/F1/").content.decode()
        assert "/invoices/F1/penalty-invoice/" in page
        response = client.post("/invoices/F1/penalty-invoice/")
        assert response["Content-Type"] == "application/pdf"
        assert 'filename="PEN-2025-0001.pdf"' in response["Content-Disposition"]
        assert "PEN-2025-0001" in text_of(response.content)
        response = client.post("/customers/C1/penalty-invoice/")
        assert 'filename="PEN-2025-0002.pdf"' in response["Content-Disposition"]
        customer_page = client.get("/customers/C1/").content.decode()
        assert "PEN-2025-0001" in customer_page
        assert "PEN-2025-0002" in customer_page
        refused = client.post("/invoices/F3/penalty-invoice/", follow=True)
        assert "F3: not an invoice past due on 2025-08-15" in refused.content.decode()
        assert refused.redirect_chain
    assert client.get("/invoices/F1/penalty-invoice/").status_code == 405


def test_an_english_speaking_debtor_gets_it_in_english(ledger):  # type: ignore[no-untyped-def]
    Customer.objects.filter(pk=ledger.pk).update(language="en")
    ledger.refresh_from_db()
    issued = penalty_invoices.issue(
        ledger, [Invoice.objects.get(number="F1")], today=AS_OF, actor="t"
    )
    text = text_of(penalty_invoices.read(issued))
    for mention in [
        "INVOICE FOR LATE-PAYMENT PENALTIES AND THE FIXED INDEMNITY FOR RECOVERY COSTS",
        "Invoice F1 of November 1, 2024, due December 1, 2024",
        "€4,000.00 on February 1, 2025",
        "French Commercial Code, art. L441-10 II",
        "Total to pay €686.36",
    ]:
        assert mention in text, mention


def test_an_invoice_paid_late_gets_one_but_a_customer_document_lists_open_ones_only(ledger, load):  # type: ignore[no-untyped-def]
    load("payments", "date,amount,customer,invoices\n2025-07-10,1200,C1,F2\n")
    f2 = Invoice.objects.get(number="F2")
    issued = penalty_invoices.issue(ledger, [f2], today=AS_OF, actor="t")
    figures = interest_json("F2")
    assert figures["days_late"] == 40  # 31 May to the payment on 10 July
    assert issued.total == int(figures["total"].replace(".", ""))
    everything = penalty_invoices.issue(ledger, None, today=AS_OF, actor="t")
    assert list(everything.invoices.values_list("number", flat=True)) == ["F1"]


def test_the_list_command_shows_what_was_issued(ledger, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    issued = runner.invoke(
        app, ["penalty-invoice", "issue", "--customer", "C1", "--date", "2025-08-15"]
    )
    assert "PEN-2025-0001: " in issued.stdout
    assert "written to PEN-2025-0001.pdf" in issued.stdout
    listed = json.loads(runner.invoke(app, ["penalty-invoice", "list", "C1", "--json"]).stdout)
    assert [(p["number"], [i["invoice"] for i in p["invoices"]]) for p in listed] == [
        ("PEN-2025-0001", ["F1", "F2"])
    ]
    assert runner.invoke(app, ["penalty-invoice", "list", "NOPE"]).exit_code == 1
