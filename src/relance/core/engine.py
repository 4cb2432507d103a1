"""The collection engine: what happens today, for whom, and why not for the others.

`plan(ledger, today)` is a pure function of its inputs (DESIGN.md section 5). For each
open item it finds the one step the item may take today, groups the items of a customer
by currency and step into one communication, keeps at most one contact per customer
within the scenario's minimum gap, and says for every customer with overdue items that
gets nothing why not.

>>> from datetime import date
>>> from relance.core.scenarios import STANDARD_B2B
>>> bakery = Customer("C001", email="compta@example.fr", address="1 rue Haute")
>>> item = Item("F1", "C001", "EUR", due_date=date(2026, 3, 2), open_amount=120000, term_days=30)
>>> ledger = Ledger({"C001": bakery}, [item], {"standard_b2b": STANDARD_B2B}, "standard_b2b")
>>> [(a.customer, a.step, a.channel) for a in plan(ledger, date(2026, 3, 5)).actions]
[('C001', 'first_reminder', 'email')]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum

from relance.core.scenarios import PRE_DUE_EARLIEST, Scenario, Step, StepChannel

# Items due within this many days are listed, for information, in a communication.
SOON_DUE_DAYS = 15


class SkipReason(StrEnum):
    DISPUTE = "dispute"
    PROMISE = "promise"
    PAYMENT_PLAN = "payment_plan"
    MIN_GAP = "min_gap"
    BELOW_THRESHOLD = "below_threshold"
    NON_BUSINESS_DAY = "non_business_day"
    ON_HOLD = "on_hold"
    HANDED_OFF = "handed_off"
    NOT_DUE = "not_due"
    PRESCRIBED = "prescribed"


@dataclass(frozen=True, slots=True)
class Customer:
    code: str
    kind: str = "b2b"
    segment: str = ""
    risk_class: str = ""
    scenario: str | None = None  # the customer's own scenario key
    email: str = ""
    phone: str = ""
    address: str = ""  # a postal address: letters can be sent
    hold_until: date | None = None
    handed_off: bool = False
    last_contact: date | None = None  # the last action of any step, any item
    ref: int = 0  # the caller's identifier (a database key), opaque here


@dataclass(frozen=True, slots=True)
class Item:
    """An open item (invoice or instalment) and its collection history."""

    number: str
    customer: str
    currency: str
    due_date: date
    open_amount: int  # minor units; credits (negative) are never dunned
    term_days: int = 30
    scenario: str | None = None  # the invoice's own scenario key
    disputed: bool = False
    in_plan: bool = False
    promised_until: date | None = None  # promised date + grace
    taken: Mapping[str, date] = field(default_factory=dict)  # step key -> day it was taken
    # Its last step waits for a person's approval: it climbs no further until decided.
    awaiting_approval: bool = False
    prescribed: bool = False  # past the prescription deadline: never reminded
    ref: int = 0  # the caller's identifier (a database key), opaque here


@dataclass(frozen=True)
class Ledger:
    customers: Mapping[str, Customer]
    items: Sequence[Item]
    scenarios: Mapping[str, Scenario]
    default_scenario: str
    segment_scenarios: Mapping[str, str] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    weekend: frozenset[int] = frozenset({5, 6})  # Saturday, Sunday


@dataclass(frozen=True, slots=True)
class Action:
    date: date
    customer: str
    step: str
    channel: str  # the channel used first
    channels: tuple[str, ...]  # every channel of the step, after fallback
    mode: str
    currency: str
    amount: int  # minor units: the open amount of `items`
    items: tuple[str, ...]
    days_overdue: tuple[int, ...]  # of each item, in the same order
    scenario: str
    fallback: str = ""  # why a channel was replaced, when it was
    # For information in the communication: the customer's other overdue and soon-due
    # items, and their unapplied credits (credit notes, negative open amounts).
    other_items: tuple[str, ...] = ()
    credits: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Skip:
    customer: str
    reason: SkipReason
    items: tuple[str, ...]
    until: date | None = None  # when the reason lapses, where it is known


@dataclass(frozen=True)
class Plan:
    date: date
    actions: tuple[Action, ...]
    skipped: tuple[Skip, ...]


def is_business_day(day: date, ledger: Ledger) -> bool:
    return day.weekday() not in ledger.weekend and day not in ledger.holidays


def scenario_of(item: Item, customer: Customer, ledger: Ledger) -> Scenario:
    """Invoice, then customer, then segment, then the creditor's default."""
    for key in (item.scenario, customer.scenario, ledger.segment_scenarios.get(customer.segment)):
        if key and key in ledger.scenarios:
            return ledger.scenarios[key]
    return ledger.scenarios[ledger.default_scenario]


def steps_for(scenario: Scenario, customer: Customer) -> tuple[list[Step], list[Step]]:
    """(pre-due steps, escalation steps in order) that apply to this customer."""
    steps = [
        s
        for s in scenario.steps
        if s.conditions.admit(customer.segment, customer.kind, customer.risk_class)
    ]
    return [s for s in steps if s.pre_due], [s for s in steps if not s.pre_due]


def next_step(
    item: Item,
    scenario: Scenario,
    customer: Customer,
    today: date,
    steps: tuple[list[Step], list[Step]] | None = None,
) -> Step | None:
    """The one step `item` may take today, or None.

    Escalation steps are climbed one at a time, each at most once, each at least the
    minimum gap after the previous one: an item imported 40 days late gets the first
    reminder first. A pre-due step is taken only before the due date and is never a
    prerequisite of the others.
    """
    if item.awaiting_approval:
        return None
    pre_due, escalation = steps or steps_for(scenario, customer)
    late = (today - item.due_date).days
    step = _pending(item, escalation)
    if (
        step is not None
        and late >= step.offset_for(item.term_days)
        and _rested_on(item, escalation, scenario) <= today
    ):
        return step
    if late < 0:
        for step in pre_due:
            if step.key not in item.taken and late >= step.offset_for(item.term_days):
                return step
    return None


def _pending(item: Item, escalation: list[Step]) -> Step | None:
    """The step after the furthest one taken: a step added to a scenario later does not
    send items that are past it back."""
    if not item.taken:
        return escalation[0] if escalation else None
    furthest = max((n for n, s in enumerate(escalation) if s.key in item.taken), default=-1)
    return escalation[furthest + 1] if furthest + 1 < len(escalation) else None


def _rested_on(item: Item, escalation: list[Step], scenario: Scenario) -> date:
    """The first day the item's next step may come: the minimum gap after its last step."""
    if not item.taken:
        return date.min
    previous = [item.taken[s.key] for s in escalation if s.key in item.taken]
    # Never two steps of one item on the same day, whatever the gap says.
    gap = max(1, scenario.min_gap_days)
    return max(previous) + timedelta(days=gap) if previous else date.min


def waiting_for_gap(
    item: Item, scenario: Scenario, steps: tuple[list[Step], list[Step]], today: date
) -> date | None:
    """When an item has reached its next step but waits out the gap after its last one,
    the day it may go; else None."""
    step = _pending(item, steps[1])
    if step is None or (today - item.due_date).days < step.offset_for(item.term_days):
        return None
    rested = _rested_on(item, steps[1], scenario)
    return rested if rested > today else None


_FALLBACK = {StepChannel.EMAIL: StepChannel.LETTER, StepChannel.SMS: StepChannel.LETTER}
_NEEDS = {
    StepChannel.EMAIL: ("email", "no email address"),
    StepChannel.SMS: ("phone", "no phone number"),
    StepChannel.LETTER: ("address", "no postal address"),
    StepChannel.REGISTERED_LETTER: ("address", "no postal address"),
    StepChannel.CALL: ("phone", "no phone number"),
}


def channels_for(step: Step, customer: Customer) -> tuple[tuple[str, ...], str]:
    """The step's channels the customer can be reached by, email or SMS falling back to a
    letter, and a sentence saying what was replaced."""
    chosen: list[str] = []
    notes: list[str] = []
    for channel in step.channels:
        need = _NEEDS.get(channel)
        if need and not getattr(customer, need[0]) and channel in _FALLBACK:
            replacement = _FALLBACK[channel]
            notes.append(f"{need[1]}: {replacement.value} instead of {channel.value}")
            channel = replacement
        if channel.value not in chosen:
            chosen.append(channel.value)
    return tuple(chosen), "; ".join(notes)


@dataclass
class _Candidate:
    step: Step
    scenario: Scenario
    currency: str
    items: list[Item]


def plan(ledger: Ledger, today: date) -> Plan:
    """The actions for `today` and, for every customer with overdue items and no action,
    the reason."""
    # Items too far from their due date for any step are left out at once: on a large
    # ledger, most open items are not due yet.
    earliest = min(
        (
            (s.offset if s.offset is not None else PRE_DUE_EARLIEST)
            for scenario in ledger.scenarios.values()
            for s in scenario.steps
        ),
        default=0,
    )
    horizon = today - timedelta(days=earliest)
    by_customer: dict[str, list[Item]] = defaultdict(list)
    credits: dict[str, list[Item]] = defaultdict(list)
    for item in ledger.items:
        if item.open_amount < 0:
            credits[item.customer].append(item)
        elif item.open_amount > 0 and item.due_date <= horizon:
            by_customer[item.customer].append(item)
    business_day = is_business_day(today, ledger)
    actions: list[Action] = []
    skipped: list[Skip] = []
    applicable: dict[tuple[str, str, str, str], tuple[list[Step], list[Step]]] = {}
    for code in sorted(by_customer):
        customer = ledger.customers[code]
        made, skips = _plan_customer(
            customer, by_customer[code], ledger, today, business_day, applicable
        )
        if made and credits.get(code):
            made = [replace(a, credits=_numbers(credits[code])) for a in made]
        actions.extend(made)
        skipped.extend(skips)
    return Plan(today, tuple(actions), tuple(skipped))


def _numbers(items: Iterable[Item]) -> tuple[str, ...]:
    return tuple(sorted(i.number for i in items))


def _plan_customer(
    customer: Customer,
    items: list[Item],
    ledger: Ledger,
    today: date,
    business_day: bool,
    applicable: dict[tuple[str, str, str, str], tuple[list[Step], list[Step]]],
) -> tuple[list[Action], list[Skip]]:
    """`applicable` caches the steps of each scenario per customer profile: a million
    items share a handful of them."""
    if customer.handed_off or (customer.hold_until and customer.hold_until >= today):
        overdue = _numbers(i for i in items if i.due_date < today)
        if not overdue:
            return [], []
        if customer.handed_off:
            return [], [Skip(customer.code, SkipReason.HANDED_OFF, overdue)]
        return [], [Skip(customer.code, SkipReason.ON_HOLD, overdue, customer.hold_until)]

    skips: list[Skip] = []
    free: list[Item] = []
    excluded: dict[SkipReason, list[Item]] = {}
    for item in items:
        if item.prescribed:
            excluded.setdefault(SkipReason.PRESCRIBED, []).append(item)
        elif item.disputed:
            excluded.setdefault(SkipReason.DISPUTE, []).append(item)
        elif item.in_plan:
            excluded.setdefault(SkipReason.PAYMENT_PLAN, []).append(item)
        elif item.promised_until and item.promised_until >= today:
            excluded.setdefault(SkipReason.PROMISE, []).append(item)
        else:
            free.append(item)
    for reason, held in excluded.items():
        late = [i for i in held if i.due_date < today]
        if late:
            until = (
                max(i.promised_until for i in late if i.promised_until)
                if reason == SkipReason.PROMISE
                else None
            )
            skips.append(Skip(customer.code, reason, _numbers(late), until))

    # Each item's step today, grouped by currency and step.
    groups: dict[tuple[str, str, str], _Candidate] = {}
    resting: list[tuple[Item, date]] = []  # reached their next step, within the gap
    own = scenario_of(Item("", "", "", today, 0), customer, ledger)  # without an invoice's own
    for item in free:
        scenario = own if item.scenario is None else scenario_of(item, customer, ledger)
        profile = (scenario.key, customer.segment, customer.kind, customer.risk_class)
        steps = applicable.get(profile)
        if steps is None:
            steps = applicable[profile] = steps_for(scenario, customer)
        step = next_step(item, scenario, customer, today, steps)
        if step is None:
            if (until := waiting_for_gap(item, scenario, steps, today)) is not None:
                resting.append((item, until))
            continue
        key = (item.currency, scenario.key, step.key)
        if key not in groups:
            groups[key] = _Candidate(step, scenario, item.currency, [])
        groups[key].items.append(item)
    free_overdue = [i for i in free if i.due_date < today]
    if not groups:
        if resting:
            until = min(day for _, day in resting)
            skips.append(
                Skip(customer.code, SkipReason.MIN_GAP, _numbers(i for i, _ in resting), until)
            )
        elif free_overdue:
            skips.append(Skip(customer.code, SkipReason.NOT_DUE, _numbers(free_overdue)))
        return [], skips

    # Minimum overdue amounts: per scenario and per step, on what the customer owes late
    # in that currency.
    owed: dict[str, int] = {}
    for item in free_overdue:
        owed[item.currency] = owed.get(item.currency, 0) + item.open_amount
    waiting: list[Item] = []
    for key, cand in list(groups.items()):
        floor = max(
            cand.scenario.min_amount.get(cand.currency, 0),
            cand.step.conditions.min_amount.get(cand.currency, 0),
        )
        if floor and not cand.step.pre_due and owed.get(cand.currency, 0) < floor:
            waiting.extend(cand.items)
            del groups[key]
    if waiting:
        skips.append(Skip(customer.code, SkipReason.BELOW_THRESHOLD, _numbers(waiting)))
    if not groups:
        return [], skips

    if not business_day:
        due_items = _numbers(i for cand in groups.values() for i in cand.items)
        skips.append(Skip(customer.code, SkipReason.NON_BUSINESS_DAY, due_items))
        return [], skips
    gap = min(cand.scenario.min_gap_days for cand in groups.values())
    if customer.last_contact and (today - customer.last_contact).days < gap:
        until = customer.last_contact + timedelta(days=gap)
        due_items = _numbers(i for cand in groups.values() for i in cand.items)
        skips.append(Skip(customer.code, SkipReason.MIN_GAP, due_items, until))
        return [], skips

    # One contact per customer within the gap: the most advanced step goes out, listing
    # the customer's other overdue items for information; the rest waits its turn.
    cand = next(iter(groups.values()))
    if len(groups) > 1:
        cand = max(
            groups.values(),
            key=lambda c: (_rank(c), sum(i.open_amount for i in c.items), c.currency),
        )
    chosen = sorted(cand.items, key=lambda i: (i.due_date, i.number))
    action_numbers = {i.number for i in chosen}
    soon = today + timedelta(days=SOON_DUE_DAYS)
    channels, fallback = channels_for(cand.step, customer)
    action = Action(
        date=today,
        customer=customer.code,
        step=cand.step.key,
        channel=channels[0],
        channels=channels,
        mode=cand.step.mode.value,
        currency=cand.currency,
        amount=sum(i.open_amount for i in chosen),
        items=tuple(i.number for i in chosen),
        days_overdue=tuple((today - i.due_date).days for i in chosen),
        scenario=cand.scenario.key,
        fallback=fallback,
        other_items=_numbers(
            i for i in free if i.number not in action_numbers and i.due_date <= soon
        ),
    )
    return [action], skips


def _rank(cand: _Candidate) -> int:
    """How far along its scenario a step is (pre-due steps come first)."""
    return -1 if cand.step.pre_due else cand.scenario.steps.index(cand.step)


def apply(ledger: Ledger, result: Plan) -> Ledger:
    """The ledger as it will be once `result`'s actions are taken: their items have
    climbed to the action's step, their customers were contacted (handed off after a
    terminal step). What the shell stores, in memory: for previews and simulations."""
    reached = {(a.customer, n): a.step for a in result.actions for n in a.items}
    items = [
        replace(i, taken={**i.taken, reached[(i.customer, i.number)]: result.date})
        if (i.customer, i.number) in reached
        else i
        for i in ledger.items
    ]
    customers = dict(ledger.customers)
    for action in result.actions:
        step = next(s for s in ledger.scenarios[action.scenario].steps if s.key == action.step)
        customer = customers[action.customer]
        customers[action.customer] = replace(
            customer, last_contact=result.date, handed_off=customer.handed_off or step.terminal
        )
    return replace(ledger, items=items, customers=customers)


def simulate(ledger: Ledger, start: date, days: int) -> list[Action]:
    """Every action of `days` daily runs from `start`, assuming nobody pays: what a
    scenario will do to a customer from today on."""
    actions: list[Action] = []
    for n in range(days):
        result = plan(ledger, start + timedelta(days=n))
        actions.extend(result.actions)
        ledger = apply(ledger, result)
    return actions
