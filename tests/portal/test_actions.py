"""What a debtor does on the portal, as the engine, the timeline and the credit manager
then see it; and every attempt to reach another customer's items."""

from __future__ import annotations

import logging
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader
from tests.members import member
from tests.portal.conftest import business_day, pdf_file

from relance.audit import Event
from relance.collection.models import Dispute, PaymentPlan, Promise
from relance.collection.queries import customer_timeline
from relance.collection.services import run_collection
from relance.ledger.models import Evidence, Invoice
from relance.ledger.services import add_evidence


def pdf_text(data: bytes) -> str:
    return " ".join(p.extract_text() for p in PdfReader(BytesIO(data)).pages)


def inv(number: str) -> Invoice:
    return Invoice.objects.get(number=number)


def test_a_promise_holds_its_items_and_lands_on_the_timeline(alpha, portal, client):
    until = timezone.localdate() + timedelta(days=10)
    page = client.post(
        portal + "promise/",
        {"invoice": [inv("F1").pk], "until": until.isoformat(), "amount": "1 200,00", "lang": "fr"},
        follow=True,
    )
    assert "Merci : votre promesse est enregistrée." in page.content.decode()
    promise = Promise.objects.get()
    assert (promise.channel, promise.recorded_by, promise.amount) == ("portal", "portal", 120000)
    assert [i.number for i in promise.invoices.all()] == ["F1"]
    assert any(
        (e.actor, e.verb) == ("portal", "promise.recorded") for e in customer_timeline(alpha)
    )
    assert "paiement promis pour le" in page.content.decode()
    result = run_collection(alpha.creditor, business_day(), actor="t", dry_run=True)
    held = [s for s in result.skipped if s["customer"] == "C1" and s["reason"] == "promise"]
    assert held
    assert held[0]["invoices"] == ["F1"]


def test_a_dispute_with_its_attachment_blocks_the_item(alpha, portal, client):
    page = client.post(
        portal + "dispute/",
        {"invoice": inv("F2").pk, "reason": "not_delivered", "comment": "Colis jamais reçu",
         "attachment": pdf_file("bon.pdf"), "lang": "fr"},
        follow=True,
    )  # fmt: skip
    assert "Votre contestation est enregistrée" in page.content.decode()
    dispute = Dispute.objects.get()
    assert (dispute.invoice.number, dispute.reason, dispute.opened_by) == (
        "F2",
        "not_delivered",
        "portal",
    )
    assert dispute.description == "Colis jamais reçu"
    comment = dispute.comments.get()
    assert comment.filename == "bon.pdf"
    assert len(comment.sha256) == 64
    assert "Bon de livraison 4711" in pdf_text(comment.file.read())
    assert Event.objects.filter(actor="portal", verb="dispute.opened").exists()
    assert alpha.notes.get().source == "portal"
    result = run_collection(alpha.creditor, business_day(), actor="t", dry_run=True)
    assert any(s["reason"] == "dispute" and s["invoices"] == ["F2"] for s in result.skipped)


def test_an_attachment_that_is_not_a_pdf_or_an_image_is_refused(alpha, portal, client):
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 an executable", "application/pdf")
    page = client.post(
        portal + "dispute/",
        {"invoice": inv("F2").pk, "reason": "other", "attachment": fake, "lang": "en"},
        follow=True,
    )
    assert "The file is not a PDF, PNG or JPEG." in page.content.decode()
    assert not Dispute.objects.exists()


def test_an_attachment_too_large_is_refused(alpha, portal, client, settings):
    settings.PORTAL_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.7\n" + b"0" * (1024 * 1024), "application/pdf")
    page = client.post(
        portal + "dispute/",
        {"invoice": inv("F2").pk, "reason": "other", "attachment": big, "lang": "en"},
        follow=True,
    )
    assert "The file is larger than 1 MB." in page.content.decode()
    assert not Dispute.objects.exists()


def test_a_plan_request_is_proposed_and_the_credit_manager_refuses_it(alpha, portal, client):
    first = timezone.localdate() + timedelta(days=7)
    page = client.post(
        portal + "plan/",
        {"invoice": [inv("F1").pk, inv("F2").pk], "count": "3", "first": first.isoformat(),
         "lang": "en"},
        follow=True,
    )  # fmt: skip
    assert "Your request is recorded" in page.content.decode()
    plan = PaymentPlan.objects.get()
    assert plan.status == "proposed"
    assert plan.lines.count() == 3
    assert Event.objects.get(verb="plan.created").actor == "portal"
    manager = Client()
    manager.force_login(member("alice", password="x" * 12))
    assert manager.get(f"/plans/{plan.pk}/").status_code == 200
    manager.post(f"/plans/{plan.pk}/cancel/", {"on": timezone.localdate().isoformat()})
    plan.refresh_from_db()
    assert plan.status == "cancelled"


def test_a_plan_of_one_instalment_is_refused(alpha, portal, client):
    first = timezone.localdate() + timedelta(days=7)
    page = client.post(
        portal + "plan/",
        {"invoice": [inv("F1").pk], "count": "1", "first": first.isoformat(), "lang": "en"},
        follow=True,
    )
    assert "A payment plan has 2 to 12 instalments." in page.content.decode()
    assert not PaymentPlan.objects.exists()


def test_already_paid_keeps_the_proof_and_holds_reminders(alpha, portal, client):
    paid_on = timezone.localdate() - timedelta(days=2)
    page = client.post(
        portal + "paid/",
        {"invoice": [inv("F1").pk], "paid_on": paid_on.isoformat(), "amount": "1200",
         "proof": pdf_file("virement.pdf"), "lang": "en"},
        follow=True,
    )  # fmt: skip
    assert "we will check the payment" in page.content.decode()
    alpha.refresh_from_db()
    assert alpha.hold_until == timezone.localdate() + timedelta(days=7)
    evidence = Evidence.objects.get()
    assert (evidence.invoice.number, evidence.filename) == ("F1", "virement.pdf")
    event = Event.objects.get(verb="portal.already_paid")
    assert event.actor == "portal"
    assert event.data["amount"] == "1200.00"
    assert event in customer_timeline(alpha)
    result = run_collection(alpha.creditor, business_day(), actor="t", dry_run=True)
    assert any(s["customer"] == "C1" and s["reason"] == "on_hold" for s in result.skipped)


def test_another_customers_invoice_cannot_be_downloaded_promised_or_disputed(
    alpha, beta, portal, client
):
    theirs = inv("G1").pk
    assert client.get(f"{portal}invoices/{theirs}/").status_code == 404
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    client.post(portal + "promise/", {"invoice": [theirs], "until": until})
    client.post(portal + "promise/", {"invoice": [inv("F1").pk, theirs], "until": until})
    client.post(portal + "dispute/", {"invoice": theirs, "reason": "other"})
    client.post(portal + "plan/", {"invoice": [theirs], "count": "2", "first": until})
    client.post(portal + "paid/", {"invoice": [theirs], "paid_on": "2026-01-01", "amount": "1"})
    assert not Promise.objects.exists()
    assert not Dispute.objects.exists()
    assert not PaymentPlan.objects.exists()
    assert not Event.objects.filter(verb="portal.already_paid").exists()
    beta.refresh_from_db()
    assert beta.hold_until is None


def test_forms_need_their_csrf_token(alpha, portal):
    strict = Client(enforce_csrf_checks=True)
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = strict.post(portal + "promise/", {"invoice": [inv("F1").pk], "until": until})
    assert response.status_code == 403
    assert not Promise.objects.exists()


def test_the_invoice_copy_and_the_statement_are_real_pdfs(alpha, portal, client):
    copy = client.get(f"{portal}invoices/{inv('F2').pk}/?lang=fr")
    assert copy["Content-Type"] == "application/pdf"
    text = pdf_text(copy.content)
    assert "Copie de la facture F2" in text
    assert "450,50" in text
    statement = client.get(portal + "statement.pdf?lang=en")
    text = pdf_text(statement.content)
    assert "F1" in text
    assert "F2" in text
    assert "G1" not in text


def test_the_stored_invoice_document_is_the_one_downloaded(alpha, portal, client):
    original = pdf_file("F1-original.pdf")
    add_evidence(inv("F1"), original, kind="invoice", actor="t")
    response = client.get(f"{portal}invoices/{inv('F1').pk}/")
    data = b"".join(response.streaming_content)
    assert "Bon de livraison 4711" in pdf_text(data)
    assert "F1-original.pdf" in response["Content-Disposition"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_no_customer_name_or_email_reaches_the_logs(alpha, beta, portal, client, caplog, lang):
    caplog.set_level(logging.DEBUG)
    until = (timezone.localdate() + timedelta(days=5)).isoformat()
    client.get(portal + f"?lang={lang}")
    client.post(portal + "promise/", {"invoice": [inv("F1").pk], "until": until})
    client.post(portal + "dispute/", {"invoice": inv("G1").pk, "reason": "other"})
    client.get(f"{portal}invoices/{inv('G1').pk}/")
    client.get("/portal/forged-token/")
    logged = caplog.text
    assert caplog.records  # the 404s above are logged (path only)
    for secret in ("Boulangerie Alpha", "compta@alpha.example", "Garage Beta", "compta@beta"):
        assert secret not in logged
