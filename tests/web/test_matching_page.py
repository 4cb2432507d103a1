"""The matching page: lines to review with their proposals in words, and accept, change
(split), ignore and undo, as plain forms and as htmx requests answered with the row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from tests.members import member

from relance.bank.models import StatementLine
from relance.bank.services import import_statement
from relance.channels.documents import payment_reference
from relance.ledger.models import Customer, Invoice

HEADER = "date,amount,currency,reference,text,counterparty,iban\n"
HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_in(client, creditor):  # type: ignore[no-untyped-def]
    user = member("alice", password="x" * 12)
    client.force_login(user)
    return client


@pytest.fixture
def statement(creditor, write):  # type: ignore[no-untyped-def]
    """C1 owes F1 (1,200.00) and F2 (300.00); C2 owes F3 (500.00). Three lines: C2's
    payment with its RF reference (applied), one short of F1 (proposed), one unknown."""
    due = timezone.localdate() - timedelta(days=10)
    c1 = Customer.objects.create(creditor=creditor, code="C1", name="Boulangerie Martin")
    c2 = Customer.objects.create(creditor=creditor, code="C2", name="Garage Petit")
    for customer, number, amount in ((c1, "F1", 120000), (c1, "F2", 30000), (c2, "F3", 50000)):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=number, issue_date=due - timedelta(days=30),
            due_date=due, amount=amount, open_amount=amount, status="open", currency="EUR",
        )  # fmt: skip
    day = timezone.localdate().isoformat()
    rows = (
        f"{day},500.00,EUR,{payment_reference(c2)},,PETIT,\n"
        f"{day},1199.85,EUR,,Facture de mars,MARTIN,\n"
        f"{day},1000.00,EUR,,virement,INCONNU,\n"
    )
    import_statement(write("releve.csv", HEADER + rows), creditor, "t")
    return {line.text or "rf": line for line in StatementLine.objects.all()}


def open_amounts() -> dict[str, int]:
    return dict(Invoice.objects.order_by("number").values_list("number", "open_amount"))


def test_the_page_lists_lines_to_review_and_explains_the_proposal(client_in, statement):
    response = client_in.get(reverse("matching"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Facture de mars") < page.index("virement") < page.index("Recently matched")
    assert "the amount is a little short of the invoices" in page
    assert "score 25" in page
    assert "No invoice found for this payment." in page
    assert 'data-key="undo"' in page  # the payment applied on import can be undone
    assert "<kbd>j</kbd>" in page
    assert "matching.js" in page
    assert reverse("matching") in client_in.get(reverse("customers")).content.decode()  # nav


def test_the_page_speaks_french(client_in, statement):
    client_in.cookies["django_language"] = "fr"
    page = client_in.get(reverse("matching")).content.decode()
    assert "Rapprochement" in page
    assert "Accepter" in page
    assert "À vérifier" in page


def test_accept_works_without_javascript(client_in, statement):
    line = statement["Facture de mars"]
    url = reverse("matching-decide", args=[line.pk, "accept"])
    response = client_in.post(url, {"next": reverse("matching")})
    assert response.status_code == 302
    assert response["Location"] == reverse("matching")
    assert open_amounts()["F1"] == 15
    line.refresh_from_db()
    assert line.match_status == "matched"


def test_htmx_accept_ignore_and_undo_answer_with_the_row(client_in, statement):
    short, unknown = statement["Facture de mars"], statement["virement"]
    response = client_in.post(reverse("matching-decide", args=[short.pk, "accept"]), **HX)
    row = response.content.decode()
    assert row.strip().startswith(f'<tbody id="line-{short.pk}"')
    assert 'data-key="undo"' in row
    assert "<html" not in row
    response = client_in.post(reverse("matching-decide", args=[unknown.pk, "ignore"]), **HX)
    assert 'data-key="undo"' in response.content.decode()
    response = client_in.post(reverse("matching-decide", args=[short.pk, "undo"]), **HX)
    assert 'data-key="accept"' in response.content.decode()
    assert open_amounts()["F1"] == 120000
    # undone twice: the row again, nothing changed
    response = client_in.post(reverse("matching-decide", args=[short.pk, "undo"]), **HX)
    assert response.status_code == 200
    assert open_amounts()["F1"] == 120000


def test_a_refused_action_shows_its_reason_in_the_row(client_in, statement):
    applied = statement["rf"]
    response = client_in.post(reverse("matching-decide", args=[applied.pk, "accept"]), **HX)
    assert response.status_code == 200
    assert f"line {applied.pk} is already matched" in response.content.decode()


def test_change_picks_a_customer_then_splits_the_line_over_two_invoices(client_in, statement):
    line = statement["virement"]
    url = reverse("matching-change", args=[line.pk])
    found = client_in.get(url, {"customer": "martin"}, **HX).content.decode()
    assert "?customer=C1" in found  # found by name
    form = client_in.get(url, {"customer": "C1"}, **HX).content.decode()
    assert 'name="amount-F1"' in form
    assert 'name="amount-F2"' in form
    assert 'name="amount-F3"' not in form
    too_much = {"customer": "C1", "invoice": ["F2"], "amount-F2": "400,00"}
    refused = client_in.post(url, too_much, **HX).content.decode()
    assert "F2: 400.00 is not between 0 and its open amount 300.00" in refused
    assert open_amounts() == {"F1": 120000, "F2": 30000, "F3": 0}
    split = {"customer": "C1", "invoice": ["F1", "F2"], "amount-F1": "700,00", "amount-F2": ""}
    row = client_in.post(url, split, **HX).content.decode()
    assert 'data-key="undo"' in row
    assert open_amounts() == {"F1": 50000, "F2": 0, "F3": 0}


def test_change_works_without_javascript_and_keeps_the_rest_as_credit(client_in, statement):
    line = statement["virement"]
    url = reverse("matching-change", args=[line.pk])
    page = client_in.get(url, {"customer": "C1"})
    assert page.status_code == 200
    assert "<html" in page.content.decode()
    response = client_in.post(url, {"customer": "C1", "invoice": ["F2"], "amount-F2": ""})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.payment.customer.code, line.payment.unapplied) == ("C1", 70000)
    assert open_amounts()["F2"] == 0


def _customers_paying(creditor, write, first: int, count: int) -> None:  # type: ignore[no-untyped-def]
    """`count` more customers, each with three lines: a payment applied on import (with
    two allocations), a proposal and an unknown transfer."""
    due = timezone.localdate() - timedelta(days=10)
    day = timezone.localdate().isoformat()
    rows = ""
    for k in range(first, first + count):
        customer = Customer.objects.create(creditor=creditor, code=f"G{k}", name=f"Garage {k}")
        for n, amount in ((1, 120000), (2, 30000)):
            Invoice.objects.create(
                creditor=creditor, customer=customer, number=f"G{k}-{n}", due_date=due,
                issue_date=due - timedelta(days=30), amount=amount, open_amount=amount,
                status="open", currency="EUR",
            )  # fmt: skip
        rows += f"{day},1500.00,EUR,{payment_reference(customer)},,GARAGE {k},\n"
        rows += f"{day},1199.85,EUR,,Facture G{k}-1,,\n"
        rows += f"{day},{k}.33,EUR,,virement,INCONNU {k},\n"
    import_statement(write(f"releve-{first}.csv", HEADER + rows), creditor, "t")


def test_the_page_reads_the_same_few_queries_however_many_lines(
    client_in, creditor, write, django_assert_max_num_queries
):
    # The lists of lines, then their customers, payments and allocations in one query
    # each: eight in all, with 6 lines as with 36 (one more per payment before).
    for first, count in ((0, 2), (2, 10)):
        _customers_paying(creditor, write, first, count)
        with django_assert_max_num_queries(8):
            page = client_in.get(reverse("matching")).content.decode()
        assert page.count('data-key="undo"') == first + count  # every applied payment shown
