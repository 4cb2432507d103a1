"""Reasons for non-payment: noted by hand or from a call, counted per customer and overall."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone
from tests.members import member
from typer.testing import CliRunner

from relance.cli import app
from relance.collection.models import Note
from relance.collection.services import record_note
from relance.ledger.models import Customer, Invoice

runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def customers(creditor):  # type: ignore[no-untyped-def]
    found = []
    for code in ("C1", "C2"):
        c = Customer.objects.create(creditor=creditor, code=code, name=f"Client {code}")
        Invoice.objects.create(
            creditor=creditor, customer=c, number=f"F{code}", issue_date=date(2026, 1, 1),
            due_date=date(2026, 2, 1), amount=10000, open_amount=10000, status="open",
        )  # fmt: skip
        found.append(c)
    return found


def test_notes_from_the_cli_add_up_in_the_reasons_report(creditor, customers):
    for code, reason, on in (
        ("C1", "cash_flow", "2026-03-02"), ("C2", "cash_flow", "2026-03-03"),
        ("C1", "forgot", "2026-03-04"), ("C1", "cash_flow", "2026-03-09"),
    ):  # fmt: skip
        result = relance("note", code, "--reason", reason, "--text", "au téléphone", "--on", on)
        assert result.exit_code == 0, result.output
    report = json.loads(relance("report", "reasons", "--json").stdout)
    assert report["total"] == 4
    assert report["reasons"] == [
        {
            "reason": "cash_flow",
            "count": 3,
            "customers": 2,
            "share": "0.7500",
            "last": "2026-03-09",
        },
        {"reason": "forgot", "count": 1, "customers": 1, "share": "0.2500", "last": "2026-03-04"},
    ]
    since = json.loads(relance("report", "reasons", "--since", "2026-03-04", "--json").stdout)
    assert [(r["reason"], r["count"]) for r in since["reasons"]] == [
        ("cash_flow", 1),
        ("forgot", 1),
    ]
    one = json.loads(relance("report", "reasons", "--customer", "C2", "--json").stdout)
    assert [(r["reason"], r["count"]) for r in one["reasons"]] == [("cash_flow", 1)]
    shown = json.loads(relance("show", "customer", "C1", "--json").stdout)
    assert [(r["reason"], r["count"]) for r in shown["reasons"]] == [
        ("cash_flow", 2),
        ("forgot", 1),
    ]


def test_an_unknown_reason_is_refused(creditor, customers):
    result = relance("note", "C1", "--reason", "lazy")
    assert result.exit_code == 1
    assert "reason: one of forgot, cash_flow" in result.output
    assert not Note.objects.exists()


def test_the_customer_page_notes_a_reason_and_shows_the_figures(creditor, customers, client):
    client.force_login(member("alice", password="x" * 12))
    client.post(reverse("note"), {"customer": "C1", "reason": "waiting_approval",
                                  "text": "bon de commande en signature"})  # fmt: skip
    note = Note.objects.get()
    assert (note.reason, note.source, note.actor) == ("waiting_approval", "note", "alice")
    page = client.get(reverse("customer", args=["C1"])).content.decode()
    assert "bon de commande en signature" in page
    assert "en attente de validation interne" in page


def test_the_worklist_shows_the_reasons_of_the_last_90_days(creditor, customers, client):
    today = timezone.localdate()
    record_note(customers[0], reason="insolvency", on=today - timedelta(days=10), actor="t")
    record_note(customers[1], reason="forgot", on=today - timedelta(days=200), actor="t")
    client.force_login(member("alice", password="x" * 12))
    page = client.get(reverse("worklist") + f"?date={today.isoformat()}").content.decode()
    assert "insolvabilité" in page
    assert ">oubli<" not in page


@pytest.mark.parametrize("model", ["note", "disputecomment", "dispute", "promise"])
def test_the_new_tables_are_in_the_administration(creditor, customers, client, model):
    record_note(customers[0], reason="forgot", on=date(2026, 3, 2), actor="t")
    client.force_login(User.objects.create_superuser("root", "r@example.fr", "x" * 12))
    assert client.get(reverse(f"admin:collection_{model}_changelist")).status_code == 200
