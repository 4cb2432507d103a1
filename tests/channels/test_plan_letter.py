"""The payment plan agreement letter: a PDF in the debtor's language, queued through the
outbox and delivered once, by email with the PDF attached or as a letter to print."""

from __future__ import annotations

import json
from datetime import date
from io import BytesIO

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from relance.audit import Event
from relance.channels import outbox
from relance.channels.models import Message
from relance.cli import app
from relance.collection.models import Action, PaymentPlan
from relance.handoff.services import add_partner, hand_off
from relance.ledger.models import Customer

from .conftest import MONDAY, parts, plain

runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def pdf_text(data: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)
    return " ".join(plain(text).split())


def six_months(*extra: str) -> int:
    result = relance("plan", "create", "C001", "--invoices", "F1,F2", "--instalments", "6",
                     "--every", "month", "--first", "2026-04-10", "--on", "2026-03-09",
                     "--json", *extra)  # fmt: skip
    assert result.exit_code == 0, result.output
    return int(json.loads(result.stdout)["id"])


def test_a_six_month_plan_is_agreed_and_its_letter_sent_by_email_with_the_pdf(
    creditor, billed, smtp
):
    plan_id = six_months("--down-payment", "300")
    queued = relance("plan", "send", str(plan_id), "--on", "2026-03-09")
    assert queued.exit_code == 0, queued.output
    action = Action.objects.get(step="plan_agreement")
    assert (action.status, action.channel, action.run_id) == ("queued", "email", None)
    report = outbox.send(today=MONDAY)
    assert report.sent == 1
    assert outbox.send(today=MONDAY).sent == 0  # delivered once
    [received] = smtp.received
    assert received["To"] == "compta@martin.example"
    assert "votre échéancier de paiement" in received["Subject"]
    body = parts(received)
    assert "à titre exceptionnel" in body["text"]
    assert "10 avril 2026 · 200,00 €" in body["text"]
    [name] = [n for n in body["attachments"] if n.endswith(".pdf")]
    assert name == f"echeancier-C001-{plan_id}.pdf"
    text = pdf_text(body["attachments"][name])
    # The debt, the schedule, the total, how to pay, the default clause, the signature.
    for expected in (
        "Accord d'échéancier de paiement",
        "F1",
        "F2",
        "1 200,00 €",
        "300,00 €",
        "Échéancier de paiement",
        "acompte",
        "10 avril 2026",
        "10 septembre 2026",
        "1 500,00 €",
        "FR76 3000 6000 0112 3456 7890 189",
        "RF",
        "déchéance du terme",
        "la totalité du solde restant dû devient immédiatement exigible",
        "article 2240",
        "à titre exceptionnel",
        "Bon pour accord",
    ):
        assert expected.lower() in text.lower(), expected
    assert text.count("200,00 €") >= 6
    assert Action.objects.get(step="plan_agreement").status == "sent"
    assert Event.objects.filter(verb="plan.letter_queued", subject_id=plan_id).exists()
    assert Message.objects.get().document.name.endswith(".eml")


def test_a_customer_without_email_gets_the_agreement_as_a_letter_to_print(creditor, billed, smtp):
    Customer.objects.filter(pk=billed.pk).update(email="")
    plan_id = six_months()
    relance("plan", "send", str(plan_id), "--on", "2026-03-09")
    report = outbox.send(today=MONDAY)
    assert (report.letters, report.sent, smtp.received) == (1, 0, [])
    letter = Message.objects.get()
    assert (letter.channel, letter.status) == ("letter", "to_print")
    with letter.document.open("rb") as f:
        text = pdf_text(f.read())
    assert "Bon pour accord" in text
    assert "déchéance du terme" in text


def test_the_letter_states_the_penalties_on_their_own_line_in_english(creditor, billed, tmp_path):
    Customer.objects.filter(pk=billed.pk).update(language="en")
    plan_id = six_months("--penalties")
    plan = PaymentPlan.objects.get(pk=plan_id)
    assert plan.penalties > 8000  # two fixed indemnities and the interest
    out = tmp_path / "plan.pdf"
    result = relance("plan", "letter", str(plan_id), "--out", str(out), "--date", "2026-03-09")
    assert result.exit_code == 0, result.output
    text = pdf_text(out.read_bytes())
    for expected in (
        "Payment plan agreement",
        "Late-payment penalties and fixed indemnity",
        "Principal (open amount of the invoices above)",
        "Total under the payment plan",
        "the whole remaining balance becomes due at once",
        "art. 2240",
        "granted as an exception",
    ):
        assert expected.lower() in text.lower(), expected


def test_an_instalment_reminder_is_delivered_with_the_instalment_to_pay(creditor, billed, smtp):
    six_months()
    relance("run", "--date", "2026-04-06")  # Easter Monday: nothing goes out
    assert outbox.send(today=date(2026, 4, 6)).sent == 0
    relance("run", "--date", "2026-04-07")
    assert outbox.send(today=date(2026, 4, 7)).sent == 1
    [received] = smtp.received
    assert "échéance du 10 avril 2026" in received["Subject"]
    body = parts(received)
    assert "l'échéance n° 1 de votre échéancier, d'un montant de 250,00 €" in body["text"]


@pytest.mark.parametrize("end", ["cancel", "hand off"])
def test_a_queued_plan_letter_is_not_sent_once_the_plan_is_cancelled_or_handed_off(
    creditor, billed, smtp, end
):
    agency = add_partner(creditor, actor="test", name="Agence", kind="agency")
    plan_id = six_months()
    assert relance("plan", "send", str(plan_id), "--on", "2026-03-09").exit_code == 0
    if end == "cancel":
        assert relance("plan", "cancel", str(plan_id), "--on", "2026-03-10").exit_code == 0
    elif end == "hand off":
        case = hand_off(billed, agency, on=date(2026, 3, 10), actor="test")
        event = Event.objects.get(verb="plan.cancelled", subject_id=plan_id)
        assert (event.data["reason"], event.data["case"]) == ("handed off", case.pk)
    assert PaymentPlan.objects.get(pk=plan_id).status == "cancelled"
    report = outbox.send(today=date(2026, 3, 10))
    assert (report.sent, report.cancelled, smtp.received) == (0, 1, [])
    assert Action.objects.get(step="plan_agreement").status == "cancelled"
