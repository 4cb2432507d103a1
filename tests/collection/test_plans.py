"""Payment plans through the database, the collection run and the CLI: created from
chosen items, tracked from allocations, reminded once, defaulted after the grace days."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from relance.audit import Event
from relance.cli import app
from relance.collection import queries
from relance.collection.models import Action, PaymentPlan, PlanInstalment
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
    for number, amount in (("F1", 120000), ("F2", 60000)):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=number, issue_date=MONDAY - timedelta(days=30),
            due_date=MONDAY, amount=amount, open_amount=amount, status="open", currency="EUR",
        )  # fmt: skip
    return customer


def pay(write, day: date, amount: str, invoice: str = "F1") -> None:  # type: ignore[no-untyped-def]
    path = write(
        f"pay-{day}-{amount}.csv",
        f"date,amount,currency,customer,reference,invoices\n{day},{amount},EUR,C001,VIR {day},{invoice}\n",
    )
    result = relance("import", "payments", str(path), "--json")
    assert result.exit_code == 0, result.output


def create(*extra: str):  # type: ignore[no-untyped-def]
    return relance(
        "plan", "create", "C001", "--invoices", "F1,F2", "--on", "2026-03-04", "--json", *extra
    )


def test_a_plan_with_a_down_payment_and_custom_amounts_sums_to_the_total(creditor, bakery):
    result = create("--down-payment", "300", "--amounts", "500,600,400", "--every", "fortnight",
                    "--first", "2026-03-10")  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["total"] == "1800.00"
    assert [(x["date"], x["amount"], x["down_payment"]) for x in plan["instalments"]] == [
        ("2026-03-10", "300.00", True), ("2026-03-10", "500.00", False),
        ("2026-03-24", "600.00", False), ("2026-04-07", "400.00", False),
    ]  # fmt: skip
    assert plan["status"] == "proposed"
    rows = PlanInstalment.objects.filter(plan_id=plan["id"])
    assert sum(r.amount for r in rows) == 180000
    assert Event.objects.filter(verb="plan.created", subject_type="paymentplan").exists()


def test_custom_amounts_that_do_not_add_up_are_refused_and_nothing_is_saved(creditor, bakery):
    result = create("--down-payment", "300", "--amounts", "500,600", "--first", "2026-03-10")
    assert result.exit_code == 1
    assert "the amounts add up to 1100.00, not the 1500.00 to spread" in result.stderr
    assert not PaymentPlan.objects.exists()
    assert not Event.objects.filter(verb="plan.created").exists()


def test_penalties_are_their_own_line_and_part_of_the_total(creditor, bakery):
    result = create("--instalments", "6", "--first", "2026-03-10", "--penalties")
    plan = json.loads(result.stdout)
    assert plan["principal"] == "1800.00"
    # Two invoices 2 days late: 80.00 of indemnity and a little interest.
    penalties = float(plan["penalties"])
    assert 80 < penalties < 82
    assert sum(float(x["amount"]) for x in plan["instalments"]) == pytest.approx(1800 + penalties)
    assert plan["total"] == f"{1800 + penalties:.2f}"


def test_an_item_in_a_current_plan_cannot_join_another(creditor, bakery):
    create("--instalments", "2", "--first", "2026-03-10")
    again = create("--instalments", "2", "--first", "2026-03-10")
    assert again.exit_code == 1
    assert "already in a current plan: F1, F2" in again.stderr


def test_instalments_are_paid_partly_paid_due_or_missed_from_the_allocations(
    creditor, bakery, write
):
    create("--instalments", "3", "--first", "2026-03-16")  # 600.00 each
    pay(write, date(2026, 3, 3), "100.00")  # dated before the plan: not an instalment
    pay(write, date(2026, 3, 16), "600.00")
    pay(write, date(2026, 4, 10), "200.00", "F2")
    plan = PaymentPlan.objects.get()
    shown = json.loads(
        relance("plan", "show", str(plan.pk), "--date", "2026-04-10", "--json").stdout
    )
    assert [(x["status"], x["paid"]) for x in shown["instalments"]] == [
        ("paid", "600.00"), ("partly_paid", "200.00"), ("due", "0.00"),
    ]  # fmt: skip
    later = queries.plan_detail(plan, date(2026, 4, 17))
    assert [x["status"] for x in later["instalments"]] == ["paid", "missed", "due"]
    listed = json.loads(relance("plan", "list", "--json").stdout)["plans"]
    assert [(p["id"], p["customer"], p["status"], p["total"]) for p in listed] == [
        (plan.pk, "C001", "proposed", "1800.00")
    ]


def test_a_missed_instalment_is_reminded_once_then_the_plan_defaults_and_dunning_resumes(
    creditor, bakery
):
    Invoice.objects.filter(number="F2").delete()
    # 3 x 400.00 from Friday 20 March: the day after the first is a Saturday.
    result = relance("plan", "create", "C001", "--invoices", "F1", "--instalments", "3",
                     "--first", "2026-03-20", "--on", "2026-03-04", "--json")  # fmt: skip
    plan = PaymentPlan.objects.get(pk=json.loads(result.stdout)["id"])
    log: dict[date, dict] = {}  # type: ignore[type-arg]
    for n in range(30):
        day = date(2026, 3, 4) + timedelta(days=n)
        out = relance("run", "--date", day.isoformat(), "--json")
        assert out.exit_code == 0, out.output
        log[day] = json.loads(out.stdout)
    reminders = list(
        Action.objects.filter(step__startswith="plan_")
        .order_by("date")
        .values_list("date", "step", "channel")
    )
    assert reminders == [
        (date(2026, 3, 16), "plan_reminder", "email"),  # 5 days before fell on a Sunday
        (date(2026, 3, 23), "plan_missed", "email"),  # the next business day after the 20th
    ]
    assert log[date(2026, 3, 23)]["plans"] == [{"plan": plan.pk, "customer": "C001",
        "reminder": "plan_missed", "instalment": 1, "channel": "email"}]  # fmt: skip
    assert log[date(2026, 3, 25)]["skipped"][0]["reason"] == "payment_plan"
    assert log[date(2026, 3, 26)]["plans"] == [
        {"plan": plan.pk, "customer": "C001", "status": "defaulted"}
    ]
    plan.refresh_from_db()
    assert (plan.status, plan.ended_on) == ("defaulted", date(2026, 3, 26))
    assert Event.objects.filter(verb="plan.defaulted", subject_id=plan.pk).count() == 1
    assert Event.objects.filter(verb="plan.reminded").count() == 2
    # The item resumes at its next step (the first reminder), after the minimum gap.
    resumed = [d for d, r in log.items() if r["actions"]]
    assert log[resumed[0]]["actions"][0]["step"] == "first_reminder"
    assert date(2026, 3, 26) <= resumed[0] <= date(2026, 3, 30)
    assert list(queries.plan_alerts(creditor, date(2026, 3, 27))) == [plan]


def test_a_second_run_of_the_day_plans_no_second_plan_reminder(creditor, bakery):
    plan_id = json.loads(create("--instalments", "2", "--first", "2026-03-10").stdout)["id"]
    first = relance("run", "--date", "2026-03-05")
    assert f"Payment plan {plan_id} of C001: plan_reminder for instalment 1 (email)" in first.stdout
    second = relance("run", "--date", "2026-03-05")
    assert "Payment plan" not in second.stdout
    assert Action.objects.filter(step="plan_reminder").count() == 1


def test_a_paid_plan_completes_and_is_not_reminded(creditor, bakery, write):
    create("--instalments", "2", "--first", "2026-03-20")
    pay(write, date(2026, 3, 10), "1200.00")
    pay(write, date(2026, 3, 11), "600.00", "F2")
    relance("run", "--date", "2026-03-16")
    plan = PaymentPlan.objects.get()
    assert (plan.status, plan.ended_on) == ("completed", date(2026, 3, 16))
    assert not Action.objects.filter(step__startswith="plan_").exists()


def test_a_customer_without_email_gets_the_reminder_by_sms(creditor, bakery):
    Customer.objects.filter(pk=bakery.pk).update(email="")
    create("--instalments", "2", "--first", "2026-03-10")
    relance("run", "--date", "2026-03-05")
    action = Action.objects.get(step="plan_reminder")
    assert (action.channel, action.fallback) == ("sms", "no email: sms")


def test_signing_acknowledges_the_debt_from_the_signature_date(creditor, bakery):
    plan_id = json.loads(create("--instalments", "2", "--first", "2026-03-10").stdout)["id"]
    assert relance("plan", "sign", str(plan_id), "--on", "2026-03-09").exit_code == 0
    plan = PaymentPlan.objects.get(pk=plan_id)
    assert (plan.status, plan.signed_on) == ("active", date(2026, 3, 9))
    found = queries.acknowledgements(Invoice.objects.all(), date(2026, 4, 1))
    assert found[Invoice.objects.get(number="F1").pk] == [date(2026, 3, 9)]
    # Before the signature, the debtor's request for the plan is the acknowledgement.
    before = queries.acknowledgements(Invoice.objects.all(), date(2026, 3, 5))
    assert before[Invoice.objects.get(number="F1").pk] == [date(2026, 3, 4)]
    assert relance("plan", "sign", str(plan_id)).exit_code == 1  # already signed
    assert Event.objects.filter(verb="plan.signed").count() == 1


def test_a_cancelled_plan_puts_its_items_back_in_dunning_and_cannot_be_signed(creditor, bakery):
    plan_id = json.loads(create("--instalments", "2", "--first", "2026-03-10").stdout)["id"]
    assert relance("run", "--date", "2026-03-05", "--json").exit_code == 0
    assert relance("plan", "cancel", str(plan_id), "--on", "2026-03-06").exit_code == 0
    result = json.loads(relance("run", "--date", "2026-03-06", "--json").stdout)
    assert "payment_plan" not in [s["reason"] for s in result["skipped"]]
    refused = relance("plan", "sign", str(plan_id))
    assert (refused.exit_code, "a cancelled plan cannot be signed" in refused.stderr) == (1, True)
    assert relance("plan", "send", str(plan_id)).exit_code == 1
    assert relance("plan", "show", "999").exit_code == 1


def test_the_plan_status_choices_are_the_core_statuses():
    from relance.collection.models import PlanStatusChoices
    from relance.core.plans import PlanStatus

    assert [c.value for c in PlanStatusChoices] == [s.value for s in PlanStatus]
    assert PaymentPlan._meta.get_field("status").choices == PlanStatusChoices.choices


@pytest.mark.parametrize(("penalties_paid", "status"), [(True, "completed"), (False, "defaulted")])
def test_a_plan_with_penalties_is_not_over_when_its_invoices_are_paid(
    creditor, bakery, write, penalties_paid, status
):
    plan = PaymentPlan.objects.get(
        pk=json.loads(create("--penalties", "--instalments", "2", "--first", "2026-03-20").stdout)[
            "id"
        ]
    )
    pay(write, date(2026, 3, 10), "1200.00")
    pay(write, date(2026, 3, 11), "600.00", "F2")
    relance("run", "--date", "2026-03-16")
    plan.refresh_from_db()
    assert plan.status == "proposed"  # the invoices are settled, the penalties are not
    # Five days before the second instalment: a reminder of the penalties left.
    relance("run", "--date", "2026-04-15")
    reminder = Action.objects.get(step="plan_reminder", information__instalment=2)
    assert reminder.amount == plan.penalties
    assert [i.number for i in queries.live_items(reminder)] == ["F1", "F2"]
    if penalties_paid:  # a payment left unapplied: it pays the penalties, no more
        pay(write, date(2026, 4, 16), f"{(plan.penalties + 10000) / 100:.2f}", "F1")
        assert queries.plan_paid(plan, date(2026, 4, 16)) == plan.total
    relance("run", "--date", "2026-04-27")
    plan.refresh_from_db()
    assert plan.status == status


def test_a_handed_off_customer_gets_no_plan_from_relance(creditor, bakery):
    from relance.handoff.services import add_partner, hand_off

    agency = add_partner(creditor, actor="test", name="Agence", kind="agency")
    hand_off(bakery, agency, on=date(2026, 3, 3), actor="test")
    refused = create("--instalments", "2", "--first", "2026-03-10")
    assert refused.exit_code == 1
    assert "C001 is handed off" in refused.output
    assert not PaymentPlan.objects.exists()
