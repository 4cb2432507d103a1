"""The GDPR: a customer's or a person's data exported whole, erased when no claim needs
it (the invoices stay), kept as evidence while one does, and purged after the
retention."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from typer.testing import CliRunner

from relance import audit, privacy
from relance.audit import Event
from relance.bank.models import PayerName
from relance.channels.models import Message
from relance.cli import app
from relance.collection.models import Note
from relance.core.errors import DomainError
from relance.core.privacy import ERASED
from relance.ledger.models import Contact, Customer, Invoice

runner = CliRunner()


@pytest.fixture
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def people(creditor, load, media):  # type: ignore[no-untyped-def]
    """C2 (a consumer) paid everything; C3 still owes F3. Each has a contact, a note, a
    message with its document, and C2 a payer name learned from the bank."""
    load("customers", "customer,name,email,phone,kind\n"
                      "C2,Jeanne Dupré,jeanne@example.org,+33611223344,b2c\n"
                      "C3,Atelier Bleu,compta@bleu.example,,b2b\n")  # fmt: skip
    load("invoices", "number,customer,issue_date,due_date,currency,amount,open_amount\n"
                     "F2,C2,2020-01-10,2020-02-09,EUR,120.00,\n"
                     "F3,C3,2026-01-10,2026-02-09,EUR,300.00,\n")  # fmt: skip
    load("payments", "date,amount,currency,customer,reference,invoices\n"
                     "2020-02-01,120.00,EUR,C2,P2,F2\n")  # fmt: skip
    for code, person in (("C2", "jeanne@example.org"), ("C3", "paul@bleu.example")):
        customer = Customer.objects.get(code=code)
        Contact.objects.create(customer=customer, name=f"Contact of {code}", email=person)
        Note.objects.create(customer=customer, text=f"{person} says the cheque is in the post",
                            noted_on=date(2026, 1, 5), actor="t")  # fmt: skip
        message = Message(creditor=creditor, customer=customer, channel="email",
                          template="first_reminder", language="fr", status="sent",
                          recipient=person, subject="Facture", text=f"Bonjour {person}")  # fmt: skip
        message.document.save(f"{code}.eml", ContentFile(b"From: us\r\n\r\nBonjour"), save=True)
        audit.record("t", "message.sent", message, {"to": person}, creditor_id=creditor.pk)
    PayerName.objects.create(creditor=creditor, customer=Customer.objects.get(code="C2"),
                             name="MME JEANNE DUPRE")  # fmt: skip
    return creditor


def test_the_export_of_a_customer_holds_everything_about_it(people) -> None:  # type: ignore[no-untyped-def]
    document = privacy.export_customer(Customer.objects.get(code="C2"))
    assert document["customer"]["email"] == "jeanne@example.org"
    assert [i["number"] for i in document["invoices"]] == ["F2"]
    assert document["contacts"][0]["email"] == "jeanne@example.org"
    assert document["messages"][0]["text"] == "Bonjour jeanne@example.org"
    assert "cheque" in document["notes"][0]["text"]
    assert document["payer_names"][0]["name"] == "MME JEANNE DUPRE"
    assert "id" not in document["invoices"][0]
    json.dumps(document)  # JSON as it is


def test_a_customer_with_a_claim_alive_cannot_be_erased(people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError, match=r"C3 cannot be erased yet: 1 item still open"):
        privacy.erase_customer(Customer.objects.get(code="C3"), actor="t")
    assert Customer.objects.get(code="C3").name == "Atelier Bleu"


def test_erasing_a_settled_customer_keeps_its_invoices_and_nothing_personal(
    people, media, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    customer = Customer.objects.get(code="C2")
    document = Path(Message.objects.get(customer=customer).document.path)
    assert document.exists()

    with django_capture_on_commit_callbacks(execute=True):  # files go after the commit
        report = privacy.erase_customer(customer, actor="t")

    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.phone) == (ERASED, "", "")
    assert not Contact.objects.filter(customer=customer).exists()
    assert not PayerName.objects.filter(customer=customer).exists()
    assert Note.objects.get(customer=customer).text == ""
    message = Message.objects.get(customer=customer)
    assert (message.recipient, message.text, message.document.name) == (ERASED, "", "")
    assert not document.exists()
    assert Invoice.objects.get(number="F2").amount == 12000  # accounting records stay
    trail = json.dumps(list(Event.objects.values_list("data", flat=True)), ensure_ascii=False)
    assert "jeanne@example.org" not in trail
    assert "Jeanne Dupré" not in trail
    assert "paul@bleu.example" in trail  # another customer's
    assert (report.contacts, report.messages, report.documents) == (1, 1, 1)
    assert Event.objects.filter(verb="privacy.erased", subject_id=customer.pk).exists()


def test_erasing_a_person_keeps_their_messages_as_evidence_while_a_claim_is_alive(people) -> None:  # type: ignore[no-untyped-def]
    report = privacy.erase_person(people, "paul@bleu.example", actor="t")

    assert not Contact.objects.filter(email="paul@bleu.example").exists()
    message = Message.objects.get(customer__code="C3")
    assert message.recipient == ERASED
    assert message.text == "Bonjour paul@bleu.example"  # evidence of the reminder
    assert Path(message.document.path).exists()
    assert "evidence" in report.kept[0]
    assert Customer.objects.get(code="C3").email == "compta@bleu.example"  # not theirs


def test_an_unknown_person_is_a_clear_error(people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError, match=r"no contact, customer or message has 'x@y\.z'"):
        privacy.export_person(people, "x@y.z")


def test_the_purge_erases_the_customers_inactive_for_longer_than_the_retention(people) -> None:  # type: ignore[no-untyped-def]
    Message.objects.filter(customer__code="C2").update(
        created_at=datetime(2020, 1, 20, tzinfo=UTC)
    )  # its last reminder, before it paid in 2020
    erased = privacy.purge(people, actor="t", today=date(2026, 12, 2), years=5)
    assert [e.subject for e in erased] == ["C2"]  # C1 has no activity, C3 owes
    assert privacy.purge(people, actor="t", today=date(2026, 12, 2), years=5) == []


def test_the_commands_export_to_a_file_and_erase_only_when_told_yes(people, tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "c2.json"
    result = runner.invoke(app, ["privacy", "export", "--customer", "C2", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["customer"]["name"] == "Jeanne Dupré"

    result = runner.invoke(app, ["privacy", "erase", "--customer", "C2"])
    assert result.exit_code == 1
    assert Customer.objects.get(code="C2").name == "Jeanne Dupré"

    result = runner.invoke(app, ["privacy", "erase", "--customer", "C2", "--yes", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["subject"] == "C2"

    result = runner.invoke(app, ["privacy", "erase", "--person", "paul@bleu.example", "--yes"])
    assert result.exit_code == 0, result.output
    assert "kept:" in result.stdout


def test_the_commands_refuse_unclear_requests(people) -> None:  # type: ignore[no-untyped-def]
    for args, said in (
        (["privacy", "export"], "say whose data: --customer CODE or --person"),
        (["privacy", "export", "--customer", "C2", "--person", "x@y.z"], "say whose data"),
        (["privacy", "export", "--customer", "NOPE"], "no customer 'NOPE'"),
        (["privacy", "purge", "--years", "0"], "the retention is at least 1 year (not 0)"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, args
        assert said in result.output, result.output
    assert Customer.objects.get(code="C2").name == "Jeanne Dupré"  # nothing erased


def test_a_retention_of_zero_years_in_the_environment_is_a_configuration_error(tmp_path) -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "relance.cli", "privacy", "purge"],
        env={**os.environ, "RELANCE_RETENTION_YEARS": "0",
             "RELANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}"},
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 1
    said = " ".join(done.stderr.split())  # Rich folds long lines
    assert "RELANCE_RETENTION_YEARS: the retention is at least 1 year (not 0)" in said
