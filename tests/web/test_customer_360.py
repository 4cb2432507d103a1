"""The customer page as a 360 view: a quick dispute, payments on the timeline, and the
messages waiting in the outbox."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from tests.members import member

from relance.audit import Event
from relance.collection.models import Action, Dispute, PaymentPlan
from relance.collection.services import create_plan, run_collection, send_plan_letter
from relance.ledger.models import Invoice
from relance.ledger.services import credit_invoice

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def alice(client, creditor):  # type: ignore[no-untyped-def]
    client.force_login(member("alice", password="x" * 12))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def ledger(load):  # type: ignore[no-untyped-def]
    """C1 (email known) with F1 (1,200.00) and F2 (300.50) overdue, and F3 (500.00)."""
    load("customers", "customer,name,email\nC1,Alpha,compta@alpha.example\n")
    load(
        "invoices",
        "number,customer,issue_date,due_date,amount\n"
        "F1,C1,2026-01-01,2026-01-31,1200.00\n"
        "F2,C1,2026-02-01,2026-03-03,300.50\n"
        "F3,C1,2026-02-05,2026-03-07,500.00\n",
    )
    return load


def page(client) -> str:  # type: ignore[no-untyped-def]
    return client.get(reverse("customer", args=["C1"])).content.decode()


def section(html: str, title: str) -> str:
    """The HTML from a heading to the next one of the same level."""
    start = html.index(f">{title}</h2>")
    end = html.find("<h2", start)
    return html[start : end if end > 0 else None]


def quick_dispute(html: str) -> str:
    """The customer page's quick dispute form."""
    start = html.rindex("<form", 0, html.index('id="quick-dispute"'))
    return html[start : html.index("</form>", start)]


def words(html: str) -> str:
    """The text of some HTML, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_customer_page_offers_a_quick_dispute_on_its_open_invoices(alice, ledger):
    form = quick_dispute(page(alice))
    assert 'enctype="multipart/form-data"' in form
    assert re.findall(r"<option>(F\d)</option>", form) == ["F1", "F2", "F3"]
    assert '<option value="not_delivered">not delivered</option>' in form


def test_a_quick_dispute_with_a_document_is_opened_and_lands_on_the_timeline(alice, ledger):
    upload = SimpleUploadedFile("bon-de-livraison.pdf", PDF, "application/pdf")
    response = alice.post(reverse("dispute"), {
        "invoice": "F2", "reason": "quantity", "description": "3 cartons missing",
        "file": upload, "do": "open", "next": "/customers/C1/",
    })  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == "/customers/C1/"
    dispute = Dispute.objects.get()
    assert (dispute.invoice.number, dispute.reason, dispute.description, dispute.opened_by) == (
        "F2", "quantity", "3 cartons missing", "alice",
    )  # fmt: skip
    [comment] = dispute.comments.all()
    assert (comment.filename, comment.file.read()) == ("bon-de-livraison.pdf", PDF)
    verbs = Event.objects.filter(subject_type="dispute", subject_id=dispute.pk)
    assert list(verbs.order_by("id").values_list("verb", flat=True)) == [
        "dispute.opened", "dispute.commented",
    ]  # fmt: skip
    after = page(alice)
    assert "Dispute opened on F2." in after
    assert "dispute.opened" in section(after, "Timeline")
    # Disputed now: no longer offered by the quick form.
    assert re.findall(r"<option>(F\d)</option>", quick_dispute(after)) == ["F1", "F3"]


def test_a_quick_dispute_the_service_refuses_says_why_and_opens_nothing(alice, ledger):
    Invoice.objects.filter(number="F2").update(open_amount=0, status="paid")
    response = alice.post(reverse("dispute"), {
        "invoice": "F2", "reason": "quantity", "do": "open", "next": "/customers/C1/",
    }, follow=True)  # fmt: skip
    assert "invoice F2 has nothing open" in response.content.decode()
    assert not Dispute.objects.exists()


def test_a_payment_shows_on_the_timeline_with_its_amount_and_the_invoices_it_paid(alice, ledger):
    ledger(
        "payments",
        "date,amount,customer,invoices,reference\n2026-03-10,1500.50,C1,F1;F2,VIR-778\n",
    )
    timeline = words(section(page(alice), "Timeline"))
    assert "Payment received: €1,500.50 VIR-778 · paying F1 (€1,200.00), F2 (€300.50)" in timeline
    assert "F1: €1,200.00 paid by the payment of 03/10/2026 VIR-778" in timeline
    assert "F2: €300.50 paid by the payment of 03/10/2026 VIR-778" in timeline


def test_a_payment_not_yet_allocated_says_so(alice, ledger):
    # Nothing open to pay: the payment stays unapplied, a credit of the customer.
    Invoice.objects.update(open_amount=0, status="paid")
    ledger("payments", "date,amount,customer,reference\n2026-03-10,99.00,C1,VIR-9\n")
    timeline = words(section(page(alice), "Timeline"))
    assert "Payment received: €99.00 VIR-9 · not allocated to an invoice yet" in timeline


def test_a_credit_note_and_what_it_paid_show_on_the_timeline(alice, ledger):
    credit_invoice(Invoice.objects.get(number="F3"), 20000, on=date(2026, 3, 12), actor="t")
    timeline = words(section(page(alice), "Timeline"))
    assert "Credit note AV-F3 of -€200.00 for F3" in timeline
    assert "F3: €200.00 paid by credit note AV-F3" in timeline


def test_the_page_reads_the_timelines_payments_in_a_fixed_number_of_queries(alice, ledger):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def payment_queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            page(alice)
        return len([q for q in seen.captured_queries if '"ledger_payment"' in q["sql"]])

    ledger("payments", "date,amount,customer,invoices\n2026-03-10,100.00,C1,F1\n")
    one = payment_queries()
    ledger("payments", "date,amount,customer,invoices\n2026-03-11,200.00,C1,F1\n"
                       "2026-03-12,50.00,C1,F2\n")  # fmt: skip
    assert payment_queries() == one


def test_messages_waiting_in_the_outbox_show_as_queued_or_awaiting_approval(
    alice, ledger, creditor
):
    today = timezone.localdate()
    run_collection(creditor, today, actor="t")
    action = Action.objects.get(customer__code="C1")
    assert action.status == "queued"
    communications = words(section(page(alice), "Communications"))
    assert "Nothing sent yet." not in communications
    assert f"{action.channel} · {action.step} queued" in communications
    Action.objects.filter(pk=action.pk).update(status="awaiting_approval")
    assert "awaiting approval" in words(section(page(alice), "Communications"))


def test_the_plan_page_shows_its_queued_agreement_letter(alice, ledger):
    today = timezone.localdate()
    customer = Invoice.objects.get(number="F1").customer
    plan = create_plan(customer, [Invoice.objects.get(number="F1")], count=3, every="month",
                       first=today + timedelta(days=10), on=today, actor="t")  # fmt: skip
    send_plan_letter(plan, on=today, actor="t")
    body = alice.get(reverse("plan", args=[PaymentPlan.objects.get().pk])).content.decode()
    messages = words(section(body, "Messages"))
    assert "Nothing sent yet." not in messages
    assert "plan_agreement · email queued" in messages
