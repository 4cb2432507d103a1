"""Cases: their states as a table, the engine leaving a handed-off customer alone, the
amounts split at hand-off, payments the partner reports, and the CLI."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from relance.audit import Event
from relance.cli import app
from relance.collection.services import run_collection
from relance.core.errors import DomainError
from relance.core.handoff import (
    TRANSITIONS,
    CaseEvent,
    CaseOutcome,
    CaseStatus,
    Claimed,
    IllegalTransition,
    injunction_form,
    totals,
    transition,
)
from relance.core.money import Money
from relance.handoff import queries
from relance.handoff.models import Case, Partner
from relance.handoff.services import close_case, hand_off, record_payment
from relance.law.interest import covered
from relance.law.interest import interest as compute_interest
from relance.ledger.models import Allocation, Invoice, Payment

from .conftest import HANDOFF_DAY, queue

runner = CliRunner()


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    ("status", "event", "expected"),
    [
        (CaseStatus.HANDED_OFF, CaseEvent.PAID, (CaseStatus.CLOSED, CaseOutcome.PAID)),
        (CaseStatus.HANDED_OFF, CaseEvent.WITHDRAW, (CaseStatus.CLOSED, CaseOutcome.WITHDRAWN)),
        (CaseStatus.HANDED_OFF, CaseEvent.UNCOLLECTABLE, (CaseStatus.CLOSED, CaseOutcome.UNCOLLECTABLE)),
        (CaseStatus.CLOSED, CaseEvent.PAID, None),
        (CaseStatus.CLOSED, CaseEvent.WITHDRAW, None),
        (CaseStatus.CLOSED, CaseEvent.UNCOLLECTABLE, None),
    ],
)  # fmt: skip
def test_a_case_closes_once_from_handed_off(status, event, expected):
    if expected is None:
        with pytest.raises(IllegalTransition):
            transition(status, event)
    else:
        assert transition(status, event) == expected


def test_the_transition_table_covers_every_event_of_an_open_case():
    assert {e for (s, e) in TRANSITIONS if s is CaseStatus.HANDED_OFF} == set(CaseEvent)


@pytest.mark.parametrize(
    ("kind", "cerfa", "court"),
    [("b2b", "12946", "commercial"), ("b2c", "12948", "civil"), ("public", "", None)],
)
def test_the_injunction_form_follows_the_customer_kind(kind, cerfa, court):
    form = injunction_form(kind)
    assert (form.cerfa, form.court) == (cerfa, court)


def test_an_open_case_makes_the_run_skip_the_customer_as_handed_off(creditor, debtor, agency):
    hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")
    result = run_collection(creditor, HANDOFF_DAY + timedelta(days=1), actor="test")
    assert result.actions == []
    assert [(s["customer"], s["reason"]) for s in result.skipped] == [("C001", "handed_off")]


def test_a_withdrawn_case_gives_the_customer_back_to_dunning(creditor, debtor, agency):
    case = hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")
    close_case(case, CaseEvent.WITHDRAW, on=HANDOFF_DAY + timedelta(days=2), actor="test")
    result = run_collection(creditor, HANDOFF_DAY + timedelta(days=3), actor="test")
    assert "handed_off" not in [s["reason"] for s in result.skipped]
    assert [a["customer"] for a in result.actions] == ["C001"]


def test_a_hand_off_stores_principal_penalties_and_indemnity_as_relance_interest_computes(
    debtor, agency
):
    case = hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")
    until = covered(HANDOFF_DAY)
    assert case.penalties_until == until
    for item in case.items.select_related("invoice"):
        computed = compute_interest(item.invoice, until)
        assert (item.principal, item.penalties, item.indemnity) == (
            item.invoice.open_amount,
            Money.of(computed["penalties"], "EUR").minor,
            Money.of(computed["indemnity"], "EUR").minor,
        )
        assert item.penalties > 0
    assert [(t.currency, t.principal) for t in queries.totals(case)] == [("EUR", 150000)]
    assert Event.objects.filter(verb="case.handed_off", subject_id=debtor.pk).count() == 1


def test_a_customer_cannot_be_handed_off_twice(debtor, agency):
    hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")
    with pytest.raises(DomainError, match="already handed off"):
        hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")
    assert Case.objects.count() == 1


def test_a_paid_invoice_cannot_be_handed_off_and_nothing_is_saved(debtor, agency):
    Invoice.objects.filter(number="F2").update(open_amount=0, status="paid")
    with pytest.raises(DomainError, match="F2 has nothing open"):
        hand_off(debtor, agency, on=HANDOFF_DAY, actor="test", invoices=["F1", "F2"])
    assert not Case.objects.exists()


def test_partner_payments_are_allocated_and_the_last_one_closes_the_case(debtor, agency):
    case = hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")
    day = HANDOFF_DAY + timedelta(days=10)
    record_payment(
        case, amount=30000, currency="EUR", on=day, actor="test", invoices=["F2"], today=day
    )
    assert Invoice.objects.get(number="F2").open_amount == 0
    case.refresh_from_db()
    assert case.status == "handed_off"
    record_payment(case, amount=120000, currency="EUR", on=day, actor="test", today=day)
    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_on) == ("closed", "paid", day)
    assert Payment.objects.filter(handoff__case=case).count() == 2
    assert (
        sum(Allocation.objects.filter(payment__handoff__case=case).values_list("amount", flat=True))
        == 150000
    )


def test_a_hand_off_action_of_the_worklist_is_done_by_the_case(debtor, agency):
    action = queue(
        debtor, "handoff", ["handoff"], HANDOFF_DAY, mode="approval", status="awaiting_approval",
        terminal=True,
    )  # fmt: skip
    case = hand_off(debtor, agency, on=HANDOFF_DAY, actor="test", action=action)
    action.refresh_from_db()
    assert (action.status, action.status_reason, case.action_id) == (
        "sent",
        "handed off",
        action.pk,
    )


def test_the_cli_adds_a_partner_hands_off_reports_a_payment_and_lists(creditor, debtor, tmp_path):
    assert (
        relance("partner", "add", "Cabinet Durand", "--kind", "lawyer", "--city", "Lyon").exit_code
        == 0
    )
    assert relance("partner", "add", "Cabinet Durand", "--kind", "lawyer").exit_code == 1
    assert relance("partner", "add", "X", "--kind", "plumber").exit_code == 1
    assert Partner.objects.count() == 1
    zipped = tmp_path / "dossier.zip"
    result = relance("handoff", "C001", "--to", "cabinet durand", "--date", HANDOFF_DAY.isoformat(),
                     "--dossier", str(zipped), "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["status"], data["partner"], data["totals"][0]["principal"]) == (
        "handed_off", "Cabinet Durand", "1500.00",
    )  # fmt: skip
    assert zipped.stat().st_size > 0
    assert relance("handoff", "C001", "--to", "Cabinet Durand").exit_code == 1
    assert relance("handoff", "C001", "--to", "Nobody").exit_code == 1
    assert relance("handoff", "C999", "--to", "Cabinet Durand").exit_code == 1
    assert relance("handoff", "payment", "C001", "--amount", "-5").exit_code == 1
    paid = relance(
        "handoff", "payment", "C001", "--amount", "1 500,00", "--date", "2026-05-20", "--json"
    )
    assert paid.exit_code == 0, paid.output
    assert json.loads(paid.stdout)["outcome"] == "paid"
    assert relance("handoff", "close", "C001", "--outcome", "withdraw").exit_code == 1
    assert relance("handoff", "close", "C001", "--outcome", "maybe").exit_code == 2
    listed = json.loads(relance("handoff", "list", "--json").stdout)
    assert [(c["customer"], c["outcome"]) for c in listed] == [("C001", "paid")]
    assert relance("handoff", "show", "C404").exit_code == 1


def test_a_hand_off_from_the_customer_page_also_clears_the_pending_hand_off_action(debtor, agency):
    action = queue(
        debtor, "handoff", ["handoff"], HANDOFF_DAY, mode="approval", status="queued", terminal=True
    )
    case = hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")
    action.refresh_from_db()
    assert (action.status, case.action_id) == ("sent", action.pk)


def test_a_hand_off_action_decided_meanwhile_is_refused(debtor, agency):
    action = queue(
        debtor, "handoff", ["handoff"], HANDOFF_DAY, mode="approval", status="cancelled",
        terminal=True,
    )  # fmt: skip
    with pytest.raises(DomainError, match="decided meanwhile"):
        hand_off(debtor, agency, on=HANDOFF_DAY, actor="test", action=action)
    assert not Case.objects.exists()


def test_an_invoice_not_yet_due_is_handed_off_only_when_named(debtor, agency):
    Invoice.objects.create(
        creditor=debtor.creditor, customer=debtor, number="F3", issue_date=HANDOFF_DAY,
        due_date=HANDOFF_DAY + timedelta(days=30), amount=10000, open_amount=10000,
        status="open", currency="EUR",
    )  # fmt: skip
    case = hand_off(debtor, agency, on=HANDOFF_DAY, actor="test")
    assert sorted(case.items.values_list("invoice__number", flat=True)) == ["F1", "F2"]
    close_case(case, CaseEvent.WITHDRAW, on=HANDOFF_DAY, actor="test")
    named = hand_off(debtor, agency, on=HANDOFF_DAY, actor="test", invoices=["F3"])
    assert [(i.principal, i.penalties, i.indemnity) for i in named.items.all()] == [(10000, 0, 0)]


claims = st.builds(
    Claimed,
    st.sampled_from(["F1", "F2", "F3"]),
    st.sampled_from(["EUR", "GBP", "JPY"]),
    st.integers(0, 10**12),
    st.integers(0, 10**9),
    st.integers(0, 10**5),
)


@given(st.lists(claims, max_size=30))
def test_totals_add_each_currency_apart_and_lose_no_minor_unit(found):
    result = totals(found)
    assert [t.currency for t in result] == sorted({c.currency for c in found})
    for t in result:
        mine = [c for c in found if c.currency == t.currency]
        assert (t.principal, t.penalties, t.indemnity) == (
            sum(c.principal for c in mine),
            sum(c.penalties for c in mine),
            sum(c.indemnity for c in mine),
        )
        assert t.total == sum(c.total for c in mine)
