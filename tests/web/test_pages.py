"""The web shell: login, customers, a customer, invoices, the admin, in French and English."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from tests.members import member

from relance.audit import Event
from relance.ledger.models import Customer, Invoice


@pytest.fixture
def ledger(creditor):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    a = Customer.objects.create(creditor=creditor, code="C1", name="Alpha", city="Lyon")
    b = Customer.objects.create(creditor=creditor, code="C2", name="Beta")
    c = Customer.objects.create(creditor=creditor, code="C3", name="Gamma")
    rows = [
        (a, "F1", 45, 50000, 50000),
        (a, "F2", -10, 10000, 10000),
        (b, "F3", 100, 200000, 150000),
        (c, "F4", 5, 3000, 0),
    ]
    for cust, number, late, amount, open_amount in rows:
        due = today - timedelta(days=late)
        Invoice.objects.create(
            creditor=creditor,
            customer=cust,
            number=number,
            issue_date=due - timedelta(days=30),
            due_date=due,
            amount=amount,
            open_amount=open_amount,
            currency="EUR",
            status="paid"
            if open_amount == 0
            else ("open" if open_amount == amount else "partially_paid"),
        )
    return creditor


@pytest.fixture
def client_in(client, db):  # type: ignore[no-untyped-def]
    user = member("alice", password="x" * 12, is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


def test_pages_need_a_login(client, ledger):
    for name in ("customers", "invoices"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_login_page_logs_a_user_in(client, db):
    member("bob", password="correct horse battery")
    page = client.get(reverse("login"))
    assert page.status_code == 200
    response = client.post(
        reverse("login"), {"username": "bob", "password": "correct horse battery"}
    )
    assert (response.status_code, response["Location"]) == (302, reverse("dashboard"))


def test_customers_are_sorted_by_overdue_amount(client_in, ledger):
    page = client_in.get(reverse("customers")).content.decode()
    assert page.index("Beta") < page.index("Alpha") < page.index("Gamma")


def test_customer_search_finds_by_name_and_account(client_in, ledger):
    assert "Alpha" in client_in.get(reverse("customers"), {"q": "alp"}).content.decode()
    body = client_in.get(reverse("customers"), {"q": "C2"}).content.decode()
    assert "Beta" in body
    assert "Alpha" not in body


def test_htmx_requests_get_only_the_rows(client_in, ledger):
    body = client_in.get(
        reverse("customers"), {"q": "Beta"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<table>" in body
    assert "<html" not in body


def test_customer_page_shows_balance_open_items_and_timeline(client_in, ledger):
    Event.objects.create(
        actor="test",
        verb="customer.updated",
        subject_type="customer",
        subject_id=Customer.objects.get(code="C1").pk,
    )
    body = client_in.get(reverse("customer", args=["C1"])).content.decode()
    assert "F1" in body
    assert "F2" in body
    assert "customer.updated" in body
    assert "600,00" in body  # open balance in French format


def test_unknown_customer_is_404(client_in, ledger):
    assert client_in.get(reverse("customer", args=["NOPE"])).status_code == 404


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"status": "paid"}, ["F4"], ["F1", "F3"]),
        ({"status": "unpaid"}, ["F1", "F2", "F3"], ["F4"]),
        ({"bucket": "31-60"}, ["F1"], ["F2", "F3"]),
        ({"bucket": "over_90"}, ["F3"], ["F1"]),
        ({"bucket": "not_due"}, ["F2"], ["F1"]),
        ({"customer": "C2"}, ["F3"], ["F1", "F4"]),
    ],
)
def test_invoice_filters(client_in, ledger, params, shown, hidden):
    body = client_in.get(reverse("invoices"), params).content.decode()
    for number in shown:
        assert f">{number}<" in body
    for number in hidden:
        assert f">{number}<" not in body


def test_the_interface_speaks_english_when_asked(client_in, ledger):
    client_in.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client_in.get(reverse("customers")).content.decode()
    assert "Overdue amount" in body
    client_in.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert "Montant échu" in client_in.get(reverse("customers")).content.decode()


def test_evidence_is_attached_hashed_audited_and_downloadable(
    client_in, ledger, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile(
        "bon-de-livraison.pdf", b"%PDF-1.4 delivery", content_type="application/pdf"
    )
    response = client_in.post(
        reverse("invoice", args=["F1"]), {"kind": "delivery_note", "file": upload}
    )
    assert response.status_code == 302
    inv = Invoice.objects.get(number="F1")
    evidence = inv.evidence.get()
    assert evidence.sha256 == hashlib.sha256(b"%PDF-1.4 delivery").hexdigest()
    assert Event.objects.filter(verb="evidence.added", subject_id=inv.pk).exists()
    download = client_in.get(reverse("evidence", args=["F1", evidence.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 delivery"


def test_an_empty_evidence_upload_is_refused(client_in, ledger):
    upload = SimpleUploadedFile("empty.pdf", b"")
    response = client_in.post(reverse("invoice", args=["F1"]), {"kind": "contract", "file": upload})
    assert response.status_code == 200
    assert not Invoice.objects.get(number="F1").evidence.exists()


@pytest.mark.parametrize(
    "model", ["creditor", "customer", "contact", "invoice", "payment", "allocation", "evidence"]
)
def test_every_ledger_model_has_an_admin(client_in, ledger, model):
    assert client_in.get(reverse(f"admin:ledger_{model}_changelist")).status_code == 200
    # Allocations are written by the services alone.
    expected = 403 if model == "allocation" else 200
    assert client_in.get(reverse(f"admin:ledger_{model}_add")).status_code == expected


def test_admin_edits_are_audited_and_events_are_read_only(client_in, ledger):
    customer = Customer.objects.get(code="C1")
    url = reverse("admin:ledger_customer_change", args=[customer.pk])
    form = client_in.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data |= {
        "name": "Alpha SA",
        "contacts-TOTAL_FORMS": 0,
        "contacts-INITIAL_FORMS": 0,
        "creditor": ledger.pk,
    }
    data.pop("scenario", None)
    response = client_in.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    assert Event.objects.filter(verb="customer.updated", actor="alice").exists()
    assert client_in.get(reverse("admin:relance_event_changelist")).status_code == 200
    assert client_in.get(reverse("admin:relance_event_add")).status_code == 403


def test_the_creditor_is_edited_in_the_web_app_with_its_identifiers_checked(client_in, ledger):
    url = reverse("admin:ledger_creditor_change", args=[ledger.pk])
    form = client_in.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    bad = client_in.post(url, data | {"iban": "FR76 1234"})
    assert bad.status_code == 200
    assert "invalid IBAN" in bad.content.decode()
    good = client_in.post(url, data | {"iban": "de89 3704 0044 0532 0130 00", "city": "Lyon"})
    assert good.status_code == 302
    ledger.refresh_from_db()
    assert (ledger.iban, ledger.city) == ("DE89370400440532013000", "Lyon")


def test_numbers_and_accounts_with_slashes_have_pages(client_in, ledger):
    customer = Customer.objects.create(creditor=ledger, code="411/ROY", name="Roy")
    Invoice.objects.create(
        creditor=ledger, customer=customer, number="FA/2026/001", issue_date="2026-01-01",
        due_date="2026-01-31", amount=100, open_amount=100, status="open",
    )  # fmt: skip
    assert client_in.get(reverse("invoices")).status_code == 200
    assert client_in.get(reverse("customer", args=["411/ROY"])).status_code == 200
    assert client_in.get(reverse("invoice", args=["FA/2026/001"])).status_code == 200


def test_invoice_number_search_finds_by_prefix(client_in, ledger):
    body = client_in.get(reverse("invoices"), {"q": "F3"}).content.decode()
    assert ">F3<" in body
    assert ">F1<" not in body
