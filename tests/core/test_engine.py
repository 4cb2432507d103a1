"""The collection engine, rule by rule (DESIGN.md section 5), then its invariants."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relance.core.engine import Customer, Item, Ledger, SkipReason, apply, plan, simulate
from relance.core.scenarios import (
    CONSUMER,
    DEFAULT_SCENARIOS,
    KEY_ACCOUNT,
    STANDARD_B2B,
    Conditions,
    Step,
    StepChannel,
    StepMode,
)

SCENARIOS = {s.key: s for s in DEFAULT_SCENARIOS}
MONDAY = date(2026, 3, 2)
BAKERY = Customer(
    "C1", email="compta@boulangerie.example", phone="0102030405", address="1 rue Haute"
)


def ledger(items, customers=(BAKERY,), **kwargs) -> Ledger:  # type: ignore[no-untyped-def]
    return Ledger({c.code: c for c in customers}, list(items), SCENARIOS, "standard_b2b", **kwargs)


def invoice(number="F1", due=MONDAY, amount=120000, customer="C1", **kwargs) -> Item:  # type: ignore[no-untyped-def]
    return Item(number, customer, kwargs.pop("currency", "EUR"), due, amount, **kwargs)


def daily(book: Ledger, start: date, days: int) -> list[tuple[date, str, tuple[str, ...]]]:
    """Run every day from `start`; (date, step, items) of every action."""
    return [(a.date, a.step, a.items) for a in simulate(book, start, days)]


def test_a_30_day_invoice_due_on_a_monday_follows_the_standard_scenario():
    book = ledger([invoice(term_days=30)])
    steps = [(d, s) for d, s, _ in daily(book, MONDAY - timedelta(days=30), 100)]
    assert steps == [
        (MONDAY - timedelta(days=7), "pre_due"),
        (MONDAY + timedelta(days=3), "first_reminder"),
        (MONDAY + timedelta(days=10), "call"),
        (MONDAY + timedelta(days=21), "second_reminder"),  # +20 is a Sunday
        (MONDAY + timedelta(days=30), "third_reminder"),
        (MONDAY + timedelta(days=42), "formal_notice"),  # +40 is a Saturday
        (MONDAY + timedelta(days=56), "handoff"),  # +55 is a Sunday
    ]


def test_a_step_on_a_public_holiday_moves_to_the_next_business_day():
    holiday = MONDAY + timedelta(days=3)
    book = ledger([invoice()], holidays=frozenset({holiday}))
    steps = {s: d for d, s, _ in daily(book, MONDAY, 12)}
    assert steps["first_reminder"] == holiday + timedelta(days=1)


def test_nothing_is_sent_on_a_weekend_and_the_customer_is_told_why():
    saturday = MONDAY + timedelta(days=5)
    result = plan(ledger([invoice(due=saturday - timedelta(days=3))]), saturday)
    assert result.actions == ()
    assert [(s.customer, s.reason) for s in result.skipped] == [("C1", SkipReason.NON_BUSINESS_DAY)]


def test_an_invoice_imported_40_days_late_gets_the_first_reminder_first():
    result = plan(ledger([invoice(due=MONDAY - timedelta(days=40))]), MONDAY)
    assert [a.step for a in result.actions] == ["first_reminder"]


def test_the_next_step_waits_the_minimum_gap_after_the_previous_one():
    item = invoice(
        due=MONDAY - timedelta(days=40), taken={"first_reminder": MONDAY - timedelta(days=2)}
    )
    customer = replace(BAKERY, last_contact=MONDAY - timedelta(days=20))
    assert plan(ledger([item], [customer]), MONDAY).actions == ()
    assert [
        a.step for a in plan(ledger([item], [customer]), MONDAY + timedelta(days=3)).actions
    ] == ["call"]


def test_a_customer_is_contacted_at_most_once_per_minimum_gap():
    customer = replace(BAKERY, last_contact=MONDAY - timedelta(days=2))
    result = plan(ledger([invoice(due=MONDAY - timedelta(days=5))], [customer]), MONDAY)
    assert result.actions == ()
    assert result.skipped[0].reason == SkipReason.MIN_GAP
    assert result.skipped[0].until == MONDAY + timedelta(days=3)


def test_items_at_the_same_step_go_out_in_one_communication():
    items = [
        invoice("F1", amount=1000),
        invoice("F2", amount=2500),
        invoice("F3", due=MONDAY + timedelta(days=20)),
    ]
    (action,) = plan(ledger(items), MONDAY + timedelta(days=4)).actions
    assert (action.step, action.items, action.amount, action.days_overdue) == (
        "first_reminder", ("F1", "F2"), 3500, (4, 4),
    )  # fmt: skip


def test_the_most_advanced_step_goes_out_and_lists_the_other_overdue_items():
    items = [
        invoice(
            "F1",
            due=MONDAY - timedelta(days=30),
            taken={"first_reminder": MONDAY - timedelta(days=27)},
        ),
        invoice("F2", due=MONDAY - timedelta(days=4)),
    ]
    (action,) = plan(ledger(items), MONDAY).actions
    assert (action.step, action.items, action.other_items) == ("call", ("F1",), ("F2",))


def test_two_currencies_never_share_a_communication():
    items = [invoice("F1", amount=5000), invoice("U1", amount=900000, currency="USD")]
    (action,) = plan(ledger(items), MONDAY + timedelta(days=3)).actions
    assert (action.currency, action.items) == ("USD", ("U1",))


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        ({"disputed": True}, SkipReason.DISPUTE),
        ({"in_plan": True}, SkipReason.PAYMENT_PLAN),
        ({"promised_until": MONDAY + timedelta(days=10)}, SkipReason.PROMISE),
    ],
)
def test_excluded_items_wait_while_the_customers_other_items_progress(flags, reason):
    items = [invoice("F1", **flags), invoice("F2")]
    result = plan(ledger(items), MONDAY + timedelta(days=3))
    assert [a.items for a in result.actions] == [("F2",)]
    assert [(s.reason, s.items) for s in result.skipped] == [(reason, ("F1",))]


def test_a_broken_promise_resumes_at_the_next_step():
    item = invoice(due=MONDAY - timedelta(days=30), taken={"first_reminder": MONDAY - timedelta(days=27)},
                   promised_until=MONDAY - timedelta(days=1))  # fmt: skip
    assert [a.step for a in plan(ledger([item]), MONDAY).actions] == ["call"]


def test_a_customer_on_hold_or_handed_off_is_not_dunned():
    held = replace(BAKERY, hold_until=MONDAY + timedelta(days=5))
    result = plan(ledger([invoice()], [held]), MONDAY + timedelta(days=4))
    assert (result.actions, result.skipped[0].reason) == ((), SkipReason.ON_HOLD)
    gone = replace(BAKERY, handed_off=True)
    assert (
        plan(ledger([invoice()], [gone]), MONDAY + timedelta(days=4)).skipped[0].reason
        == SkipReason.HANDED_OFF
    )


def test_small_overdue_amounts_wait_below_the_threshold():
    result = plan(ledger([invoice(amount=999)]), MONDAY + timedelta(days=4))
    assert (result.actions, result.skipped[0].reason) == ((), SkipReason.BELOW_THRESHOLD)


def test_overdue_items_before_their_first_step_are_not_due():
    result = plan(ledger([invoice()]), MONDAY + timedelta(days=1))
    assert result.skipped[0].reason == SkipReason.NOT_DUE


def test_no_email_address_means_a_letter_and_the_action_says_so():
    customer = replace(BAKERY, email="")
    (action,) = plan(ledger([invoice()], [customer]), MONDAY + timedelta(days=3)).actions
    assert (action.channel, action.channels) == ("letter", ("letter",))
    assert action.fallback == "no email address: letter instead of email"


def test_a_pre_due_reminder_follows_the_term_and_only_before_the_due_date():
    tuesday = MONDAY + timedelta(days=1)
    sixty = invoice(due=tuesday, term_days=60)
    assert [a.step for a in plan(ledger([sixty]), tuesday - timedelta(days=15)).actions] == [
        "pre_due"
    ]
    assert plan(ledger([sixty]), tuesday - timedelta(days=16)).actions == ()
    # Missed over a weekend right before the due date, it is not sent late.
    assert plan(ledger([invoice()]), MONDAY).actions == ()


def test_the_invoice_scenario_wins_over_customer_segment_and_default():
    customer = replace(BAKERY, scenario="consumer", segment="ETI")
    book = ledger([invoice("F1", scenario="key_account"), invoice("F2")], [customer],
                  segment_scenarios={"ETI": "risky"})  # fmt: skip
    result = plan(book, MONDAY + timedelta(days=7))
    assert {a.scenario for a in result.actions} == {"key_account"}
    alone = plan(replace(book, items=[invoice("F2")]), MONDAY + timedelta(days=7))
    assert alone.actions[0].scenario == "consumer"


def test_a_step_whose_conditions_exclude_the_customer_does_not_apply():
    b2c_only = Step(
        "sms_nudge", 1, (StepChannel.SMS,), StepMode.AUTO, conditions=Conditions(kinds=("b2c",))
    )
    scenario = replace(STANDARD_B2B, key="custom", steps=(b2c_only, *STANDARD_B2B.steps))
    book = replace(ledger([invoice()]), scenarios={"custom": scenario}, default_scenario="custom")
    assert [a.step for a in plan(book, MONDAY + timedelta(days=3)).actions] == ["first_reminder"]


def test_credits_are_never_dunned():
    assert plan(ledger([invoice(amount=-5000)]), MONDAY + timedelta(days=10)).actions == ()


def test_running_twice_for_the_same_day_plans_nothing_new():
    book = ledger(
        [invoice("F1"), invoice("F2", customer="C2")], [BAKERY, replace(BAKERY, code="C2")]
    )
    day = MONDAY + timedelta(days=3)
    first = plan(book, day)
    assert len(first.actions) == 2
    assert plan(apply(book, first), day).actions == ()


# Invariants over random ledgers and months of daily runs.

customers_st = st.lists(
    st.builds(
        Customer,
        code=st.sampled_from(["C1", "C2", "C3"]),
        kind=st.sampled_from(["b2b", "b2c"]),
        email=st.sampled_from(["", "a@b.example"]),
        address=st.just("1 rue Haute"),
        scenario=st.sampled_from([None, "key_account", "risky", "consumer"]),
    ),
    min_size=1, max_size=3, unique_by=lambda c: c.code,
)  # fmt: skip


@st.composite
def books(draw):  # type: ignore[no-untyped-def]
    customers = draw(customers_st)
    items = []
    for n in range(draw(st.integers(1, 6))):
        items.append(
            Item(
                f"F{n}", draw(st.sampled_from([c.code for c in customers])), draw(st.sampled_from(["EUR", "USD"])),
                MONDAY + timedelta(days=draw(st.integers(-60, 30))), draw(st.integers(1, 500_000)),
                term_days=draw(st.sampled_from([30, 45, 60])),
            )
        )  # fmt: skip
    return ledger(items, customers, holidays=frozenset({MONDAY + timedelta(days=14)}))


events_st = st.lists(
    st.tuples(st.integers(0, 59), st.sampled_from(["pay", "dispute", "undispute", "promise", "plan"]), st.integers(0, 5)),
    max_size=12,
)  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(books(), events_st)
def test_invariants_hold_over_sixty_days_of_runs(book, events):
    start = MONDAY - timedelta(days=10)
    last_contact: dict[str, date] = {}
    for n in range(60):
        today = start + timedelta(days=n)
        for day, what, index in events:
            if day == n and index < len(book.items):
                item = book.items[index]
                changed = {
                    "pay": {"open_amount": 0}, "dispute": {"disputed": True}, "undispute": {"disputed": False},
                    "promise": {"promised_until": today + timedelta(days=7)}, "plan": {"in_plan": True},
                }[what]  # fmt: skip
                book = replace(
                    book, items=[replace(i, **changed) if i is item else i for i in book.items]
                )
        result = plan(book, today)
        by_number = {i.number: i for i in book.items}
        for action in result.actions:
            scenario = SCENARIOS[action.scenario]
            for number in action.items:
                item = by_number[number]
                # never an action for a paid, disputed, planned or promised item
                assert item.open_amount > 0
                assert not item.disputed
                assert not item.in_plan
                assert not (item.promised_until and item.promised_until >= today)
                assert action.currency == item.currency
                # never a skipped escalation step, never a step twice
                escalation = [s.key for s in scenario.steps if not s.pre_due]
                if action.step in escalation:
                    position = escalation.index(action.step)
                    assert all(k in item.taken for k in escalation[:position])
                assert action.step not in item.taken
            # never two contacts inside the minimum gap of the customer's scenario (their
            # items carry none of their own, so it is the only one)
            if action.customer in last_contact:
                gap = SCENARIOS[action.scenario].min_gap_days
                assert (today - last_contact[action.customer]).days >= gap
            last_contact[action.customer] = today
            assert today.weekday() < 5
            assert today not in book.holidays
        assert len({a.customer for a in result.actions}) == len(result.actions)
        book = apply(book, result)
        # idempotence
        assert plan(book, today).actions == ()


@settings(max_examples=40, deadline=None)
@given(st.integers(-40, 120), st.integers(0, 30))
def test_a_later_date_never_yields_a_lower_step(due_offset, later):
    """For an item that has climbed to some step, a later run never plans a lower one."""
    item = invoice(due=MONDAY - timedelta(days=due_offset))
    book = ledger([item])
    steps = [s.key for s in STANDARD_B2B.steps]
    reached = -1
    for _day, step, _ in daily(book, MONDAY, 40 + later):
        assert steps.index(step) > reached
        reached = steps.index(step)


def test_consumer_and_key_account_scenarios_are_gentler_than_the_standard():
    assert CONSUMER.steps[1].offset == 5
    assert KEY_ACCOUNT.min_gap_days > STANDARD_B2B.min_gap_days
    assert KEY_ACCOUNT.min_amount["EUR"] == 5000


def test_an_item_waiting_out_the_gap_after_its_last_step_says_until_when():
    item = invoice(
        due=MONDAY - timedelta(days=11), taken={"first_reminder": MONDAY - timedelta(days=2)}
    )
    result = plan(
        ledger([item], [replace(BAKERY, last_contact=MONDAY - timedelta(days=20))]), MONDAY
    )
    assert [(s.reason, s.until) for s in result.skipped] == [
        (SkipReason.MIN_GAP, MONDAY + timedelta(days=3))
    ]


def test_items_of_two_scenarios_at_the_same_step_are_two_groups():
    items = [
        invoice("F1", scenario="key_account", due=MONDAY - timedelta(days=10)),
        invoice("F2", due=MONDAY - timedelta(days=10)),
    ]
    (action,) = plan(ledger(items), MONDAY).actions
    assert (action.items, action.mode, action.scenario) in {
        (("F1",), "approval", "key_account"),
        (("F2",), "auto", "standard_b2b"),
    }


def test_a_step_added_to_a_scenario_later_does_not_send_items_back():
    early = Step("courtesy_call", 1, (StepChannel.CALL,), StepMode.TASK)
    steps = list(STANDARD_B2B.steps)
    steps.insert(1, early)
    scenario = replace(STANDARD_B2B, steps=tuple(steps))
    taken = {"first_reminder": MONDAY - timedelta(days=27), "call": MONDAY - timedelta(days=20)}
    item = invoice(due=MONDAY - timedelta(days=30), taken=taken)
    book = replace(ledger([item]), scenarios={"standard_b2b": scenario})
    assert [a.step for a in plan(book, MONDAY).actions] == ["second_reminder"]


def test_two_steps_of_one_item_never_fall_on_the_same_day():
    scenario = replace(STANDARD_B2B, min_gap_days=0)
    book = replace(
        ledger([invoice(due=MONDAY - timedelta(days=60))]), scenarios={"standard_b2b": scenario}
    )
    first = plan(book, MONDAY)
    assert plan(apply(book, first), MONDAY).actions == ()


def test_a_scenario_file_with_no_gap_is_refused():
    from relance.core.errors import DomainError
    from relance.core.scenarios import from_dict, to_dict

    data = to_dict(STANDARD_B2B) | {"min_gap_days": 0}
    with pytest.raises(DomainError, match="min_gap_days"):
        from_dict(data)


def test_a_communication_lists_soon_due_items_and_credits_for_information():
    items = [
        invoice("F1"),
        invoice("F2", due=MONDAY + timedelta(days=10)),
        invoice("A1", amount=-3000),
    ]
    (action,) = plan(ledger(items), MONDAY + timedelta(days=3)).actions
    assert (action.items, action.other_items, action.credits) == (("F1",), ("F2",), ("A1",))


def test_an_item_whose_step_awaits_approval_climbs_no_further():
    item = invoice(
        due=MONDAY - timedelta(days=40),
        taken={"first_reminder": MONDAY - timedelta(days=37)},
        awaiting_approval=True,
    )
    assert plan(ledger([item]), MONDAY).actions == ()
