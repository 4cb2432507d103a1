"""Reminders by email through a real SMTP server: exactly once, complete, in the
debtor's language."""

from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import zxingcpp
from django.utils import timezone
from PIL import Image
from typer.testing import CliRunner

from relance.audit import Event
from relance.channels import outbox
from relance.channels.models import Message
from relance.channels.outbox import BACKOFF_MINUTES
from relance.cli import app
from relance.collection.models import Action
from relance.collection.services import open_dispute, run_collection
from relance.core.identifiers import rf_reference

from .conftest import MONDAY, parts, plain, queue

runner = CliRunner()


def send(day=MONDAY):  # type: ignore[no-untyped-def]
    return outbox.send(today=day)


def test_run_then_send_delivers_the_first_reminder_once_and_a_second_send_nothing(
    creditor, billed, smtp
):
    run_collection(creditor, MONDAY + timedelta(days=3), actor="test")
    result = runner.invoke(app, ["send", "--json"], catch_exceptions=False)
    assert json.loads(result.stdout)["sent"] == 1
    again = runner.invoke(app, ["send", "--json"], catch_exceptions=False)
    assert json.loads(again.stdout)["sent"] == 0
    [received] = smtp.received
    assert received["To"] == "compta@martin.example"
    assert received["Reply-To"] == "compta@atelier.example"
    assert "Atelier Test SAS" in received["From"]
    assert (
        received["Subject"].strip() == "Atelier Test SAS : rappel de factures échues (compte C001)"
    )
    assert received["Message-ID"] == Message.objects.get().message_id
    body = parts(received)
    assert "Sauf erreur ou omission" in body["text"]
    for line in ("F1", "F2", "1 200,00 €", "300,00 €", "1 500,00 €", "RF"):
        assert line in body["text"]
    assert "<table" in body["html"]
    assert 'style="' in body["html"]
    assert Action.objects.get().status == "sent"
    assert Event.objects.filter(verb="message.sent").count() == 1


def test_the_payment_instructions_carry_the_rf_reference_and_a_readable_epc_qr_code(
    creditor, billed, smtp
):
    queue(billed, "first_reminder", ["email"])
    send()
    body = parts(smtp.received[0])
    reference = rf_reference("C001")
    assert reference in body["text"]
    assert reference in body["html"]
    assert "FR76 3000 6000 0112 3456 7890 189" in body["text"]
    [code] = zxingcpp.read_barcodes(Image.open(BytesIO(body["attachments"]["sepa-qr.png"])))
    # Line 3 names the character set segno chose (2: ISO 8859-1).
    assert code.text.splitlines() == [
        "BCD", "002", "2", "SCT", "AGRIFRPP", "Atelier Test SAS",
        "FR7630006000011234567890189", "EUR1500", "", reference,
    ]  # fmt: skip
    assert 'src="cid:qr"' in body["html"]


def test_an_english_speaking_customer_gets_english(creditor, billed, smtp):
    billed.language = "en"
    billed.save()
    queue(billed, "second_reminder", ["email"])
    send()
    received = smtp.received[0]
    assert received["Subject"].strip().startswith("Atelier Test SAS: second reminder")
    body = parts(received)
    assert "Despite our previous reminder" in body["text"]
    assert "€1,500.00" in body["text"]
    # From the second reminder on, the statement of account goes along.
    assert "statement-of-account-C001.pdf" in body["attachments"]


def test_an_item_paid_or_disputed_since_the_run_is_not_reminded(creditor, billed, smtp):
    action = queue(billed, "first_reminder", ["email"])
    open_dispute(billed.invoices.get(number="F1"), reason="price", on=MONDAY, actor="test")
    billed.invoices.filter(number="F2").update(open_amount=0, status="paid")
    report = send()
    assert report.cancelled == 1
    assert smtp.received == []
    action.refresh_from_db()
    assert action.status == "cancelled"


def test_a_refused_address_fails_for_good_and_a_letter_replaces_the_email(creditor, billed, smtp):
    billed.email = "bounce@martin.example"
    billed.save()
    queue(billed, "first_reminder", ["email"])
    report = send()
    assert (report.sent, report.failed, report.letters) == (0, 1, 1)
    email = Message.objects.get(channel="email")
    assert email.status == "failed"
    assert email.error.startswith("550")
    letter = Message.objects.get(channel="letter")
    assert letter.status == "to_print"
    assert letter.document.name.endswith(".pdf")


def test_a_busy_server_is_retried_with_backoff(creditor, billed, smtp):
    billed.email = "busy@martin.example"
    billed.save()
    queue(billed, "first_reminder", ["email"])
    report = send()
    assert report.retrying == 1
    assert report.next_attempt_at is not None
    message = Message.objects.get()
    assert (message.status, message.attempts) == ("retry", 1)
    assert send().retrying == 0  # not due yet: left alone
    # When the retry is due and the address accepted, it leaves once.
    Message.objects.update(next_attempt_at=message.next_attempt_at - timedelta(hours=1),
                           recipient="compta@martin.example")  # fmt: skip
    assert send().sent == 1
    assert len(smtp.received) == 1
    assert Message.objects.get().attempts == 2


def test_a_server_too_slow_before_the_message_is_retried_and_it_leaves_once(
    creditor, billed, smtp, settings
):
    settings.EMAIL_TIMEOUT = 1
    billed.email = "slow-rcpt@martin.example"
    billed.save()
    queue(billed, "first_reminder", ["email"])
    assert send().retrying == 1
    message = Message.objects.get()
    assert message.status == "retry"
    assert message.error.startswith("mail server unreachable")
    assert "timed out" in message.error
    Message.objects.update(next_attempt_at=message.next_attempt_at - timedelta(hours=1))
    settings.EMAIL_TIMEOUT = 10
    assert send().sent == 1
    assert len(smtp.received) == 1


def test_a_server_silent_after_receiving_the_message_leaves_it_to_a_person(
    creditor, billed, smtp, settings
):
    # The server has the message but keeps the client waiting past its timeout for the
    # answer: sending it again would deliver it twice.
    settings.EMAIL_TIMEOUT = 1
    billed.email = "slow-data@martin.example"
    billed.save()
    queue(billed, "first_reminder", ["email"])
    report = send()
    assert (report.sent, report.retrying, report.interrupted) == (0, 0, 1)
    message = Message.objects.get()
    assert message.status == "interrupted"
    assert "may have left" in message.error
    assert len(smtp.received) == 1  # the server has it
    send()
    assert len(smtp.received) == 1
    assert Message.objects.get().status == "interrupted"


def test_a_server_busy_every_time_fails_for_good_and_a_letter_replaces_the_email(
    creditor, billed, smtp
):
    billed.email = "busy@martin.example"
    billed.save()
    queue(billed, "first_reminder", ["email"])
    for _attempt in BACKOFF_MINUTES:
        assert send().retrying == 1
        Message.objects.filter(channel="email").update(next_attempt_at=timezone.now())
    report = send()
    assert (report.retrying, report.failed, report.letters) == (0, 1, 1)
    email = Message.objects.get(channel="email")
    assert (email.status, email.attempts) == ("failed", len(BACKOFF_MINUTES) + 1)
    assert Message.objects.get(channel="letter").status == "to_print"


def test_a_mail_server_that_is_down_leaves_the_emails_waiting(creditor, billed, settings, tmp_path):
    from .conftest import free_port

    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.MEDIA_ROOT = tmp_path
    queue(billed, "first_reminder", ["email"])
    report = send()
    assert report.retrying == 1
    assert report.sent == 0
    assert Message.objects.get().error.startswith("mail server unreachable")


def test_a_reminder_with_a_letter_renders_the_letter_to_print(creditor, billed, smtp):
    queue(billed, "second_reminder", ["email", "letter"])
    report = send()
    assert (report.sent, report.letters) == (1, 1)
    assert Message.objects.get(channel="letter").status == "to_print"


def test_the_sms_goes_through_the_configured_provider(creditor, billed, smtp, settings):
    queue(billed, "first_reminder", ["sms"])
    send()
    [line] = Path(settings.SMS_FILE).read_text(encoding="utf-8").splitlines()
    sms = json.loads(line)
    assert sms["to"] == "+33472000000"
    assert plain(sms["text"]).startswith("Atelier Test SAS : 2 facture(s) échue(s), 1 500,00 €")
    assert Message.objects.get().status == "sent"
