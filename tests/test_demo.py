"""The demo ledger: deterministic, valid identifiers, every case a credit manager expects."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from django.contrib.auth import authenticate
from django.db.models import Sum
from schwifty import IBAN
from stdnum.fr import siren, tva

from relance.audit import Event
from relance.core.ledger import InvoiceStatus, invoice_status, overdue_bucket
from relance.demo import (
    DEMO_PASSWORD,
    DEMO_USER,
    Behaviour,
    DemoCustomer,
    build_demo,
    french_iban,
    generate,
    luhn_check_digit,
)
from relance.ledger.models import Allocation, Creditor, Customer, Invoice, Payment

TODAY = date(2026, 3, 2)


def small_demo(seed: int = 7, customers: int = 40) -> list[DemoCustomer]:
    return list(generate(customers=customers, invoices_per_customer=10, seed=seed, today=TODAY))


@pytest.fixture
def demo_db() -> dict[str, int]:
    return build_demo(customers=40, invoices_per_customer=10, seed=7, today=TODAY)


def test_demo_is_deterministic_for_a_seed() -> None:
    assert small_demo(seed=7) == small_demo(seed=7)
    assert small_demo(seed=7) != small_demo(seed=8)


def test_every_demo_siren_and_vat_number_is_valid() -> None:
    customers = small_demo(customers=200)
    numbers = [c.registration_number for c in customers if c.registration_number]
    assert len(numbers) >= 180  # every business and public buyer has one
    assert all(siren.is_valid(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    assert all(tva.is_valid(c.vat_number) for c in customers if c.vat_number)
    assert all(IBAN(c.iban).is_valid for c in customers if c.iban)


def test_luhn_check_digit_matches_known_sirens_and_ibans_are_valid() -> None:
    assert luhn_check_digit("73282932") == "0"  # 732 829 320
    assert IBAN(french_iban("30006", "00001", "12345678901")).compact == (
        "FR7630006000011234567890189"
    )


def test_demo_mixes_kinds_segments_terms_and_behaviours() -> None:
    customers = small_demo()
    assert Counter(c.kind for c in customers) == {"b2b": 36, "b2c": 2, "public": 2}
    assert {c.behaviour for c in customers} == set(Behaviour)
    assert {"PME", "Particulier", "Public"} <= {c.segment for c in customers}
    assert {"30", "45EOM", "60"} <= {c.payment_terms for c in customers}
    assert all(1 <= len(c.contacts) <= 3 for c in customers)
    legal_forms = {c.name.rsplit(" ", 1)[1] for c in customers if c.segment in ("PME", "ETI")}
    assert legal_forms & {"SARL", "SAS", "SASU", "EURL", "SA"}


def test_invoice_numbers_are_unique_and_chronological_per_series() -> None:
    invoices = [i for c in small_demo() for i in c.invoices]
    assert len({i.number for i in invoices}) == len(invoices)
    for prefix in ("F2025-", "AV2025-"):
        series = sorted((i.number, i.issue_date) for i in invoices if i.number.startswith(prefix))
        assert series
        assert [d for _, d in series] == sorted(d for _, d in series)


def test_demo_amounts_are_plausible() -> None:
    invoices = [i for c in small_demo(customers=200) for i in c.invoices]
    amounts = sorted(i.amount for i in invoices if i.kind == "invoice")
    assert 80_000 <= amounts[len(amounts) // 2] <= 250_000  # median near 1,500 EUR
    credit_notes = [i for i in invoices if i.kind == "credit_note"]
    assert 0.01 <= len(credit_notes) / len(invoices) <= 0.06
    assert all(i.amount < 0 for i in credit_notes)
    for i in invoices:
        assert abs(i.amount_excl_tax * 1.2 - i.amount) <= 1
    per_month = Counter(i.issue_date.month for i in invoices if i.issue_date.year == 2025)
    assert per_month[8] < min(n for month, n in per_month.items() if month != 8)


@pytest.mark.django_db
def test_demo_has_every_payment_behaviour_and_overdue_ages(demo_db: dict[str, int]) -> None:
    open_buckets = Counter(
        overdue_bucket(due, as_of=TODAY)
        for due in Invoice.objects.filter(kind="invoice")
        .exclude(open_amount=0)
        .values_list("due_date", flat=True)
    )
    assert all(open_buckets[b] > 0 for b in ("not_due", "1-30", "31-60", "over_90"))
    statuses = Counter(Invoice.objects.filter(kind="invoice").values_list("status", flat=True))
    assert all(statuses[s] > 0 for s in InvoiceStatus)
    assert Payment.objects.filter(amount__lt=0).count() == 0
    assert {"virement"} <= set(Payment.objects.values_list("method", flat=True))
    assert demo_db["customers"] == 40
    assert demo_db["invoices"] == Invoice.objects.count()
    assert demo_db["payments"] == Payment.objects.count()


@pytest.mark.django_db
def test_demo_open_amounts_match_allocations(demo_db: dict[str, int]) -> None:
    allocated = dict(
        Allocation.objects.values("invoice_id")
        .annotate(total=Sum("amount"))
        .values_list("invoice_id", "total")
    )
    for inv in Invoice.objects.all():
        assert inv.amount - allocated.get(inv.pk, 0) - inv.settled_elsewhere == inv.open_amount
        assert inv.status == invoice_status(inv.amount, inv.open_amount)
    for payment in Payment.objects.all():
        assert sum(a.amount for a in payment.allocations.all()) == payment.amount
        assert str(payment.allocations.first().invoice.number) in payment.reference


@pytest.mark.django_db
def test_demo_creates_the_login(demo_db: dict[str, int]) -> None:
    user = authenticate(username=DEMO_USER, password=DEMO_PASSWORD)
    assert user is not None
    assert user.is_superuser
    assert user.is_staff


@pytest.mark.django_db
def test_demo_creates_one_creditor_with_valid_details_and_one_audit_event(
    demo_db: dict[str, int],
) -> None:
    creditor = Creditor.objects.get()
    assert creditor.name == "Atelier Demo SAS"
    assert siren.is_valid(creditor.registration_number)
    assert creditor.iban == "FR7630006000011234567890189"
    assert "40 euros" in creditor.late_penalty_clause
    events = Event.objects.filter(verb="demo.generated")
    assert events.count() == 1
    assert events.get().data["invoices"] == demo_db["invoices"]


@pytest.mark.django_db
def test_running_the_demo_twice_keeps_the_first_ledger(demo_db: dict[str, int]) -> None:
    again = build_demo(customers=40, invoices_per_customer=10, seed=7, today=TODAY)
    assert again == demo_db
    assert Creditor.objects.count() == 1
    assert Customer.objects.count() == 40
    assert authenticate(username=DEMO_USER, password=DEMO_PASSWORD) is not None


@pytest.mark.django_db
def test_the_demo_has_reasons_disputes_and_promises_kept_and_broken(
    demo_db: dict[str, int],
) -> None:
    from relance.collection.models import Dispute, Note, Promise

    assert Note.objects.values("reason").distinct().count() >= 3
    assert Dispute.objects.filter(status="open", due_on__lt=TODAY).exists()
    assert set(Promise.objects.values_list("status", flat=True)) == {"open", "broken"}
