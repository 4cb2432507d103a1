from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from tests.members import member

from relance.audit import Event
from relance.collection.models import Action, ActionItem, Run, Scenario
from relance.collection.services import run_collection
from relance.ledger.models import Customer, Invoice

MONDAY = date(2026, 3, 2)


@pytest.fixture
def planned(creditor, client):  # type: ignore[no-untyped-def]
    """Three customers at three kinds of step on one day: email, call, letter to approve."""
    client.force_login(member("alice", password="x" * 12))
    for code, late in (("C1", 3), ("C2", 10), ("C3", 30)):
        customer = Customer.objects.create(
            creditor=creditor, code=code, name=f"Client {code}", email=f"{code}@example.fr",
            phone="0102030405", address="1 rue Haute", city="Lyon",
        )  # fmt: skip
        steps = {
            "C1": {},
            "C2": ["first_reminder"],
            "C3": ["first_reminder", "call", "second_reminder"],
        }[code]
        inv = Invoice.objects.create(
            creditor=creditor, customer=customer, number=f"F{code}", issue_date=MONDAY - timedelta(days=late + 30),
            due_date=MONDAY - timedelta(days=late), amount=50000, open_amount=50000, status="open",
        )  # fmt: skip
        for n, step in enumerate(steps):
            # history: the earlier steps, each well apart
            day = MONDAY - timedelta(days=late - 3 - 7 * n)
            day = min(day, MONDAY - timedelta(days=6))
            run = Run.objects.create(
                creditor=creditor, date=day, actor="t", started_at="2026-01-01T00:00Z"
            )
            action = Action.objects.create(
                run=run, creditor=creditor, customer=customer, date=day, scenario="standard_b2b", step=step,
                channel="email", channels=["email"], mode="auto", currency="EUR", amount=50000, status="sent",
            )  # fmt: skip
            ActionItem.objects.create(
                action=action, invoice=inv, step=step, date=day, days_overdue=1
            )
    result = run_collection(creditor, MONDAY, actor="t")
    assert sorted(a["step"] for a in result.actions) == ["call", "first_reminder", "third_reminder"]
    assert Scenario.objects.filter(key="standard_b2b").exists()
    return client


def page(client):  # type: ignore[no-untyped-def]
    return client.get(reverse("worklist"), {"date": MONDAY.isoformat()}).content.decode()


def test_the_worklist_groups_actions_by_what_a_person_does_with_them(planned):
    body = page(planned)
    assert body.index("FC3") < body.index("FC2") < body.index("FC1")  # approve, call, auto
    assert "30 jours de retard" in body or "30 days overdue" in body


def test_approving_and_rejecting_in_bulk(planned):
    letter = Action.objects.get(step="third_reminder")
    response = planned.post(
        reverse("worklist-decide"), {"decision": "approve", "action": [letter.pk], "date": MONDAY}
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == "queued"
    assert Event.objects.filter(verb="action.approved", subject_id=letter.pk).exists()
    # a second decision on the same action changes nothing: it is no longer awaiting approval
    planned.post(reverse("worklist-decide"), {"decision": "reject", "action": [letter.pk]})
    letter.refresh_from_db()
    assert letter.status == "queued"


def test_a_rejected_step_is_not_planned_again(planned, creditor):
    letter = Action.objects.get(step="third_reminder")
    planned.post(reverse("worklist-decide"), {"decision": "reject", "action": [letter.pk]})
    letter.refresh_from_db()
    assert (letter.status, letter.status_reason) == ("cancelled", "rejected")
    later = run_collection(creditor, MONDAY + timedelta(days=7), actor="t")
    assert [a["step"] for a in later.actions if a["customer"] == "C3"] == []


def test_calls_are_marked_done(planned):
    call = Action.objects.get(step="call", status="planned")
    planned.post(reverse("worklist-decide"), {"decision": "done", "action": [call.pk]})
    call.refresh_from_db()
    assert call.status == "sent"


def test_the_run_can_be_started_from_the_worklist(planned):
    response = planned.post(reverse("worklist-run"))
    assert response.status_code == 302


def test_hold_promise_and_dispute_from_the_web_app(creditor, client):
    client.force_login(member("bob", password="x" * 12))
    customer = Customer.objects.create(
        creditor=creditor, code="C9", name="Neuf", email="n@neuf.example"
    )
    Invoice.objects.create(
        creditor=creditor, customer=customer, number="F9", issue_date=MONDAY - timedelta(days=40),
        due_date=MONDAY - timedelta(days=10), amount=50000, open_amount=50000, status="open",
    )  # fmt: skip
    client.post(reverse("hold"), {"customer": "C9", "until": "2026-03-20"})
    customer.refresh_from_db()
    assert str(customer.hold_until) == "2026-03-20"
    client.post(
        reverse("promise"),
        {"customer": "C9", "until": "2099-04-01", "amount": "250,00", "invoice": ["F9"]},
    )
    promise = customer.promises.get()
    assert (promise.amount, [i.number for i in promise.invoices.all()]) == (25000, ["F9"])
    client.post(reverse("dispute"), {"invoice": "F9", "reason": "quantity", "do": "open"})
    page = client.get(reverse("customer", args=["C9"])).content.decode()
    assert "litige" in page.lower() or "disputed" in page
    client.post(reverse("dispute"), {"invoice": "F9", "do": "close"})
    assert (
        Event.objects.filter(
            verb__in=["customer.held", "promise.recorded", "dispute.opened", "dispute.closed"]
        ).count()
        == 4
    )


def test_actions_to_approve_can_change_channel_in_bulk(planned):
    letter = Action.objects.get(step="third_reminder")
    planned.post(
        reverse("worklist-decide"),
        {"decision": "channel", "channel": "registered_letter", "action": [letter.pk]},
    )
    letter.refresh_from_db()
    assert (letter.channel, letter.channels) == ("registered_letter", ["registered_letter"])
    assert Event.objects.filter(verb="action.edited", subject_id=letter.pk).exists()


def test_the_worklist_says_who_was_not_contacted_and_why(creditor, client):
    client.force_login(member("carol", password="x" * 12))
    customer = Customer.objects.create(
        creditor=creditor, code="C7", name="Sept", email="s@sept.example"
    )
    Invoice.objects.create(
        creditor=creditor, customer=customer, number="F7", issue_date=MONDAY - timedelta(days=40),
        due_date=MONDAY - timedelta(days=10), amount=50000, open_amount=50000, status="open",
    )  # fmt: skip
    run_collection(creditor, MONDAY, actor="t")  # first reminder
    run_collection(creditor, MONDAY, actor="t")  # min gap: the first run contacted C7
    run_collection(creditor, MONDAY + timedelta(days=1), actor="t")  # min gap
    tuesday = {"date": (MONDAY + timedelta(days=1)).isoformat()}

    worklist = client.get(reverse("worklist"), tuesday).content.decode()
    listed = client.get(reverse("worklist-not-contacted"), tuesday).content.decode()
    on_monday = client.get(reverse("worklist-not-contacted"), {"date": MONDAY.isoformat()})

    assert f"{reverse('worklist-not-contacted')}?date={tuesday['date']}" in worklist
    assert "contacté trop récemment" in listed  # the reason in words (min_gap)
    assert ">C7<" in listed
    assert ">C7<" not in on_monday.content.decode()  # skipped by the second run, not left out


def test_the_last_run_line_ends_with_one_full_stop_when_the_time_ends_with_one(creditor, client):
    # English short date-times end in "a.m." or "p.m.": the sentence adds no second dot.
    client.force_login(member("dave", password="x" * 12))
    Run.objects.create(creditor=creditor, date=MONDAY, actor="t", started_at="2026-03-02T08:30Z")
    body = client.get(
        reverse("worklist"), {"date": MONDAY.isoformat()}, headers={"Accept-Language": "en"}
    ).content.decode()
    line = body[body.index("Last run") : body.index("<button", body.index("Last run"))]
    assert line.strip() == "Last run: 03/02/2026 9:30 a.m."


def test_a_collector_sees_only_her_portfolio_among_those_not_contacted(creditor, client):
    paula = member("paula", password="x" * 12, role="collector")
    for code, collector in (("C8", paula), ("C9", None)):
        customer = Customer.objects.create(
            creditor=creditor, code=code, name=code, email=f"{code}@example.org",
            collector=collector, hold_until=MONDAY + timedelta(days=9),
        )  # fmt: skip
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=f"F{code}", issue_date=MONDAY - timedelta(days=40),
            due_date=MONDAY - timedelta(days=10), amount=50000, open_amount=50000, status="open",
        )  # fmt: skip
    run_collection(creditor, MONDAY, actor="t")  # both on hold
    client.force_login(paula)

    body = client.get(reverse("worklist-not-contacted"), {"date": MONDAY.isoformat()})

    assert ">C8<" in body.content.decode()
    assert ">C9<" not in body.content.decode()


def test_an_action_shows_its_first_five_invoices_and_counts_the_others(creditor, client):
    customer = Customer.objects.create(
        creditor=creditor, code="MANY", name="Many invoices", email="many@example.fr"
    )
    for n in range(7):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=f"M{n}", issue_date=MONDAY - timedelta(days=40),
            due_date=MONDAY - timedelta(days=3), amount=10000, open_amount=10000, status="open",
        )  # fmt: skip
    run_collection(creditor, MONDAY, actor="t")
    client.force_login(member("alice", password="x" * 12))

    body = page(client)

    shown = [n for n in range(7) if f'href="/invoices/M{n}/"' in body]
    assert len(shown) == 5
    assert "3 days overdue" in body or "3 jours de retard" in body
    assert "; and 2 more invoices" in body or "; et 2 autres factures" in body
