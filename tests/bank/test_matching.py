"""Statement lines matched to invoices: applied when sure, proposed otherwise, never twice,
and before every collection run."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from relance.audit import Event
from relance.bank.matching import match_lines
from relance.bank.models import PayerAccount, StatementLine
from relance.bank.services import import_statement
from relance.channels.documents import payment_reference
from relance.cli import app
from relance.collection.models import Action
from relance.ledger.models import Customer, Invoice, Payment

MONDAY = date(2026, 3, 2)
HEADER = "date,amount,currency,reference,text,counterparty,iban\n"
PAYER_IBAN = "FR7610107001011234567890129"
runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def bakery(creditor):  # type: ignore[no-untyped-def]
    customer = Customer.objects.create(
        creditor=creditor, code="C001", name="Boulangerie Martin", email="compta@martin.example",
        address="1 rue Haute", postal_code="69001", city="Lyon",
    )  # fmt: skip
    for number, amount in (("F2026-0042", 120000), ("F2026-0043", 30000)):
        Invoice.objects.create(
            creditor=creditor, customer=customer, number=number, issue_date=MONDAY - timedelta(days=30),
            due_date=MONDAY, amount=amount, open_amount=amount, status="open", currency="EUR",
        )  # fmt: skip
    return customer


def statement(write, creditor, *rows: str):  # type: ignore[no-untyped-def]
    return import_statement(write("releve.csv", HEADER + "".join(rows)), creditor, "t")


def open_amounts() -> dict[str, int]:
    return dict(Invoice.objects.values_list("number", "open_amount"))


def test_a_line_with_the_customers_rf_reference_pays_its_invoice(creditor, bakery, write):
    ref = payment_reference(bakery)
    result = statement(write, creditor, f"2026-03-05,1200.00,EUR,{ref},,MARTIN,{PAYER_IBAN}\n")
    assert result.matched == 1
    assert open_amounts() == {"F2026-0042": 0, "F2026-0043": 30000}
    line = StatementLine.objects.get()
    assert (line.match_status, line.match_score) == ("matched", 100)
    # MARTIN is part of the customer's name: weak evidence, next to the reference
    assert line.proposal["reasons"] == ["reference", "customer_name_partial", "amount"]
    payment = line.payment
    assert (payment.customer, payment.amount, payment.unapplied) == (bakery, 120000, 0)
    assert Invoice.objects.get(number="F2026-0042").status == "paid"
    # the payer's IBAN is learned: its next payment of the other invoice needs no reference
    assert list(PayerAccount.objects.values_list("iban", flat=True)) == [PAYER_IBAN]
    statement(write, creditor, f"2026-03-06,300.00,EUR,,virement,MARTIN,{PAYER_IBAN}\n")
    assert open_amounts() == {"F2026-0042": 0, "F2026-0043": 0}
    verbs = set(Event.objects.values_list("verb", flat=True))
    assert {"payment.created", "invoice.allocated", "statement_line.matched",
            "payer_account.learned"} <= verbs  # fmt: skip


def test_an_invoice_number_written_differently_in_the_text_is_matched(creditor, bakery, write):
    statement(write, creditor, "2026-03-05,1200.00,EUR,,REGLEMENT FACT F 2026-42,MARTIN,\n")
    assert open_amounts() == {"F2026-0042": 0, "F2026-0043": 30000}


def test_two_invoices_summing_to_the_amount_are_both_paid(creditor, bakery, write):
    ref = payment_reference(bakery)
    result = statement(write, creditor, f"2026-03-05,1500.00,EUR,{ref},,MARTIN,\n")
    assert result.matched == 1
    assert open_amounts() == {"F2026-0042": 0, "F2026-0043": 0}
    assert StatementLine.objects.get().proposal["reasons"] == [
        "reference", "customer_name_partial", "amount_sum",
    ]  # fmt: skip


def test_an_invoice_named_and_paid_short_of_a_bank_fee_gets_the_money_and_stays_open_for_the_rest(
    creditor, bakery, write
):
    row = "2026-03-05,1199.85,EUR,,F2026-0042,BOULANGERIE MARTIN,\n"
    result = statement(write, creditor, row)
    assert result.matched == 1
    assert open_amounts() == {"F2026-0042": 15, "F2026-0043": 30000}
    line = StatementLine.objects.get()
    assert line.proposal["reasons"] == ["invoice_number", "customer_name", "amount_part"]


def test_an_amount_short_by_a_bank_fee_naming_no_invoice_is_proposed_not_applied(
    creditor, bakery, write
):
    result = statement(write, creditor, "2026-03-05,1199.85,EUR,,VIR SEPA,MARTIN,\n")
    assert result.matched == 0
    assert open_amounts() == {"F2026-0042": 120000, "F2026-0043": 30000}
    assert not Payment.objects.exists()
    line = StatementLine.objects.get()
    assert line.match_status == "proposed"
    assert line.proposal == {"customer": "C001", "parts": [["F2026-0042", 119985]],
                             "reasons": ["customer_name_partial", "amount_close"]}  # fmt: skip
    out = relance("match", "--json")
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert data["matched"] == 0
    assert [(p["customer"], p["invoices"], p["reasons"]) for p in data["proposals"]] == [
        (
            "C001",
            [{"number": "F2026-0042", "amount": "1199.85"}],
            ["customer_name_partial", "amount_close"],
        )
    ]


def test_a_line_without_evidence_stays_unmatched(creditor, bakery, write):
    statement(
        write,
        creditor,
        "2026-03-05,77.00,EUR,,cotisation,AUTRE,\n",
        "2026-03-05,-50.00,EUR,,frais,,\n",
    )
    assert dict(StatementLine.objects.values_list("amount", "match_status")) == {
        7700: "unmatched", -5000: "",
    }  # fmt: skip


def test_matching_again_applies_nothing_twice(creditor, bakery, write):
    ref = payment_reference(bakery)
    path = write("releve.csv", HEADER + f"2026-03-05,1200.00,EUR,{ref},,MARTIN,\n")
    import_statement(path, creditor, "t")
    again = import_statement(path, creditor, "t")
    assert (again.created, again.matched) == (0, 0)
    assert match_lines(creditor, actor="t", today=MONDAY).matched == 0
    # a line marked unmatched by hand keeps its payment: the key makes it the same one
    StatementLine.objects.update(match_status="unmatched")
    match_lines(creditor, actor="t", today=MONDAY)
    assert Payment.objects.count() == 1
    assert open_amounts() == {"F2026-0042": 0, "F2026-0043": 30000}
    assert Event.objects.filter(verb="invoice.allocated").count() == 1


def test_the_run_after_a_statement_does_not_remind_the_paid_invoice(creditor, bakery, write):
    assert relance("init").exit_code == 0
    Invoice.objects.filter(number="F2026-0043").delete()
    path = write("releve.csv", HEADER + "2026-03-04,1200.00,EUR,,Facture F2026-0042,MARTIN,\n")
    out = relance("import", "statement", str(path), "--json")
    assert out.exit_code == 0
    assert json.loads(out.stdout)["matched"] == 1
    run = json.loads(
        relance("run", "--date", (MONDAY + timedelta(days=3)).isoformat(), "--json").stdout
    )
    assert run["actions"] == []
    assert not Action.objects.exists()


def test_a_statement_line_found_by_the_run_stops_the_reminder(creditor, bakery, write):
    """A line stored without matching (an import older than matching) is matched by the run."""
    assert relance("init").exit_code == 0
    Invoice.objects.filter(number="F2026-0043").delete()
    path = write("releve.csv", HEADER + "2026-03-04,1200.00,EUR,,F2026-0042,MARTIN,\n")
    import_statement(path, creditor, "t")
    payment = StatementLine.objects.get().payment
    StatementLine.objects.update(match_status="", payment=None)
    payment.allocations.all().delete()
    payment.delete()
    Invoice.objects.filter(number="F2026-0042").update(open_amount=120000, status="open")
    day = (MONDAY + timedelta(days=3)).isoformat()
    assert json.loads(relance("run", "--date", day, "--json").stdout)["actions"] == []
    assert open_amounts() == {"F2026-0042": 0}


def test_a_payer_name_is_learned_and_then_identifies_the_customer(creditor, bakery, write):
    from relance.bank.models import PayerName

    ref = payment_reference(bakery)
    # paid by the parent company, with the reference: applied, its name learned
    statement(write, creditor, f"2026-03-05,1200.00,EUR,{ref},,HOLDING DURAND SAS,\n")
    assert list(PayerName.objects.values_list("customer__code", "name")) == [("C001", "DURAND")]
    assert "payer_name.learned" in set(Event.objects.values_list("verb", flat=True))
    # next time the name and the amount are enough
    result = statement(write, creditor, "2026-03-09,300.00,EUR,,virement,Holding Durand,\n")
    assert result.matched == 1
    assert open_amounts() == {"F2026-0042": 0, "F2026-0043": 0}
    assert StatementLine.objects.order_by("id").last().proposal["reasons"] == ["name", "amount"]


def test_the_customers_own_name_and_an_undistinctive_name_are_not_learned(creditor, bakery, write):
    from relance.bank.models import PayerName

    ref = payment_reference(bakery)
    statement(write, creditor, f"2026-03-05,1200.00,EUR,{ref},,BOULANGERIE MARTIN SARL,\n")
    statement(write, creditor, f"2026-03-06,300.00,EUR,{ref},,SARL AB,\n")
    assert not PayerName.objects.exists()


def test_an_overpayment_pays_the_invoice_and_keeps_the_rest_as_a_credit(creditor, bakery, write):
    ref = payment_reference(bakery)
    result = statement(write, creditor, f"2026-03-05,1250.00,EUR,{ref},F2026-0042,MARTIN,\n")
    assert result.matched == 1
    line = StatementLine.objects.get()
    assert "amount_over" in line.proposal["reasons"]
    assert open_amounts() == {"F2026-0042": 0, "F2026-0043": 30000}
    assert (line.payment.amount, line.payment.unapplied) == (125000, 5000)


def test_an_invoices_payment_reference_pays_it(creditor, bakery, write):
    Invoice.objects.filter(number="F2026-0043").update(payment_reference="+++090/9337/55493+++")
    result = statement(write, creditor, "2026-03-05,300.00,EUR,,+++090/9337/55493+++,X,\n")
    assert result.matched == 1
    assert StatementLine.objects.get().proposal["reasons"] == ["payment_reference", "amount"]
    assert open_amounts() == {"F2026-0042": 120000, "F2026-0043": 0}
