"""Disputes through the services, the run, the CLI and the web pages."""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.members import member
from typer.testing import CliRunner

from relance.audit import Event
from relance.cli import app
from relance.collection.models import Action, Dispute
from relance.collection.services import open_dispute, run_collection
from relance.ledger import balances
from relance.ledger import queries as ledger
from relance.ledger.models import Allocation, Customer, Invoice

MONDAY = date(2026, 3, 2)
runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def steps(creditor, days):  # type: ignore[no-untyped-def]
    """(date, step, invoices) of each action the daily runs plan over `days` from Monday."""
    planned = []
    for n in days:
        day = MONDAY + timedelta(days=n)
        for a in run_collection(creditor, day, actor="test").actions:
            planned.append((n, a["step"], a["invoices"]))
    return planned


def test_a_dispute_on_one_item_leaves_the_other_items_progressing(creditor, debtor):
    assert (
        relance("dispute", "open", "F1", "--reason", "quantity", "--on", "2026-03-02").exit_code
        == 0
    )
    assert steps(creditor, range(15)) == [
        (3, "first_reminder", ["F2"]),
        (10, "call", ["F2"]),
    ]
    skipped = run_collection(creditor, MONDAY + timedelta(days=15), actor="test").skipped
    assert {"customer": "C001", "reason": "dispute", "invoices": ["F1"]} in skipped


def test_a_rejected_dispute_resumes_dunning_at_the_next_step(creditor, debtor):
    Invoice.objects.filter(number="F2").delete()
    assert steps(creditor, range(4)) == [(3, "first_reminder", ["F1"])]
    Action.objects.update(status="sent")  # the reminder went out
    relance("dispute", "open", "F1", "--reason", "price", "--on", "2026-03-05")
    assert steps(creditor, range(4, 20)) == []
    result = relance(
        "dispute",
        "resolve",
        "F1",
        "--rejected",
        "--on",
        "2026-03-22",
        "--comment",
        "prix du devis signé",
    )
    assert result.exit_code == 0, result.output
    # Resumes with the call, the step after the first reminder, not from the start.
    assert steps(creditor, range(20, 23)) == [(21, "call", ["F1"])]  # 22 March is a Sunday
    dispute = Dispute.objects.get()
    assert (dispute.status, dispute.closed_on) == ("rejected", date(2026, 3, 22))
    # A decided dispute cannot be decided again.
    again = relance("dispute", "resolve", "F1", "--write-off")
    assert again.exit_code == 1
    assert "no open dispute" in again.output


def test_a_credit_note_lowers_the_open_amount_and_the_aged_balance(creditor, debtor):
    today = MONDAY + timedelta(days=40)
    balances.refresh(creditor, today)
    assert Customer.objects.get(pk=debtor.pk).overdue_total == 240000
    dispute = open_dispute(Invoice.objects.get(number="F1"), reason="price", on=MONDAY, actor="t")
    result = relance("dispute", "resolve", "F1", "--credit-note", "300.00", "--on", "2026-03-10")
    assert result.exit_code == 0, result.output
    f1 = Invoice.objects.get(number="F1")
    assert (f1.open_amount, f1.status) == (90000, "partially_paid")
    note = Invoice.objects.get(number="AV-F1")
    assert (note.kind, note.amount, note.open_amount, note.customer_id) == (
        "credit_note",
        -30000,
        0,
        debtor.pk,
    )
    assert Allocation.objects.get(credit_note=note).amount == 30000
    dispute.refresh_from_db()
    assert (dispute.status, dispute.credit_note_id) == ("credited", note.pk)
    # The aged balance: the customer's stored totals and the per-currency balance.
    creditor.refresh_from_db()
    balances.ensure_current(creditor, today)
    assert Customer.objects.get(pk=debtor.pk).overdue_total == 210000
    assert ledger.balances(debtor, today)[0]["overdue"] == 210000
    bucket = ledger.invoices(creditor, ledger.InvoiceFilter(bucket="31-60"), today)
    assert sum(i.open_amount for i in bucket) == 210000
    verbs = set(Event.objects.values_list("verb", flat=True))
    assert {"dispute.resolved", "invoice.created", "invoice.allocated"} <= verbs


def test_a_full_credit_note_pays_the_invoice_and_its_action_is_cancelled(creditor, debtor):
    assert steps(creditor, range(4)) == [(3, "first_reminder", ["F1", "F2"])]
    Action.objects.update(status="sent")
    relance("dispute", "open", "F1", "--reason", "duplicate", "--on", "2026-03-05")
    relance("dispute", "resolve", "F1", "--credit-note", "--on", "2026-03-06")
    assert Invoice.objects.get(number="F1").open_amount == 0
    assert steps(creditor, range(10, 11)) == [(10, "call", ["F2"])]


def test_a_write_off_takes_the_rest_out_of_dunning_and_balances(creditor, debtor):
    relance("dispute", "open", "F1", "--reason", "quality", "--on", "2026-03-02")
    assert relance("dispute", "resolve", "F1", "--write-off", "--on", "2026-03-04").exit_code == 0
    f1 = Invoice.objects.get(number="F1")
    assert (f1.open_amount, f1.written_off, f1.written_off_on) == (0, 120000, date(2026, 3, 4))
    assert Event.objects.get(verb="invoice.written_off").data["amount"] == "1200.00"
    assert ledger.balances(debtor, MONDAY + timedelta(days=40))[0]["open"] == 120000
    assert steps(creditor, range(3, 4)) == [(3, "first_reminder", ["F2"])]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--reason", "late"), "dispute reason: one of"),
        (("--reason", "price", "--due", "2026-02-01", "--on", "2026-03-02"), "cannot be due"),
        (("--reason", "price", "--owner", "nobody"), "no user"),
    ],
)
def test_a_bad_dispute_is_refused_and_nothing_is_saved(creditor, debtor, args, message):
    result = relance("dispute", "open", "F1", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert not Dispute.objects.exists()


def test_the_dispute_cli_lists_comments_and_shows_as_json(creditor, debtor, tmp_path):
    member("alice")
    relance("dispute", "open", "F1", "--reason", "not_delivered", "--text", "colis perdu",
            "--owner", "alice", "--due", "2026-03-09", "--on", "2026-03-02")  # fmt: skip
    relance("dispute", "open", "F2", "--reason", "price", "--on", "2026-03-02")
    proof = tmp_path / "bon-de-livraison.pdf"
    proof.write_bytes(b"%PDF-1.4 signed delivery note")
    assert (
        relance(
            "dispute", "comment", "F1", "--text", "BL signé reçu", "--file", str(proof)
        ).exit_code
        == 0
    )
    listed = json.loads(relance("dispute", "list", "--json").stdout)
    assert [d["invoice"] for d in listed["disputes"]] == ["F1", "F2"]  # by due date
    first = listed["disputes"][0]
    assert (first["reason"], first["owner"], first["due_on"], first["status"]) == (
        "not_delivered",
        "alice",
        "2026-03-09",
        "open",
    )
    shown = json.loads(relance("dispute", "show", "F1", "--json").stdout)
    assert shown["comments"][0]["sha256"] == hashlib.sha256(proof.read_bytes()).hexdigest()
    assert [e["verb"] for e in shown["timeline"]] == ["dispute.opened", "dispute.commented"]


def test_only_disputes_past_their_due_date_are_overdue(creditor, debtor):
    from relance.collection import queries

    old = open_dispute(Invoice.objects.get(number="F1"), reason="price", on=MONDAY, actor="t",
                       due_on=MONDAY + timedelta(days=5))  # fmt: skip
    open_dispute(Invoice.objects.get(number="F2"), reason="price", on=MONDAY, actor="t")
    day = MONDAY + timedelta(days=6)
    assert list(queries.disputes(creditor, day, overdue=True)) == [old]
    result = relance("dispute", "list", "--overdue", "--json")  # today is far past both
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)["disputes"]) == 2


@pytest.fixture
def web(client):  # type: ignore[no-untyped-def]
    client.force_login(member("alice", password="x" * 12))
    return client


def test_the_dispute_page_opens_comments_and_resolves_with_a_credit_note(creditor, debtor, web):
    response = web.post(reverse("dispute"), {
        "invoice": "F1", "reason": "price", "description": "remise oubliée", "do": "open",
    })  # fmt: skip
    dispute = Dispute.objects.get()
    assert response.url == reverse("dispute-detail", args=[dispute.pk])
    assert dispute.owner.username == "alice"
    upload = SimpleUploadedFile("devis.pdf", b"%PDF quote", content_type="application/pdf")
    web.post(
        reverse("dispute-detail", args=[dispute.pk]),
        {"do": "comment", "text": "devis", "file": upload},
    )
    comment = dispute.comments.get()
    assert comment.sha256 == hashlib.sha256(b"%PDF quote").hexdigest()
    assert (
        web.get(reverse("dispute-file", args=[dispute.pk, comment.pk])).getvalue() == b"%PDF quote"
    )
    page = web.get(reverse("dispute-detail", args=[dispute.pk])).content.decode()
    assert "remise oubliée" in page
    assert "devis.pdf" in page
    web.post(
        reverse("dispute-detail", args=[dispute.pk]), {"do": "credit_note", "amount": "100,00"}
    )
    assert Invoice.objects.get(number="F1").open_amount == 110000
    page = web.get(reverse("dispute-detail", args=[dispute.pk])).content.decode()
    assert "AV-F1" in page
    assert "dispute.resolved" in page
    listed = web.get(reverse("disputes") + "?all=1").content.decode()
    assert "F1" in listed


def test_a_bad_resolution_from_the_page_is_shown_and_changes_nothing(creditor, debtor, web):
    dispute = open_dispute(Invoice.objects.get(number="F1"), reason="price", on=MONDAY, actor="t")
    page = web.post(reverse("dispute-detail", args=[dispute.pk]),
                    {"do": "credit_note", "amount": "5000"}, follow=True).content.decode()  # fmt: skip
    assert "between 0 and its open amount" in page
    dispute.refresh_from_db()
    assert dispute.status == "open"
    assert not Invoice.objects.filter(kind="credit_note").exists()


def test_the_worklist_shows_disputes_past_their_due_date(creditor, debtor, web):
    open_dispute(Invoice.objects.get(number="F1"), reason="quality", on=MONDAY, actor="t",
                 due_on=MONDAY + timedelta(days=3))  # fmt: skip
    day = (MONDAY + timedelta(days=4)).isoformat()
    page = web.get(reverse("worklist") + f"?date={day}").content.decode()
    assert "Litiges non résolus à temps" in page
    assert ">F1</a>" in page  # the invoice link (a CSRF token may hold "F1")
    earlier = web.get(reverse("worklist") + "?date=2026-03-04").content.decode()
    assert ">F1</a>" not in earlier


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--rejected", "--write-off"), "give one of"),
        (("12.00", "--rejected"), "an amount goes with --credit-note"),
    ],
)
def test_a_resolution_is_one_and_only_a_credit_note_takes_an_amount(
    creditor, debtor, args, message
):
    open_dispute(Invoice.objects.get(number="F1"), reason="price", on=MONDAY, actor="t")
    result = relance("dispute", "resolve", "F1", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert Dispute.objects.get().status == "open"
