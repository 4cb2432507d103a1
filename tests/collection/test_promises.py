"""Promises to pay: kept when the payment import allocates them, broken past the grace
days (an alert, the items resume at their next step), and the customer's keeping rate."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.urls import reverse
from tests.members import member
from typer.testing import CliRunner

from relance.audit import Event
from relance.cli import app
from relance.collection.models import Action, Promise
from relance.collection.services import record_promise, review_promises, run_collection
from relance.imports.services import import_file
from relance.ledger.models import Invoice

MONDAY = date(2026, 3, 2)
runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def planned(creditor, days):  # type: ignore[no-untyped-def]
    found = []
    for n in days:
        for a in run_collection(creditor, MONDAY + timedelta(days=n), actor="test").actions:
            found.append((n, a["step"], a["invoices"]))
        Action.objects.update(status="sent")  # what was planned went out
    return found


def pay(write, creditor, rows: str):  # type: ignore[no-untyped-def]
    path = write("payments.csv", "date,amount,currency,customer,reference,invoices\n" + rows)
    result = import_file(path, "payments", creditor=creditor, actor="import")
    assert result.ok, result.errors


def test_a_broken_promise_resumes_dunning_at_the_next_step_and_shows_on_the_worklist(
    creditor, debtor, client
):
    assert planned(creditor, range(4)) == [(3, "first_reminder", ["F1", "F2"])]
    assert relance("promise", "C001", "--until", "2026-03-11", "--amount", "2400", "--channel",
                   "email", "--on", "2026-03-06").exit_code == 0  # fmt: skip
    # Paused until 11 March + 2 days of grace; the call (day 10) waits.
    assert planned(creditor, range(4, 12)) == []
    promise = Promise.objects.get()
    assert (promise.status, promise.channel, promise.recorded_by) == ("open", "email", "cli")
    # Broken on Saturday 14 March; on Monday the items go on at the call.
    assert planned(creditor, range(12, 15)) == [(14, "call", ["F1", "F2"])]
    promise.refresh_from_db()
    assert (promise.status, promise.closed_on) == ("broken", date(2026, 3, 14))
    assert Event.objects.filter(verb="promise.broken").count() == 1
    client.force_login(member("alice", password="x" * 12))
    page = client.get(reverse("worklist") + "?date=2026-03-16").content.decode()
    assert "Promesses non tenues" in page  # the page is in French by default
    assert "C001" in page
    # The alert lasts 30 days.
    later = client.get(reverse("worklist") + "?date=2026-04-20").content.decode()
    assert "Promesses non tenues" not in later


def test_a_kept_promise_closes_when_the_payment_import_allocates_it(creditor, debtor, write):
    record_promise(debtor, until=date(2026, 3, 10), on=MONDAY, actor="t",
                   invoices=[Invoice.objects.get(number="F1")])  # fmt: skip
    pay(write, creditor, "2026-03-05,700.00,EUR,C001,VIR-1,F1\n")
    assert Promise.objects.get().status == "open"  # 700 of 1,200 paid
    pay(write, creditor, "2026-03-09,500.00,EUR,C001,VIR-2,F1\n")
    promise = Promise.objects.get()
    assert (promise.status, promise.closed_on) == ("kept", date(2026, 3, 9))
    assert Event.objects.filter(verb="promise.kept", subject_id=debtor.pk).exists()
    # Kept, it pauses nothing: F2 is reminded as if no promise were made.
    assert run_collection(creditor, MONDAY + timedelta(days=3), actor="t").actions[0][
        "invoices"
    ] == ["F2"]


def test_a_promise_of_an_amount_is_kept_when_the_amount_is_reached(creditor, debtor, write):
    relance("promise", "C001", "--until", "2026-03-10", "--amount", "1500", "--on", "2026-03-02")
    pay(write, creditor, "2026-03-04,1500.00,EUR,C001,VIR-1,\n")  # oldest first: F1 then F2
    assert Promise.objects.get().status == "kept"


def test_a_payment_after_the_deadline_does_not_keep_a_promise(creditor, debtor, write):
    record_promise(debtor, until=date(2026, 3, 10), on=MONDAY, actor="t")
    pay(write, creditor, "2026-03-20,2400.00,EUR,C001,VIR-1,\n")
    assert Promise.objects.get().status == "broken"


def test_the_keeping_rate_shows_in_show_customer_json_and_on_the_page(
    creditor, debtor, client, write
):
    f1, f2 = Invoice.objects.get(number="F1"), Invoice.objects.get(number="F2")
    record_promise(debtor, until=date(2026, 3, 5), on=MONDAY, actor="t", invoices=[f1])
    record_promise(debtor, until=date(2026, 3, 5), on=MONDAY, actor="t", invoices=[f2])
    record_promise(debtor, until=date(2026, 3, 20), on=MONDAY, actor="t", amount=1000)
    cancelled = record_promise(debtor, until=date(2026, 3, 20), on=MONDAY, actor="t")
    assert relance("promise", "cancel", str(cancelled.pk)).exit_code == 0
    pay(write, creditor, "2026-03-04,1200.00,EUR,C001,VIR-1,F1\n")  # keeps the first, and the third
    review_promises(creditor, date(2026, 3, 10), actor="t")  # the second is broken
    data = json.loads(relance("show", "customer", "C001", "--json").stdout)
    assert data["promises"] == {"kept": 2, "broken": 1, "open": 0, "cancelled": 1, "rate": "0.6667"}
    client.force_login(member("alice", password="x" * 12))
    page = client.get(reverse("customer", args=["C001"])).content.decode()
    assert "66,7" in page or "66.7" in page


def test_promise_list_json_and_broken_only(creditor, debtor):
    record_promise(debtor, until=date(2026, 3, 5), on=MONDAY, actor="t", channel="portal")
    record_promise(debtor, until=date(2099, 3, 5), on=MONDAY, actor="t", amount=5000,
                   invoices=[Invoice.objects.get(number="F2")])  # fmt: skip
    review_promises(creditor, date(2026, 3, 10), actor="t")
    everything = json.loads(relance("promise", "list", "--json").stdout)["promises"]
    assert [(p["status"], p["channel"], p["invoices"], p["amount"]) for p in everything] == [
        ("open", "call", ["F2"], "50.00"),
        ("broken", "portal", [], None),
    ]
    broken = json.loads(relance("promise", "list", "--broken", "--json").stdout)["promises"]
    assert [p["promised_date"] for p in broken] == ["2026-03-05"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--until", "2026-03-01", "--on", "2026-03-02"), "already past"),
        (("--until", "2099-03-10", "--channel", "pigeon"), "promise channel: one of"),
        (("--until", "2099-03-10", "--amount", "-5"), "more than zero"),
        (("--until", "2099-03-10", "--invoices", "F404"), "no invoice"),
    ],
)
def test_a_bad_promise_is_refused_and_nothing_is_saved(creditor, debtor, args, message):
    result = relance("promise", "C001", *args)
    assert result.exit_code == 1
    assert message in result.output
    assert not Promise.objects.exists()


def test_only_an_open_promise_is_cancelled(creditor, debtor):
    promise = record_promise(debtor, until=date(2026, 3, 5), on=MONDAY, actor="t")
    review_promises(creditor, date(2026, 3, 10), actor="t")
    result = relance("promise", "cancel", str(promise.pk))
    assert result.exit_code == 1
    assert "the promise is broken" in result.output


def test_a_promise_from_the_customer_page_records_its_channel(creditor, debtor, client):
    client.force_login(member("alice", password="x" * 12))
    client.post(reverse("promise"), {"customer": "C001", "until": "2099-01-10", "amount": "300",
                                     "channel": "in_person", "invoice": ["F1"]})  # fmt: skip
    promise = Promise.objects.get()
    assert (promise.channel, promise.amount, promise.recorded_by) == ("in_person", 30000, "alice")
    client.post(reverse("promise-cancel", args=[promise.pk]))
    promise.refresh_from_db()
    assert promise.status == "cancelled"


def test_show_customer_prints_the_keeping_rate_and_the_reasons(creditor, debtor):
    from relance.collection.services import record_note

    record_promise(debtor, until=date(2026, 3, 5), on=MONDAY, actor="t")
    review_promises(creditor, date(2026, 3, 10), actor="t")
    record_note(debtor, reason="cash_flow", on=MONDAY, actor="t")
    shown = relance("show", "customer", "C001").output
    assert "Promises kept: 0.0 % (0 kept, 1 broken)" in shown
    assert "Reasons for non-payment: cash_flow (1)" in shown
