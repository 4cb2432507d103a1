"""Payment plan pages: the form on the customer page, the plan page and its buttons."""

from __future__ import annotations

import html
from datetime import date, timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from tests.members import member

from relance.audit import Event
from relance.collection.models import Action, PaymentPlan
from relance.ledger.models import Customer, Invoice


@pytest.fixture
def customer(creditor):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    c = Customer.objects.create(
        creditor=creditor, code="C1", name="Alpha", email="a@alpha.example", city="Lyon",
        address="1 rue Haute", postal_code="69001",
    )  # fmt: skip
    for number, amount in (("F1", 90000), ("F2", 30000)):
        Invoice.objects.create(
            creditor=creditor, customer=c, number=number, issue_date=today - timedelta(days=60),
            due_date=today - timedelta(days=30), amount=amount, open_amount=amount, status="open",
        )  # fmt: skip
    return c


@pytest.fixture
def client_in(client, creditor):  # type: ignore[no-untyped-def]
    user = member("alice", password="x" * 12)
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def first_day() -> str:
    return (timezone.localdate() + timedelta(days=10)).isoformat()


def test_plan_pages_need_a_login(client, customer):
    assert client.get(reverse("plans")).status_code == 302
    assert client.post(reverse("plan-create"), {"customer": "C1"}).status_code == 302
    assert not PaymentPlan.objects.exists()


def test_a_plan_is_agreed_from_the_customer_page_and_shown_with_its_instalments(
    client_in, customer
):
    page = client_in.get(reverse("customer", args=["C1"])).content.decode()
    assert "Create the payment plan" in page
    response = client_in.post(reverse("plan-create"), {
        "customer": "C1", "invoice": ["F1", "F2"], "down_payment": "200", "count": "",
        "amounts": "500; 300,50; 199,50", "every": "month", "first": first_day(),
    })  # fmt: skip
    plan = PaymentPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("plan", args=[plan.pk])
    page = client_in.get(reverse("plan", args=[plan.pk])).content.decode()
    for text in ("Alpha", "300.50", "199.50", "down payment", "Record the signed agreement"):
        assert text in page, text
    assert [line.amount for line in plan.lines.all()] == [20000, 50000, 30050, 19950]


def test_custom_amounts_that_do_not_add_up_are_reported_and_nothing_is_saved(client_in, customer):
    response = client_in.post(reverse("plan-create"), {
        "customer": "C1", "invoice": ["F1"], "amounts": "500; 300", "every": "month",
        "first": first_day(), "next": reverse("customer", args=["C1"]),
    }, follow=True)  # fmt: skip
    assert "the amounts add up to 800.00, not the 900.00 to spread" in response.content.decode()
    assert not PaymentPlan.objects.exists()


def test_the_plan_page_downloads_the_letter_sends_it_records_the_signature_and_cancels(
    client_in, customer
):
    client_in.post(reverse("plan-create"), {
        "customer": "C1", "invoice": ["F1"], "count": "6", "every": "month", "first": first_day(),
    })  # fmt: skip
    plan = PaymentPlan.objects.get()
    letter = client_in.get(reverse("plan-letter", args=[plan.pk]))
    assert letter["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(BytesIO(letter.content)).pages)
    assert "Bon pour accord" in text
    client_in.post(reverse("plan-change", args=[plan.pk, "send"]))
    assert Action.objects.get(step="plan_agreement").status == "queued"
    signed_on = timezone.localdate().isoformat()
    client_in.post(reverse("plan-change", args=[plan.pk, "sign"]), {"on": signed_on})
    plan.refresh_from_db()
    assert (plan.status, plan.signed_on.isoformat()) == ("active", signed_on)
    client_in.post(reverse("plan-change", args=[plan.pk, "cancel"]))
    plan.refresh_from_db()
    assert plan.status == "cancelled"
    page = client_in.get(reverse("plan", args=[plan.pk])).content.decode()
    for verb in ("plan.created", "plan.letter_queued", "plan.signed", "plan.cancelled"):
        assert verb in page
        assert Event.objects.filter(verb=verb, actor="alice").exists()
    assert "Record the signed agreement" not in page
    assert client_in.post(reverse("plan-change", args=[plan.pk, "explode"])).status_code == 404
    listed = client_in.get(reverse("plans")).content.decode()
    assert reverse("plan", args=[plan.pk]) in listed


def test_a_plan_with_penalties_from_the_page_adds_them_as_a_line(client_in, customer):
    # Penalties run as far as the rate tables go: a due date they cover.
    Invoice.objects.filter(number="F1").update(due_date=date(2026, 3, 2))
    client_in.post(reverse("plan-create"), {
        "customer": "C1", "invoice": ["F1"], "count": "3", "every": "quarter", "first": first_day(),
        "penalties": "on",
    })  # fmt: skip
    plan = PaymentPlan.objects.get()
    assert plan.penalties > 4000  # the 40 EUR indemnity and the interest
    assert sum(line.amount for line in plan.lines.all()) == 90000 + plan.penalties
    page = client_in.get(reverse("plan", args=[plan.pk])).content.decode()
    assert "penalties and indemnity" in page
    page = client_in.get(
        reverse("plan", args=[plan.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Enregistrer l&#x27;accord signé" in page or "Enregistrer l'accord signé" in page


def test_the_worklist_shows_plan_reminders_and_defaulted_plans(client_in, customer, creditor):
    from relance.collection.services import create_plan, run_collection

    Invoice.objects.filter(number="F2").delete()
    Invoice.objects.filter(number="F1").update(due_date=date(2026, 3, 2))
    plan = create_plan(customer, list(Invoice.objects.all()), count=3, every="month",
                       first=date(2026, 3, 20), on=date(2026, 3, 4), actor="t")  # fmt: skip
    for day in (date(2026, 3, 16), date(2026, 3, 23), date(2026, 3, 26)):
        run_collection(creditor, day, actor="t")
    page = client_in.get(reverse("worklist") + "?date=2026-03-23").content.decode()
    assert "plan_missed" in page
    assert "payment plan" in page
    page = client_in.get(reverse("worklist") + "?date=2026-03-27").content.decode()
    assert "Payment plans defaulted" in page
    assert reverse("plan", args=[plan.pk]) in page


def test_a_plan_template_is_previewed_on_the_customers_latest_plan(client_in, customer):
    client_in.post(reverse("plan-create"), {
        "customer": "C1", "invoice": ["F1"], "count": "3", "every": "month", "first": first_day(),
    })  # fmt: skip
    preview = client_in.post(reverse("template-preview", args=["plan_reminder", "en"]), {
        "customer": "C1", "subject": "s", "closing": "",
        "body": "Instalment {{ plan.instalment.number }} of {{ plan.count }}: {{ plan.instalment.left }}",
    }).content.decode()  # fmt: skip
    assert "<p>Instalment 1 of 3: €300.00</p>" in html.unescape(preview)


def test_the_plan_page_reads_the_allocations_once(client_in, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client_in.post(reverse("plan-create"), {
        "customer": "C1", "invoice": ["F1", "F2"], "count": "3", "every": "month",
        "first": first_day(),
    })  # fmt: skip
    plan = PaymentPlan.objects.get()
    with CaptureQueriesContext(connection) as seen:
        assert client_in.get(reverse("plan", args=[plan.pk])).status_code == 200
    assert len([q for q in seen.captured_queries if "ledger_allocation" in q["sql"]]) == 1
