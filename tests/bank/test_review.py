"""A person reviews the matching: accepts, splits, ignores and undoes, from the services
and from `relance match`; undone matches are reminded again and never re-applied alone."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from relance.audit import Event
from relance.bank import review
from relance.bank.matching import match_lines
from relance.bank.models import PayerAccount, StatementLine
from relance.bank.services import import_statement
from relance.channels.documents import payment_reference
from relance.cli import app
from relance.core.errors import DomainError
from relance.ledger.models import Allocation, Customer, Invoice, Payment
from relance.ledger.services import allocate_payment

DUE = date(2026, 3, 2)
TODAY = DUE + timedelta(days=3)
HEADER = "date,amount,currency,reference,text,counterparty,iban\n"
PAYER_IBAN = "FR7610107001011234567890129"
runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def shop(creditor):  # type: ignore[no-untyped-def]
    """Two customers: C1 owes F1 (1,200.00) and F2 (300.00), C2 owes F3 (500.00)."""
    c1 = Customer.objects.create(creditor=creditor, code="C1", name="Boulangerie Martin",
                                 email="compta@martin.example")  # fmt: skip
    c2 = Customer.objects.create(creditor=creditor, code="C2", name="Garage Petit",
                                 email="compta@petit.example")  # fmt: skip
    for customer, number, amount in ((c1, "F1", 120000), (c1, "F2", 30000), (c2, "F3", 50000)):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=number, issue_date=DUE - timedelta(days=30),
            due_date=DUE, amount=amount, open_amount=amount, status="open", currency="EUR",
        )  # fmt: skip
    return creditor


def lines(write, creditor, *rows: str) -> list[StatementLine]:  # type: ignore[no-untyped-def]
    import_statement(write("releve.csv", HEADER + "".join(rows)), creditor, "t")
    return list(StatementLine.objects.order_by("pk"))


def open_amounts() -> dict[str, int]:
    return dict(Invoice.objects.order_by("number").values_list("number", "open_amount"))


def test_accepting_a_proposal_applies_it_and_matching_leaves_the_line_alone(shop, write):
    (line,) = lines(write, shop, "2026-03-04,1199.85,EUR,,VIR SEPA,MARTIN,\n")
    assert line.match_status == "proposed"
    review.accept(shop, line.pk, actor="alice", today=TODAY)
    line.refresh_from_db()
    assert (line.match_status, line.payment.amount, line.payment.unapplied) == (
        "matched",
        119985,
        0,
    )
    assert open_amounts() == {"F1": 15, "F2": 30000, "F3": 50000}
    assert Invoice.objects.get(number="F1").status == "partially_paid"
    assert Customer.objects.get(code="C1").open_total == 30015  # balances refreshed
    assert match_lines(shop, actor="t", today=TODAY).proposed == []
    assert Event.objects.filter(actor="alice", verb="statement_line.matched").count() == 1
    with pytest.raises(DomainError, match="already matched"):
        review.accept(shop, line.pk, actor="alice", today=TODAY)


def test_a_payment_is_split_over_two_invoices_with_chosen_amounts(shop, write):
    (line,) = lines(write, shop, "2026-03-04,1000.00,EUR,,virement,INCONNU,\n")
    assert line.match_status == "unmatched"
    review.assign(shop, line.pk, "C1", [("F1", 70000), ("F2", 30000)], actor="a", today=TODAY)
    assert open_amounts() == {"F1": 50000, "F2": 0, "F3": 50000}
    line.refresh_from_db()
    assert line.proposal["reasons"] == ["manual"]
    assert sorted(line.payment.allocations.values_list("invoice__number", "amount")) == [
        ("F1", 70000), ("F2", 30000),
    ]  # fmt: skip


def test_an_amount_left_unsaid_takes_what_the_line_has_left(shop, write):
    (line,) = lines(write, shop, "2026-03-04,1000.00,EUR,,virement,INCONNU,\n")
    review.assign(shop, line.pk, "C1", [("F2", 30000), ("F1", None)], actor="a", today=TODAY)
    assert open_amounts() == {"F1": 50000, "F2": 0, "F3": 50000}


def test_an_overpayment_stays_on_the_payment_as_the_customers_credit(shop, write):
    (line,) = lines(write, shop, "2026-03-04,450.00,EUR,,virement,INCONNU,\n")
    review.assign(shop, line.pk, "C1", [("F2", None)], actor="a", today=TODAY)
    line.refresh_from_db()
    assert (line.payment.customer.code, line.payment.unapplied) == ("C1", 15000)
    assert open_amounts()["F2"] == 0
    describe = review.describe(line)
    assert describe["payment"] == {
        "customer": "C1", "unapplied": "150.00",
        "allocations": [{"invoice": "F2", "amount": "300.00"}],
    }  # fmt: skip


def test_more_than_an_invoice_owes_or_than_the_line_brings_is_refused(shop, write):
    (line,) = lines(write, shop, "2026-03-04,1000.00,EUR,,virement,INCONNU,\n")
    with pytest.raises(
        DomainError, match=r"F2: 400\.00 is not between 0 and its open amount 300\.00"
    ):
        review.assign(shop, line.pk, "C1", [("F2", 40000)], actor="a", today=TODAY)
    with pytest.raises(DomainError, match=r"1100\.00 allocated is more than the line's 1000\.00"):
        review.assign(shop, line.pk, "C1", [("F1", 80000), ("F2", 30000)], actor="a", today=TODAY)
    with pytest.raises(DomainError, match="F3: not an invoice of customer C1"):
        review.assign(shop, line.pk, "C1", [("F3", 100)], actor="a", today=TODAY)
    assert not Payment.objects.exists()
    assert open_amounts() == {"F1": 120000, "F2": 30000, "F3": 50000}
    line.refresh_from_db()
    assert line.match_status == "unmatched"


def test_an_ignored_line_is_left_alone_by_matching_until_undone(shop, write):
    (line,) = lines(write, shop, "2026-03-04,300.00,EUR,,REMBOURSEMENT,ASSURANCE,\n")
    assert line.match_status == "proposed"  # the amount alone fits F2
    review.ignore(shop, line.pk, actor="a")
    line.refresh_from_db()
    assert line.match_status == "ignored"
    match_lines(shop, actor="t", today=TODAY)
    line.refresh_from_db()
    assert line.match_status == "ignored"
    with pytest.raises(DomainError, match="already ignored"):
        review.accept(shop, line.pk, actor="a", today=TODAY)
    review.undo(shop, line.pk, actor="a", today=TODAY)
    line.refresh_from_db()
    assert (line.match_status, line.proposal["parts"]) == ("proposed", [["F2", 30000]])


def test_undo_reopens_what_the_match_closed_and_keeps_other_payments(shop, write):
    c1 = Customer.objects.get(code="C1")
    cheque = Payment.objects.create(creditor=shop, customer=c1, key="cheque-1", date=DUE,
                                    amount=20000, currency="EUR", unapplied=20000)  # fmt: skip
    allocate_payment(cheque, [("F1", 20000)], actor="t")
    ref = payment_reference(c1)
    (line,) = lines(write, shop, f"2026-03-04,1300.00,EUR,{ref},,MARTIN,{PAYER_IBAN}\n")
    assert line.match_status == "matched"  # F1's 1,000.00 left and F2's 300.00
    assert open_amounts() == {"F1": 0, "F2": 0, "F3": 50000}
    assert PayerAccount.objects.filter(iban=PAYER_IBAN).exists()

    review.undo(shop, line.pk, actor="a", today=TODAY)
    assert open_amounts() == {"F1": 100000, "F2": 30000, "F3": 50000}
    assert dict(Invoice.objects.values_list("number", "status")) == {
        "F1": "partially_paid", "F2": "open", "F3": "open",
    }  # fmt: skip
    assert list(Allocation.objects.values_list("payment__key", "amount")) == [("cheque-1", 20000)]
    assert list(Payment.objects.values_list("key", flat=True)) == ["cheque-1"]
    assert Customer.objects.get(code="C1").open_total == 130000
    line.refresh_from_db()
    assert (line.match_status, line.payment) == ("proposed", None)
    assert line.proposal["parts"] == [["F1", 100000], ["F2", 30000]]
    assert line.review["undone"] == [{"customer": "C1", "invoices": ["F1", "F2"]}]
    # the payer was learned from this match only: forgotten with it
    assert not PayerAccount.objects.exists()

    events = Event.objects.count()
    review.undo(shop, line.pk, actor="a", today=TODAY)  # twice: nothing more
    assert Event.objects.count() == events
    assert open_amounts() == {"F1": 100000, "F2": 30000, "F3": 50000}


def test_undo_keeps_the_payer_iban_another_matched_line_was_paid_from(shop, write):
    ref = payment_reference(Customer.objects.get(code="C1"))
    lines(write, shop, f"2026-03-04,1200.00,EUR,{ref},,MARTIN,{PAYER_IBAN}\n")
    first, second = lines(write, shop, f"2026-03-05,300.00,EUR,,virement,MARTIN,{PAYER_IBAN}\n")
    assert (first.match_status, second.match_status) == ("matched", "matched")
    review.undo(shop, second.pk, actor="a", today=TODAY)
    assert PayerAccount.objects.filter(iban=PAYER_IBAN).exists()
    assert open_amounts() == {"F1": 0, "F2": 30000, "F3": 50000}


def test_the_undone_match_is_proposed_again_but_not_applied_by_the_next_run(shop, write):
    ref = payment_reference(Customer.objects.get(code="C2"))
    (line,) = lines(write, shop, f"2026-03-04,500.00,EUR,{ref},,PETIT,\n")
    assert line.match_status == "matched"
    review.undo(shop, line.pk, actor="a", today=TODAY)
    result = match_lines(shop, actor="t", today=TODAY)
    assert (result.matched, [p.pk for p in result.proposed]) == (0, [line.pk])
    line.refresh_from_db()
    assert (line.match_status, line.match_score) == ("proposed", 100)
    assert open_amounts()["F3"] == 50000
    # a person may still accept it
    review.accept(shop, line.pk, actor="a", today=TODAY)
    assert open_amounts()["F3"] == 0


def test_an_accepted_match_undone_goes_back_to_its_proposal(shop, write):
    (line,) = lines(write, shop, "2026-03-04,1199.85,EUR,,VIR SEPA,MARTIN,\n")
    before = (line.proposal, line.match_score)
    review.accept(shop, line.pk, actor="a", today=TODAY)
    review.undo(shop, line.pk, actor="a", today=TODAY)
    line.refresh_from_db()
    assert (line.match_status, (line.proposal, line.match_score)) == ("proposed", before)
    assert open_amounts()["F1"] == 120000


def test_the_run_reminds_a_reopened_overdue_invoice_not_an_accepted_one(shop, write):
    assert relance("init").exit_code == 0
    Invoice.objects.filter(number="F2").delete()
    ref = payment_reference(Customer.objects.get(code="C1"))
    auto, short = lines(
        write, shop,
        f"2026-03-04,1200.00,EUR,{ref},,MARTIN,\n", "2026-03-04,500.00,EUR,,virement,,\n",
    )  # fmt: skip
    assert (auto.match_status, short.match_status) == ("matched", "proposed")
    out = json.loads(relance("match", "accept", str(short.pk), "--json").stdout)
    assert (out["status"], out["payment"]["allocations"]) == (
        "matched", [{"invoice": "F3", "amount": "500.00"}],
    )  # fmt: skip
    out = json.loads(relance("match", "undo", str(auto.pk), "--json").stdout)
    assert (out["status"], out["payment"]) == ("proposed", None)
    run = json.loads(
        relance("run", "--date", (DUE + timedelta(days=10)).isoformat(), "--json").stdout
    )
    assert {a["customer"] for a in run["actions"]} == {"C1"}


def test_the_match_commands_assign_ignore_and_list(shop, write):
    first, second = lines(
        write, shop,
        "2026-03-04,1000.00,EUR,,virement,INCONNU,\n", "2026-03-05,12.34,EUR,,INTERETS,BANQUE,\n",
    )  # fmt: skip
    out = relance("match", "assign", str(first.pk), "--customer", "C1",
                  "--invoice", "F1=700,00", "--invoice", "F2", "--json")  # fmt: skip
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["payment"]["allocations"] == [
        {"invoice": "F1", "amount": "700.00"}, {"invoice": "F2", "amount": "300.00"},
    ]  # fmt: skip
    out = json.loads(relance("match", "ignore", str(second.pk), "--json").stdout)
    assert out["status"] == "ignored"
    refused = relance("match", "assign", str(second.pk), "--customer", "C1", "--invoice", "F1")
    assert refused.exit_code == 1
    assert "already ignored" in refused.output
    listing = relance("match", "--json")
    assert listing.exit_code == 0
    assert json.loads(listing.stdout)["proposals"] == []
    assert relance("match").exit_code == 0
