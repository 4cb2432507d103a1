"""The collection run through the database and the CLI: persisted, audited, idempotent."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from tests.members import member
from typer.testing import CliRunner

from relance.audit import Event
from relance.cli import app
from relance.collection import queries
from relance.collection.models import Action, Run
from relance.collection.services import run_collection
from relance.ledger.models import Customer, Invoice

MONDAY = date(2026, 3, 2)
runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def bakery(creditor):  # type: ignore[no-untyped-def]
    customer = Customer.objects.create(
        creditor=creditor, code="C001", name="Boulangerie Martin", email="compta@martin.example",
        address="1 rue Haute", postal_code="69001", city="Lyon", phone="0472000000",
    )  # fmt: skip
    for number, due in (("F1", MONDAY), ("F2", MONDAY + timedelta(days=14))):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=number, issue_date=due - timedelta(days=30),
            due_date=due, amount=120000, open_amount=120000, status="open", currency="EUR",
        )  # fmt: skip
    return customer


def test_daily_runs_take_a_30_day_invoice_through_the_standard_scenario(creditor, bakery):
    Invoice.objects.filter(number="F2").delete()
    planned = []
    for n in range(-30, 25):
        day = MONDAY + timedelta(days=n)
        planned += [(day, a["step"]) for a in run_collection(creditor, day, actor="test").actions]
    assert planned == [
        (MONDAY - timedelta(days=7), "pre_due"),
        (MONDAY + timedelta(days=3), "first_reminder"),
        (MONDAY + timedelta(days=10), "call"),
        (MONDAY + timedelta(days=21), "second_reminder"),
    ]
    statuses = dict(Action.objects.values_list("step", "status"))
    assert statuses == {
        "pre_due": "queued", "first_reminder": "queued", "call": "planned", "second_reminder": "queued",
    }  # fmt: skip
    assert Run.objects.count() == 55
    assert Event.objects.filter(verb="action.planned").count() == 4


def test_run_json_is_the_contract_and_a_second_run_plans_nothing_new(creditor, bakery):
    day = (MONDAY + timedelta(days=3)).isoformat()
    first = json.loads(relance("run", "--date", day, "--json").stdout)
    assert first == {
        "date": day,
        "actions": [{
            "customer": "C001", "step": "first_reminder", "channel": "email", "channels": ["email"],
            "mode": "auto", "currency": "EUR", "amount": "1200.00", "invoices": ["F1"],
            "days_overdue": [3], "scenario": "standard_b2b",
            "other_invoices": ["F2"],  # due in 11 days: listed for information
        }],
        "skipped": [],
    }  # fmt: skip
    second = json.loads(relance("run", "--date", day, "--json").stdout)
    assert second["actions"] == []
    assert Action.objects.count() == 1


def test_a_dry_run_writes_nothing(creditor, bakery):
    result = relance(
        "run", "--date", (MONDAY + timedelta(days=3)).isoformat(), "--dry-run", "--json"
    )
    assert json.loads(result.stdout)["actions"]
    assert not Action.objects.exists()
    assert not Run.objects.exists()


def test_a_disputed_invoice_is_not_reminded_until_the_dispute_closes(creditor, bakery):
    assert (
        relance("dispute", "open", "F1", "--reason", "quantity", "--on", "2026-03-04").exit_code
        == 0
    )
    result = run_collection(creditor, MONDAY + timedelta(days=3), actor="test")
    assert result.actions == []
    assert result.skipped == [{"customer": "C001", "reason": "dispute", "invoices": ["F1"]}]
    assert relance("dispute", "close", "F1", "--on", "2026-03-05").exit_code == 0
    assert [
        a["step"] for a in run_collection(creditor, MONDAY + timedelta(days=4), actor="t").actions
    ] == ["first_reminder"]


def test_a_promise_holds_the_items_until_its_date_plus_grace(creditor, bakery):
    assert (
        relance(
            "promise", "C001", "--until", "2026-03-10", "--invoices", "F1", "--on", "2026-03-04"
        ).exit_code
        == 0
    )
    skipped = run_collection(creditor, MONDAY + timedelta(days=3), actor="t").skipped
    assert skipped == [
        {"customer": "C001", "reason": "promise", "invoices": ["F1"], "until": "2026-03-12"}
    ]
    assert (
        run_collection(creditor, date(2026, 3, 13), actor="t").actions[0]["step"]
        == "first_reminder"
    )


def test_a_customer_on_hold_is_skipped(creditor, bakery):
    assert relance("hold", "C001", "--until", "2026-03-20").exit_code == 0
    assert (
        run_collection(creditor, MONDAY + timedelta(days=3), actor="t").skipped[0]["reason"]
        == "on_hold"
    )
    assert Event.objects.filter(verb="customer.held").exists()


def test_an_action_whose_items_were_paid_before_sending_is_cancelled(creditor, bakery):
    run_collection(creditor, MONDAY + timedelta(days=3), actor="t")
    Invoice.objects.filter(number="F1").update(open_amount=0, status="paid")
    run_collection(creditor, MONDAY + timedelta(days=4), actor="t")
    action = Action.objects.get()
    assert (action.status, action.status_reason) == ("cancelled", queries.NO_LONGER_DUE)


def test_bad_dates_and_unknown_records_are_clear_errors(creditor, bakery):
    assert relance("run", "--date", "2026-02-30").exit_code == 2
    result = relance("dispute", "open", "F404", "--reason", "price")
    assert (result.exit_code, "no invoice 'F404'" in result.stderr) == (1, True)
    assert relance("dispute", "close", "F1").exit_code == 1  # nothing to close


def test_a_payment_plan_takes_its_invoices_out_of_dunning(creditor, bakery):
    result = relance("plan", "create", "C001", "--invoices", "F1", "--instalments", "3", "--first", "2026-03-10",
                     "--down-payment", "200", "--on", "2026-03-04", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = json.loads(result.stdout)["instalments"]
    assert [x["amount"] for x in lines] == ["200.00", "333.34", "333.33", "333.33"]
    assert [x["date"] for x in lines] == ["2026-03-10", "2026-03-10", "2026-04-10", "2026-05-10"]
    skipped = run_collection(creditor, MONDAY + timedelta(days=3), actor="t").skipped
    assert skipped == [{"customer": "C001", "reason": "payment_plan", "invoices": ["F1"]}]
    assert Event.objects.filter(verb="plan.created").exists()


def test_a_plan_for_another_customers_invoice_is_refused(creditor, bakery):
    Customer.objects.create(creditor=creditor, code="C002", name="Autre")
    result = relance(
        "plan", "create", "C002", "--invoices", "F1", "--instalments", "2", "--first", "2026-03-10"
    )
    assert result.exit_code == 1
    assert "not C002's" in result.stderr


def _climb(creditor, start: date, days: int) -> None:  # type: ignore[no-untyped-def]
    for n in range(days):
        run_collection(creditor, start + timedelta(days=n), actor="t")


def test_an_item_waits_while_its_step_awaits_approval(creditor, bakery):
    Invoice.objects.filter(number="F2").delete()
    _climb(creditor, MONDAY, 70)
    steps = list(Action.objects.order_by("date").values_list("step", "status"))
    assert steps[-1] == ("third_reminder", "awaiting_approval")
    assert "formal_notice" not in [s for s, _ in steps]


def test_a_rejected_hand_off_does_not_take_the_customer_out_of_dunning(creditor, bakery):
    from relance.collection.services import decide

    Invoice.objects.filter(number="F2").delete()
    for n in range(90):
        day = MONDAY + timedelta(days=n)
        run_collection(creditor, day, actor="t")
        pending = list(
            Action.objects.filter(status="awaiting_approval").values_list("pk", flat=True)
        )
        decide(creditor, pending, "approve", actor="t")
    handoff = Action.objects.get(step="handoff")
    handoff.status = "awaiting_approval"
    handoff.save()
    decide(creditor, [handoff.pk], "reject", actor="t")
    customer = bakery
    Invoice.objects.create(
        creditor=creditor, customer=customer, number="F3", issue_date=MONDAY + timedelta(days=60),
        due_date=MONDAY + timedelta(days=90), amount=1000, open_amount=1000, status="open",
    )  # fmt: skip
    later = run_collection(creditor, MONDAY + timedelta(days=94), actor="t")
    assert [a["invoices"] for a in later.actions] == [["F3"]]


def test_runs_go_in_date_order(creditor, bakery):
    run_collection(creditor, MONDAY + timedelta(days=10), actor="t")
    result = relance("run", "--date", (MONDAY + timedelta(days=3)).isoformat())
    assert result.exit_code == 1
    assert "runs go in date order" in result.stderr
    assert (
        relance("run", "--date", (MONDAY + timedelta(days=3)).isoformat(), "--dry-run").exit_code
        == 0
    )


def test_a_back_test_ignores_invoices_issued_later(creditor, bakery):
    result = run_collection(creditor, MONDAY - timedelta(days=31), actor="t", dry_run=True)
    assert result.actions == []
    assert result.skipped == []


def test_a_paid_item_leaves_its_pending_action_and_the_amount_follows(creditor, bakery):
    Invoice.objects.filter(number="F2").update(due_date=MONDAY)
    run_collection(creditor, MONDAY + timedelta(days=3), actor="t")
    action = Action.objects.get()
    assert action.amount == 240000
    Invoice.objects.filter(number="F1").update(open_amount=0, status="paid")
    run_collection(creditor, MONDAY + timedelta(days=4), actor="t")
    action.refresh_from_db()
    assert (action.status, action.amount) == ("queued", 120000)
    assert [i.invoice.number for i in action.items.all()] == ["F2"]


def test_a_disputed_item_cancels_its_pending_action(creditor, bakery):
    run_collection(creditor, MONDAY + timedelta(days=3), actor="t")
    relance("dispute", "open", "F1", "--reason", "price", "--on", "2026-03-05")
    run_collection(creditor, MONDAY + timedelta(days=4), actor="t")
    assert Action.objects.get().status == "cancelled"


def test_a_broken_payment_plan_resumes_dunning(creditor, bakery):
    Invoice.objects.filter(number="F2").delete()
    relance(
        "plan",
        "create",
        "C001",
        "--invoices",
        "F1",
        "--instalments",
        "2",
        "--first",
        "2026-03-05",
        "--on",
        "2026-03-04",
    )
    assert (
        run_collection(creditor, date(2026, 3, 9), actor="t").skipped[0]["reason"] == "payment_plan"
    )
    # nothing paid on the 5th: after the grace days the plan is broken; the reminder of
    # the missed instalment (the 9th) was a contact, so the minimum gap comes first
    broken = run_collection(creditor, date(2026, 3, 11), actor="t")
    assert [(p["customer"], p["status"]) for p in broken.plans] == [("C001", "defaulted")]
    assert [s["reason"] for s in broken.skipped] == ["min_gap"]
    assert (
        run_collection(creditor, date(2026, 3, 16), actor="t").actions[0]["step"]
        == "first_reminder"
    )


def test_a_later_account_promise_wins_over_an_expired_invoice_promise(creditor, bakery):
    relance("promise", "C001", "--until", "2026-03-04", "--invoices", "F1", "--on", "2026-03-02")
    relance("promise", "C001", "--until", "2026-03-20", "--on", "2026-03-07")
    assert run_collection(creditor, date(2026, 3, 9), actor="t").skipped[0]["reason"] == "promise"


def test_a_prescribed_invoice_is_never_reminded_and_a_partial_payment_restarts_the_clock(
    creditor, bakery
):
    from relance.ledger.models import Allocation, Payment

    old = Invoice.objects.create(
        creditor=creditor, customer=bakery, number="OLD", issue_date=date(2020, 1, 10),
        delivery_date=date(2020, 1, 5), due_date=date(2020, 2, 9), amount=50000, open_amount=50000, status="open",
    )  # fmt: skip
    Invoice.objects.filter(number__in=["F1", "F2"]).delete()
    skipped = run_collection(creditor, date(2025, 3, 10), actor="t", dry_run=True).skipped
    assert skipped == [{"customer": "C001", "reason": "prescribed", "invoices": ["OLD"]}]
    payment = Payment.objects.create(
        creditor=creditor, customer=bakery, key="p", date=date(2023, 5, 2), amount=1000
    )
    Allocation.objects.create(invoice=old, payment=payment, amount=1000, date=date(2023, 5, 2))
    Invoice.objects.filter(pk=old.pk).update(open_amount=49000, status="partially_paid")
    actions = run_collection(creditor, date(2025, 3, 10), actor="t", dry_run=True).actions
    assert [a["invoices"] for a in actions] == [["OLD"]]


def test_the_worklist_warns_of_prescription_deadlines(creditor, bakery, client):

    from relance.collection.queries import prescription_alerts

    Invoice.objects.create(
        creditor=creditor, customer=bakery, number="OLD", issue_date=date(2021, 4, 20),
        due_date=date(2021, 5, 20), amount=50000, open_amount=50000, status="open",
    )  # fmt: skip
    alerts = prescription_alerts(creditor, date(2026, 3, 2))
    assert [(a["invoice"], str(a["deadline"]), a["months"]) for a in alerts] == [
        ("OLD", "2026-04-20", 3)
    ]
    client.force_login(member("alice", password="x" * 12))
    assert ">OLD<" in client.get("/worklist/", {"date": "2026-03-02"}).content.decode()


def test_a_long_worklist_section_comes_in_pages_the_largest_first(creditor, client):
    for n in range(30):
        customer = Customer.objects.create(
            creditor=creditor, code=f"K{n:02}", name=f"Client {n}", email=f"k{n}@example.org"
        )
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=f"P{n}", issue_date=MONDAY,
            due_date=MONDAY + timedelta(days=7), amount=100000 + n * 100,
            open_amount=100000 + n * 100, status="open",
        )  # fmt: skip
    run_collection(creditor, MONDAY, actor="test")
    client.force_login(member("alice", password="x" * 12))

    first = client.get("/worklist/", {"date": MONDAY.isoformat()}).content.decode()
    second = client.get("/worklist/", {"date": MONDAY.isoformat(), "auto_page": 2}).content.decode()

    assert "(30)" in first
    assert [n for n in range(30) if f">K{n:02}<" in first] == list(range(5, 30))
    assert [n for n in range(30) if f">K{n:02}<" in second] == list(range(5))
    assert "auto_page=2" in first
    assert "auto_page=1" in second


def test_prescription_runs_from_the_delivery_even_when_the_invoice_came_much_later(
    creditor, bakery
):
    from relance.collection.queries import prescription_alerts

    bakery.kind = "b2c"  # two years (C. conso L218-2)
    bakery.save()
    Invoice.objects.create(
        creditor=creditor, customer=bakery, number="LATE-BILLED", issue_date=date(2024, 10, 1),
        delivery_date=date(2024, 4, 20), due_date=date(2024, 10, 31), amount=50000,
        open_amount=50000, status="open",
    )  # fmt: skip
    alerts = prescription_alerts(creditor, date(2026, 3, 2))
    assert [(a["invoice"], str(a["deadline"]), a["months"]) for a in alerts] == [
        ("LATE-BILLED", "2026-04-20", 3)
    ]
