"""The dossier ZIP opened and read back: every file, the cover letter's amounts, the
evidence byte for byte, the manifest, the injunction form by customer kind."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile

import pytest
from pypdf import PdfReader

from relance.handoff import dossier
from relance.handoff.services import hand_off
from relance.law.interest import interest as compute_interest
from relance.ledger.models import Customer, Evidence, Invoice
from relance.ledger.templatetags.money import format_money

from .conftest import HANDOFF_DAY


def opened(case) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    return zipfile.ZipFile(io.BytesIO(dossier.build(case, HANDOFF_DAY)))


def pdf_text(data: bytes) -> str:
    """The PDF's text with every kind of space removed (French amounts group thousands
    with narrow no-break spaces)."""
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


@pytest.fixture
def case(debtor, agency):  # type: ignore[no-untyped-def]
    return hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")


def test_the_dossier_holds_every_expected_file(case):
    names = set(opened(case).namelist())
    expected = {
        "00-cover-letter.pdf", "01-statement-of-account-EUR.pdf",
        "02-injonction-de-payer.json", "02-injonction-de-payer.pdf",
        "03-claim-readiness.json", "03-claim-readiness.csv", "case.json",
        "penalties/F1.json", "penalties/F1.csv", "penalties/F2.json", "penalties/F2.csv",
        "invoices/F1/invoice-F1.pdf", "invoices/F1/purchase_order-order.xml",
        "history/contact-history.txt", "history/contact-history.json", "MANIFEST.sha256",
    }  # fmt: skip
    assert expected <= names
    sent = sorted(n.rsplit("-", 1)[1] for n in names if n.startswith("history/messages/"))
    assert sent == ["letter.pdf", "sms.txt"]


def test_the_cover_letter_states_principal_penalties_and_indemnity_as_relance_interest(case):
    text = pdf_text(opened(case).read("00-cover-letter.pdf"))
    penalties = indemnity = 0
    for number in ("F1", "F2"):
        computed = compute_interest(Invoice.objects.get(number=number), case.penalties_until)
        pen, ind = computed["penalties"], computed["indemnity"]
        penalties += int(pen.replace(".", ""))
        indemnity += int(ind.replace(".", ""))
        for value in (pen, ind):
            assert (
                re.sub(r"\s+", "", format_money(int(value.replace(".", "")), "EUR", "fr")) in text
            )
    for minor in (150000, penalties, indemnity, 150000 + penalties + indemnity):
        assert re.sub(r"\s+", "", format_money(minor, "EUR", "fr")) in text
    for fact in (
        "BoulangerieMartinSARL",
        "542107651",
        "PaulMartin",
        "RecouvrementRhône",
        "CT-2026-14",
    ):
        assert fact in text
    assert "MANIFEST.sha256" in text  # the list of documents enclosed


def test_the_evidence_is_enclosed_byte_for_byte(case):
    z = opened(case)
    for ev in Evidence.objects.all():
        name = next(n for n in z.namelist() if n.endswith(ev.filename) and ev.kind in n)
        data = z.read(name)
        assert hashlib.sha256(data).hexdigest() == ev.sha256
        with ev.file.open("rb") as f:
            assert data == f.read()


def test_the_manifest_hashes_every_other_file(case):
    z = opened(case)
    lines = z.read("MANIFEST.sha256").decode().splitlines()
    listed = {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
    assert set(listed) == set(z.namelist()) - {"MANIFEST.sha256"}
    for name, digest in listed.items():
        assert hashlib.sha256(z.read(name)).hexdigest() == digest


def test_the_penalty_computation_is_relance_interest_as_json_and_csv(case):
    z = opened(case)
    f1 = Invoice.objects.get(number="F1")
    assert json.loads(z.read("penalties/F1.json")) == compute_interest(f1, case.penalties_until)
    rows = z.read("penalties/F1.csv").decode().splitlines()
    assert rows[0] == "from,to,days,base,rate,amount,currency"
    assert len(rows) - 1 == len(compute_interest(f1, case.penalties_until)["periods"])


def test_the_readiness_checklist_names_what_each_invoice_lacks(case):
    checks = {
        c["invoice"]: c
        for c in json.loads(opened(case).read("03-claim-readiness.json"))["invoices"]
    }
    assert checks["F1"]["missing"] == ["no_delivery_proof"]
    assert checks["F2"]["missing"] == ["no_agreement_proof", "no_delivery_proof"]


def test_an_invoice_number_typed_as_a_formula_stays_text_in_the_csv(case):
    Invoice.objects.filter(number="F2").update(number='=HYPERLINK("http://x")')
    rows = opened(case).read("03-claim-readiness.csv").decode().splitlines()
    assert any(row.startswith("\"'=HYPERLINK(") for row in rows), rows


@pytest.mark.parametrize(("kind", "cerfa"), [("b2b", "12946"), ("b2c", "12948"), ("public", "")])
def test_the_injunction_data_takes_the_cerfa_of_the_customer_kind(debtor, agency, kind, cerfa):
    Customer.objects.filter(pk=debtor.pk).update(kind=kind)
    debtor.refresh_from_db()
    case = hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")
    z = opened(case)
    data = json.loads(z.read("02-injonction-de-payer.json"))
    assert data["form"]["cerfa"] == cerfa
    assert data["competent_court"]["debtor_postal_code"] == "69001"
    assert data["competent_court"]["debtor_city"] == "Lyon"
    assert data["debtor"]["registration_number"] == "542107651"
    assert [t["principal"] for t in data["amounts"]["totals"]] == ["1500.00"]
    assert {d["file"] for d in data["documents"]} == {
        "invoices/F1/invoice-F1.pdf", "invoices/F1/purchase_order-order.xml",
    }  # fmt: skip
    if cerfa:
        assert f"Cerfa{cerfa}" in pdf_text(z.read("02-injonction-de-payer.pdf"))


def test_the_contact_history_lists_messages_calls_and_events(case):
    text = opened(case).read("history/contact-history.txt").decode()
    assert "pays next week" in text
    assert "case.handed_off" in text
    assert "-letter.pdf" in text  # the letter as printed, named in the history
    assert "-sms.txt" in text


def test_the_contact_history_reads_as_a_person_writes_it(debtor, agency):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from relance.collection.services import open_dispute, record_note, record_promise

    earlier = HANDOFF_DAY - timedelta(days=20)
    record_promise(debtor, until=earlier + timedelta(days=5), on=earlier, actor="alice",
                   amount=50000)  # fmt: skip
    record_note(debtor, reason="cash_flow", text="waits for a customer's payment", on=earlier,
                actor="alice")  # fmt: skip
    disputed = debtor.invoices.order_by("number").first()
    open_dispute(disputed, reason="quantity", description="3 pallets, not 4", on=earlier,
                 actor="alice")  # fmt: skip
    case = hand_off(debtor, agency, on=HANDOFF_DAY, actor="alice", invoices=[disputed.number])
    text = opened(case).read("history/contact-history.txt").decode()
    assert "500.00 EUR" in text  # the promise, with its amount and status
    assert "waits for a customer's payment" in text  # the reason for non-payment heard
    assert "3 pallets, not 4" in text  # the dispute, in words
    assert "dispute.opened" in text  # and in the timeline
    assert "promise.recorded" in text
    assert "{'" not in text  # no event dumped as a Python dict
