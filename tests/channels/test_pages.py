"""The channels in the web app: letters to print and posted, messages that need a
person, the call page and its outcomes, the template editor and its sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.members import member

from relance.channels import outbox
from relance.channels.models import Call, Message, MessageTemplate
from relance.collection.models import Action, Promise

from .conftest import MONDAY, parts, queue

DAY = MONDAY + timedelta(days=45)


@pytest.fixture
def web(client, billed):  # type: ignore[no-untyped-def]
    client.force_login(member("alice", password="x" * 12))
    return client


def test_letters_are_printed_in_one_pdf_and_marked_posted_from_the_worklist(web, billed, smtp):
    queue(billed, "formal_notice", ["registered_letter"], DAY)
    outbox.send(today=DAY)
    letter = Message.objects.get()
    body = web.get(reverse("worklist")).content.decode()
    assert "Courriers à imprimer (1)" in body
    assert "LRAR" in body
    pdf = web.get(reverse("letters-pdf"))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    web.post(reverse("message-posted", args=[letter.pk]), {"tracking": "1A00112233445"})
    letter.refresh_from_db()
    assert (letter.status, letter.tracking_number) == ("posted", "1A00112233445")
    assert "Courriers à imprimer" not in web.get(reverse("worklist")).content.decode()
    # The customer's page lists it, and the letter as sent can be downloaded.
    assert "LRAR 1A00112233445" in web.get(reverse("customer", args=["C001"])).content.decode()
    assert web.get(reverse("message-document", args=[letter.pk])).status_code == 200


def test_a_refused_email_is_corrected_and_sent_again_from_the_worklist(web, billed, smtp):
    billed.email = "bounce@martin.example"
    billed.save()
    queue(billed, "first_reminder", ["email"])
    outbox.send(today=MONDAY)
    failed = Message.objects.get(channel="email")
    assert (
        "Messages qui demandent une intervention (1)"
        in web.get(reverse("worklist")).content.decode()
    )
    billed.email = "compta@martin.example"
    billed.save()
    web.post(reverse("message-resolve", args=[failed.pk]), {"decision": "resend"})
    outbox.send(today=MONDAY)
    failed.refresh_from_db()
    assert failed.status == "sent"
    assert failed.recipient == "compta@martin.example"
    assert [m["To"] for m in smtp.received] == ["compta@martin.example"]


def test_the_call_page_gives_a_script_and_its_outcome_feeds_the_engine(web, billed, creditor):
    call = queue(billed, "call", ["call"])
    Action.objects.filter(pk=call.pk).update(status="planned", mode="task")
    page = web.get(reverse("call", args=[call.pk])).content.decode()
    assert "Trame d'appel" in page
    assert "F1" in page
    assert "1 500,00" in page.replace("\u202f", " ")
    promised = (timezone.localdate() + timedelta(days=10)).isoformat()
    web.post(reverse("call", args=[call.pk]),
             {"outcome": "promise", "promise_date": promised, "amount": "1500", "note": "paie le 10",
              "nonpayment": "cash_flow"})  # fmt: skip
    promise = Promise.objects.get()
    assert (promise.promised_date.isoformat(), promise.amount) == (promised, 150000)
    assert (promise.channel, promise.recorded_by) == ("call", "alice")
    assert Call.objects.get().outcome == "promise"
    # The reason the debtor gave is noted, tied to the call.
    note = billed.notes.get()
    assert (note.reason, note.source, note.text, note.call) == (
        "cash_flow",
        "call",
        "paie le 10",
        Call.objects.get(),
    )
    assert Action.objects.get(pk=call.pk).status == "sent"  # the task is done


def test_a_call_without_answer_leaves_the_task_open(web, billed):
    call = queue(billed, "call", ["call"])
    Action.objects.filter(pk=call.pk).update(status="planned", mode="task")
    web.post(
        reverse("call", args=[call.pk]),
        {"outcome": "dispute", "invoice": "F1", "reason": "price", "note": "prix du devis"},
    )
    dispute = billed.invoices.get(number="F1").disputes.get()
    assert (dispute.reason, dispute.description) == ("price", "prix du devis")
    # The call noted the reason for non-payment: a dispute.
    assert list(billed.notes.values_list("reason", "source")) == [("dispute", "call")]
    other = queue(billed, "call", ["call"])
    Action.objects.filter(pk=other.pk).update(status="planned", mode="task")
    web.post(reverse("call", args=[other.pk]), {"outcome": "no_answer"})
    assert Action.objects.get(pk=other.pk).status == "planned"


def test_an_edited_template_is_previewed_saved_and_used(web, billed, smtp, creditor):
    url = reverse("template", args=["first_reminder", "fr"])
    assert "Sauf erreur ou omission" in web.get(url).content.decode()
    preview = web.post(reverse("template-preview", args=["first_reminder", "fr"]), {
        "customer": "C001", "subject": "Rappel {{ customer.name }}",
        "body": "Bonjour {{ customer.name }}, <b>total</b> {{ total }}", "closing": "Cordialement",
    }).content.decode()  # fmt: skip
    assert "Rappel Boulangerie Martin" in preview
    assert "&amp;lt;b&amp;gt;total" in preview  # escaped, then quoted into the iframe
    web.post(
        url,
        {"subject": "Rappel amical", "body": "Bonjour {{ customer.name }},", "closing": "Merci."},
    )
    assert MessageTemplate.objects.get().subject == "Rappel amical"
    queue(billed, "first_reminder", ["email"])
    outbox.send(today=MONDAY)
    received = smtp.received[0]
    assert received["Subject"].strip() == "Rappel amical"
    assert parts(received)["text"].startswith("Bonjour Boulangerie Martin,")


def test_a_template_cannot_reach_settings_files_or_python(web, billed, creditor):
    url = reverse("template", args=["first_reminder", "fr"])
    for body in ("{% load static %}x", "{% include '/etc/passwd' %}", "{% ssi '/etc/passwd' %}"):
        response = web.post(url, {"subject": "s", "body": body, "closing": ""})
        assert response.status_code == 200, body  # refused, shown again with the error
    assert not MessageTemplate.objects.exists()
    preview = web.post(reverse("template-preview", args=["first_reminder", "fr"]), {
        "customer": "C001", "subject": "s", "closing": "",
        "body": "[{{ settings.SECRET_KEY }}][{{ customer.save }}][{{ request }}][{% debug %}]",
    }).content.decode()  # fmt: skip
    assert "[][][][]" in preview
    dunder = web.post(reverse("template-preview", args=["first_reminder", "fr"]),
                      {"customer": "C001", "subject": "s", "body": "{{ customer.__class__ }}"})  # fmt: skip
    assert "may not begin with underscores" in dunder.content.decode()


def test_an_incomplete_call_outcome_is_refused_with_a_reason_and_records_nothing(web, billed):
    call = queue(billed, "call", ["call"])
    Action.objects.filter(pk=call.pk).update(status="planned", mode="task")
    response = web.post(reverse("call", args=[call.pk]), {"outcome": "promise"}, follow=True)
    assert "a promise needs a date" in response.content.decode()
    assert not Call.objects.exists()
    assert not Promise.objects.exists()
    assert Action.objects.get(pk=call.pk).status == "planned"


def test_a_form_never_sends_the_browser_to_another_site(web, billed, smtp):
    queue(billed, "formal_notice", ["letter"], DAY)
    outbox.send(today=DAY)
    letter = Message.objects.get()
    response = web.post(reverse("message-posted", args=[letter.pk]),
                        {"next": "https://evil.example/", "on": DAY.isoformat()})  # fmt: skip
    assert response["Location"] == reverse("worklist")
