import json
from datetime import date, timedelta

import pytest
from tests.members import member
from typer.testing import CliRunner

from relance.cli import app

runner = CliRunner()


def test_relance_interest_follows_the_contract_across_a_semester_and_a_partial_payment(load):
    load(
        "invoices",
        "number,customer,issue_date,due_date,amount\nF1,C1,2024-11-01,2024-12-01,10000\n",
    )
    load("payments", "date,amount,customer,invoices\n2025-02-01,4000,C1,F1\n")
    result = runner.invoke(app, ["interest", "F1", "--date", "2025-08-15", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["days_late"] == 257
    assert [p["rate"] for p in data["periods"]] == ["14.25", "13.15", "13.15", "12.15"]
    assert [p["base"] for p in data["periods"]] == ["10000.00", "10000.00", "6000.00", "6000.00"]
    assert (data["penalties"], data["indemnity"], data["total"]) == ("646.36", "40.00", "686.36")


def test_an_invoice_paid_on_time_owes_nothing(load):
    load(
        "invoices", "number,customer,issue_date,due_date,amount\nF1,C1,2025-01-01,2025-01-31,100\n"
    )
    load("payments", "date,amount,customer,invoices\n2025-01-30,100,C1,F1\n")
    data = json.loads(
        runner.invoke(app, ["interest", "F1", "--date", "2025-06-01", "--json"]).stdout
    )
    assert (data["days_late"], data["total"], data["periods"]) == (0, "0.00", [])


def test_a_date_beyond_the_rate_files_is_a_clear_error(load):
    load(
        "invoices", "number,customer,issue_date,due_date,amount\nF1,C1,2025-01-01,2025-01-31,100\n"
    )
    result = runner.invoke(app, ["interest", "F1", "--date", "2099-01-01"])
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "rate table stops at the semester of" in message
    assert "to the rate files" in message


def test_the_customer_page_shows_the_penalties_and_indemnity_due(load, client, settings):
    from datetime import date
    from unittest import mock

    load(
        "invoices",
        "number,customer,issue_date,due_date,amount\nF1,C1,2024-11-01,2024-12-01,10000\n",
    )
    client.force_login(member("alice", password="x" * 12))
    # The page computes as of today; pin it inside the rate tables.
    with mock.patch("django.utils.timezone.localdate", return_value=date(2025, 1, 31)):
        body = client.get("/customers/C1/").content.decode()
    assert (
        "268,80" in body
    )  # 117.12 (Dec., 14.25 %) + 111.68 (Jan., 13.15 %) + 40.00, French format


def test_past_the_rate_tables_the_customer_page_states_the_penalties_up_to_their_last_day(
    load, client
):
    from unittest import mock

    from relance.law import tables

    last = tables().covered_until()
    assert last is not None
    load(
        "invoices",
        "number,customer,issue_date,due_date,amount\nF1,C1,2024-11-01,2024-12-01,10000\n",
    )
    client.force_login(member("alice", password="x" * 12))
    with mock.patch("django.utils.timezone.localdate", return_value=last + timedelta(days=400)):
        body = client.get("/customers/C1/").content.decode()
    assert f"arrêtées au {last:%d/%m/%Y}" in body
    assert "rate table stops" not in body


def test_payment_terms_past_the_legal_limit_are_flagged_at_import_and_on_the_invoice(load, client):

    result = load(
        "invoices",
        "number,customer,issue_date,due_date,amount\nF1,C1,2026-01-10,2026-03-17,100\nF2,C1,2026-01-10,2026-04-30,100\n",
    )
    assert result.created == 2
    assert result.warnings == [
        "line 3: F2 is due 2026-04-30, 44 days past the legal limit 2026-03-17 (FR payment "
        "terms, general: 60 days from the invoice or 45 days end of month, C. com. L441-10 I)"
    ]
    client.force_login(member("alice", password="x" * 12))
    assert (
        "Au-delà des délais de paiement légaux de 44 jours (au plus tard le 17/03/2026"
        in client.get("/invoices/F2/").content.decode()
    )
    assert "délais de paiement légaux" not in client.get("/invoices/F1/").content.decode()


def test_the_sector_cap_counts_from_the_delivery_and_a_customer_can_override_it(
    load, client, creditor
):

    from relance.ledger.models import Customer
    from relance.ledger.services import update_creditor

    update_creditor(creditor, actor="t", sector="alcohol")
    load("customers", "customer,name,sector\nC2,Transports Roux,transport\n")
    assert Customer.objects.get(code="C2").sector == "transport"
    bad = load("customers", "customer,name,sector\nC3,Cave Durand,wine\n")
    assert bad.errors[0].reason.startswith("'wine' is not one of general, perishable_food")
    result = load(
        "invoices",
        "number,customer,issue_date,delivery_date,due_date,amount\n"
        "A1,C1,2026-03-02,2026-02-27,2026-03-30,100\n"  # 30 days after the end of February
        "A2,C1,2026-03-02,2026-02-27,2026-04-15,100\n"
        "T1,C2,2026-01-31,2026-01-15,2026-03-02,100\n"  # transport: 30 days from the invoice
        "T2,C2,2026-01-31,,2026-03-31,100\n",
    )
    assert [w.split(" (")[0] for w in result.warnings] == [
        "line 3: A2 is due 2026-04-15, 16 days past the legal limit 2026-03-30",
        "line 5: T2 is due 2026-03-31, 29 days past the legal limit 2026-03-02",
    ]
    assert (
        "alcohol: 30 days after the end of the delivery month, C. com. L441-11"
        in result.warnings[0]
    )
    client.force_login(member("alice", password="x" * 12))
    page = client.get("/invoices/A2/").content.decode()
    assert "de 16 jours (au plus tard le 30/03/2026 ; boissons alcooliques" in page
    assert "C. com. L441-11" in page
    assert 'id="term-limit"' not in client.get("/invoices/A1/").content.decode()


def test_an_unknown_sector_is_refused(creditor):
    from relance.core.errors import DomainError
    from relance.ledger.services import update_creditor

    with pytest.raises(DomainError, match="unknown sector 'bakery'"):
        update_creditor(creditor, actor="t", sector="bakery")


def test_the_invoice_page_says_whether_the_claim_is_ready(load, client, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from relance.law.readiness import of_invoice
    from relance.ledger.models import Invoice
    from relance.ledger.services import add_evidence

    settings.MEDIA_ROOT = tmp_path
    load(
        "invoices", "number,customer,issue_date,due_date,amount\nF1,C1,2025-01-01,2025-01-31,100\n"
    )
    invoice = Invoice.objects.get(number="F1")

    first = of_invoice(invoice, date(2025, 3, 1))
    assert (first.certain, first.liquid, first.due) == (False, True, True)
    for kind in ("purchase_order", "delivery_note"):
        add_evidence(invoice, SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4"), kind=kind)
    assert of_invoice(invoice, date(2025, 3, 1)).ready
    client.force_login(member("alice", password="x" * 12))
    assert 'id="readiness"' in client.get("/invoices/F1/").content.decode()


def test_a_contract_rate_replaces_the_default_but_never_below_three_times_the_legal_rate(load):
    from decimal import Decimal

    from relance.ledger.models import Customer, Invoice

    load(
        "invoices", "number,customer,issue_date,due_date,amount\nF1,C1,2025-01-01,2025-01-31,1000\n"
    )
    Customer.objects.filter(code="C1").update(contract_rate=Decimal("20"))
    data = json.loads(
        runner.invoke(app, ["interest", "F1", "--date", "2025-03-01", "--json"]).stdout
    )
    assert {p["rate"] for p in data["periods"]} == {"20.00"}
    Invoice.objects.filter(number="F1").update(contract_rate=Decimal("1"))
    data = json.loads(
        runner.invoke(app, ["interest", "F1", "--date", "2025-03-01", "--json"]).stdout
    )
    assert {p["rate"] for p in data["periods"]} == {"11.13"}  # 3 x 3.71, the 2025 S1 legal rate


def test_a_document_claims_the_indemnity_of_an_invoice_late_after_the_rate_tables_stop(load):
    from relance.law import tables
    from relance.law.interest import claimable
    from relance.ledger.models import Invoice

    last = tables().covered_until()
    assert last is not None
    issued = last - timedelta(days=30)
    load(  # due on the last day the tables cover: every day late is past them
        "invoices",
        f"number,customer,issue_date,due_date,amount\nF1,C1,{issued},{last},10000\n",
    )
    found = claimable(Invoice.objects.get(number="F1"), date(last.year + 1, 1, 15))
    assert (found.penalties, found.indemnity) == (0, 4000)
