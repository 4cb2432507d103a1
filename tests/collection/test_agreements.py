"""Agreements and hand-offs against what was planned before them and against disputes:
a reminder planned before is not sent after; a disputed invoice enters no plan, and is
handed off only when named, with a warning for the court."""

from __future__ import annotations

import json
import zipfile
from datetime import date, timedelta
from io import BytesIO

import pytest

from relance.collection import queries
from relance.collection.models import Action, ActionStatus
from relance.collection.services import (
    cancel_stale_actions,
    create_plan,
    open_dispute,
    record_promise,
    run_collection,
    send_plan_letter,
)
from relance.core.errors import DomainError
from relance.core.handoff import CaseEvent
from relance.handoff import dossier
from relance.handoff.services import add_partner, close_case, hand_off

MONDAY = date(2026, 3, 2)
THURSDAY = MONDAY + timedelta(days=3)


def promise(customer):  # type: ignore[no-untyped-def]
    record_promise(customer, until=THURSDAY + timedelta(days=7), on=THURSDAY, actor="t")


def plan(customer):  # type: ignore[no-untyped-def]
    create_plan(customer, list(customer.invoices.all()), count=3, every="month",
                first=THURSDAY + timedelta(days=10), on=THURSDAY, actor="t")  # fmt: skip


def handoff(customer):  # type: ignore[no-untyped-def]
    partner = add_partner(customer.creditor, actor="t", name="Recouvrement Rhône", kind="agency")
    hand_off(customer, partner, on=THURSDAY, actor="t")


@pytest.mark.parametrize("agreement", [promise, plan, handoff])
def test_a_reminder_planned_before_an_agreement_or_a_hand_off_is_not_sent(
    creditor, debtor, agreement
):  # type: ignore[no-untyped-def]
    [planned] = run_collection(creditor, THURSDAY, actor="t").actions
    assert planned["step"] == "first_reminder"
    reminder = Action.objects.get(step="first_reminder")
    agreement(debtor)
    assert queries.live_items(reminder) == []  # what the sender finds
    assert cancel_stale_actions(creditor, actor="t") == 1  # what the next run does
    reminder.refresh_from_db()
    assert reminder.status == ActionStatus.CANCELLED


def test_a_plan_s_own_letter_is_about_the_items_it_holds(creditor, debtor):  # type: ignore[no-untyped-def]
    plan(debtor)
    letter = send_plan_letter(debtor.plans.get(), on=THURSDAY, actor="t")
    assert [i.number for i in queries.live_items(letter)] == ["F1", "F2"]
    assert cancel_stale_actions(creditor, actor="t") == 0


def dispute_f1(customer):  # type: ignore[no-untyped-def]
    f1 = customer.invoices.get(number="F1")
    open_dispute(f1, reason="quantity", on=THURSDAY, actor="t")


def test_a_disputed_invoice_enters_no_payment_plan(creditor, debtor):  # type: ignore[no-untyped-def]
    dispute_f1(debtor)
    with pytest.raises(DomainError, match="disputed: F1"):
        plan(debtor)
    assert not debtor.plans.exists()


def test_a_hand_off_leaves_a_disputed_invoice_unless_named_and_the_court_data_warn_of_it(
    creditor, debtor
):  # type: ignore[no-untyped-def]
    dispute_f1(debtor)
    handoff(debtor)
    case = debtor.handoff_cases.get()
    assert [i.invoice.number for i in case.items.all()] == ["F2"]
    close_case(case, CaseEvent.WITHDRAW, on=THURSDAY, actor="t")
    named = hand_off(debtor, case.partner, on=THURSDAY, actor="t", invoices=["F1", "F2"])
    with zipfile.ZipFile(BytesIO(dossier.build(named, THURSDAY))) as z:
        data = json.loads(z.read("02-injonction-de-payer.json"))
    [warning] = [w for w in data["warnings"] if w["code"] == "not_due"]
    assert warning["invoices"] == ["F1"]


def test_a_credit_note_lowers_the_debt_but_does_not_keep_a_promise(creditor, debtor):  # type: ignore[no-untyped-def]
    from relance.collection.services import resolve_dispute, review_promises

    record_promise(debtor, until=THURSDAY + timedelta(days=7), on=THURSDAY, actor="t",
                   amount=120000)  # fmt: skip
    dispute_f1(debtor)
    resolve_dispute(debtor.invoices.get(number="F1").disputes.get(), "credit_note",
                    on=THURSDAY, actor="t")  # fmt: skip
    assert debtor.invoices.get(number="F1").open_amount == 0
    assert review_promises(creditor, THURSDAY + timedelta(days=1), actor="t")["kept"] == 0
    assert debtor.promises.get().status == "open"


def test_a_dispute_resolved_meanwhile_is_not_reopened_by_a_page_loaded_before(creditor, debtor):  # type: ignore[no-untyped-def]
    from relance.collection.services import assign_dispute, resolve_dispute

    dispute_f1(debtor)
    stale = debtor.invoices.get(number="F1").disputes.get()  # a page shows it open
    resolve_dispute(stale, "rejected", on=THURSDAY, actor="alice")  # someone else acts
    with pytest.raises(DomainError):
        assign_dispute(stale, owner=None, due_on=THURSDAY + timedelta(days=9), actor="bob")
    stale.refresh_from_db()
    assert stale.status == "rejected"
