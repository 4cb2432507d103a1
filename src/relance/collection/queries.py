"""Loading what the engine needs for one creditor and date, in a few set-based queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import holidays
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Sum

from relance.collection.models import (
    Action,
    ActionItem,
    ActionStatus,
    Dispute,
    PaymentPlan,
    Promise,
    Scenario,
    SegmentScenario,
    Step,
)
from relance.core import engine
from relance.core import plans as plans_core
from relance.core import scenarios as core
from relance.core.law import add_years, alert_months, deadline, for_country, shortest_prescription
from relance.core.money import Money
from relance.handoff import queries as handoff
from relance.ledger.models import Allocation, Contact, Creditor, Customer, Invoice

# A step counts as taken for an item unless its action was cancelled, except by a
# person's rejection: then the step is decided and not planned again the next day. Only
# live actions count as contacts and hand-offs.
ITEM_TAKEN = ~Q(action__status=ActionStatus.CANCELLED) | Q(action__status_reason="rejected")
LIVE = ~Q(status=ActionStatus.CANCELLED)
# Grace before a plan with an unpaid instalment is broken.
PLAN_GRACE_DAYS = 5


def _step(s: Step) -> core.Step:
    return core.Step(
        key=s.key,
        offset=s.offset,
        channels=tuple(core.StepChannel(c) for c in s.channels),
        mode=core.StepMode(s.mode),
        template=s.template,
        conditions=core.Conditions(
            tuple(s.segments), tuple(s.kinds), tuple(s.risk_classes), dict(s.min_amount)
        ),
        penalties=s.penalties,
        statement=s.statement,
    )


def scenario(row: Scenario) -> core.Scenario:
    """A stored scenario as a core value."""
    steps = tuple(_step(s) for s in sorted(row.steps.all(), key=lambda s: s.position))
    return core.Scenario(row.key, row.name, steps, row.min_gap_days, dict(row.min_amount))


def scenarios(creditor: Creditor) -> tuple[dict[str, core.Scenario], str]:
    """The creditor's scenarios as core values, and the default's key (listed first)."""
    rows = Scenario.objects.filter(creditor=creditor).order_by("-is_default", "id")
    found = {row.key: scenario(row) for row in rows.prefetch_related("steps")}
    return found, next(iter(found), "")


def acknowledgements(invoices: QuerySet[Invoice], day: date) -> dict[int, list[date]]:
    """What restarted each invoice's prescription by `day`: its last partial payment and
    the start of any payment plan covering it (C. civ. 2240)."""
    found: dict[int, list[date]] = defaultdict(list)
    paid = Allocation.objects.filter(invoice__in=invoices, date__lte=day).values("invoice_id")
    for invoice_id, last in paid.annotate(last=Max("date")).values_list("invoice_id", "last"):
        found[invoice_id].append(last)
    plans = PaymentPlan.objects.filter(invoices__in=invoices, starts_on__lte=day)
    for invoice_id, started in plans.values_list("invoices", "starts_on"):
        found[invoice_id].append(started)
    return found


def prescription_alerts(creditor: Creditor, day: date, months: int = 6) -> list[dict[str, Any]]:
    """Open invoices whose prescription deadline falls within `months`: the worklist warns
    at 6, 3 and 1 months, so that a court claim or an acknowledgement comes first."""
    rules = for_country(creditor.country)
    shortest = shortest_prescription(rules)
    if shortest is None:
        return []
    horizon = add_years(day, -shortest) + timedelta(days=31 * months)
    candidates = Invoice.objects.filter(
        creditor=creditor, open_amount__gt=0, issue_date__lte=horizon
    ).exclude(status="paid")
    acknowledged = acknowledgements(candidates, day)
    alerts = []
    for pk, number, code, kind, issued, delivered in candidates.values_list(
        "id", "number", "customer__code", "customer__kind", "issue_date", "delivery_date"
    ):
        last_day = deadline(rules, kind, delivered or issued, acknowledged.get(pk, []))
        months_left = alert_months(last_day, day) if last_day else None
        if months_left:
            alerts.append(
                {"invoice": number, "customer": code, "deadline": last_day, "months": months_left}
            )
    return sorted(alerts, key=lambda a: a["deadline"])


def _current_plans(plans: QuerySet[PaymentPlan], day: date) -> set[int]:
    """Invoices in a plan that is current on `day`: started, not ended, not broken by an
    instalment left unpaid past the grace days."""
    current: set[int] = set()
    active = plans.filter(starts_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    for plan in active.prefetch_related("invoices"):
        invoices = list(plan.invoices.all())
        if not invoices:
            continue
        currency = invoices[0].currency
        lines = [
            (date.fromisoformat(x["date"]), Money.of(x["amount"], currency).minor)
            for x in plan.instalments
        ]
        paid = (
            Allocation.objects.filter(
                invoice__in=invoices, date__gte=plan.starts_on, date__lte=day
            ).aggregate(total=Sum("amount"))["total"]
            or 0
        )
        if not plans_core.defaulted(lines, paid, day, PLAN_GRACE_DAYS):
            current.update(i.pk for i in invoices)
    return current


def public_holidays(country: str, around: date) -> frozenset[date]:
    try:
        days = holidays.country_holidays(country, years=range(around.year - 1, around.year + 2))
    except NotImplementedError:
        return frozenset()
    return frozenset(days)


def ledger(creditor: Creditor, day: date, customer: Customer | None = None) -> engine.Ledger:
    """Every open item of the creditor (or of one customer) with its history up to `day`,
    and its customers."""

    def scoped(qs: QuerySet[Any], path: str) -> QuerySet[Any]:
        return qs if customer is None else qs.filter(**{path: customer})

    rows = list(
        scoped(
            Invoice.objects.filter(creditor=creditor, issue_date__lte=day).exclude(open_amount=0),
            "customer",
        )
        .exclude(status="paid")
        .values_list(
            "id", "number", "customer_id", "currency", "due_date", "issue_date", "open_amount",
            "scenario_id", "delivery_date",
        )
    )  # fmt: skip
    taken: dict[int, dict[str, date]] = defaultdict(dict)
    history = ActionItem.objects.filter(
        ITEM_TAKEN, action__creditor=creditor, date__lte=day, invoice__open_amount__gt=0
    )
    for invoice_id, step, when in scoped(history, "action__customer").values_list(
        "invoice_id", "step", "date"
    ):
        taken[invoice_id][step] = when
    disputed = set(
        scoped(
            Dispute.objects.filter(invoice__creditor=creditor, opened_on__lte=day),
            "invoice__customer",
        )
        .filter(Q(closed_on__isnull=True) | Q(closed_on__gt=day))
        .values_list("invoice_id", flat=True)
    )
    planned = _current_plans(
        scoped(PaymentPlan.objects.filter(customer__creditor=creditor), "customer"), day
    )
    awaiting = set(
        scoped(
            ActionItem.objects.filter(
                action__creditor=creditor,
                action__status=ActionStatus.AWAITING_APPROVAL,
                date__lte=day,
            ),
            "action__customer",
        ).values_list("invoice_id", flat=True)
    )
    promised_items: dict[int, date] = {}
    promised_customers: dict[int, date] = {}
    promises = Promise.objects.filter(customer__creditor=creditor, recorded_on__lte=day)
    for promise in scoped(promises, "customer").prefetch_related("invoices"):
        until = promise.promised_date + timedelta(days=promise.grace_days)
        targets = [i.pk for i in promise.invoices.all()]
        for pk in targets:
            promised_items[pk] = max(until, promised_items.get(pk, until))
        if not targets:  # a promise for the whole account
            cid = promise.customer_id
            promised_customers[cid] = max(until, promised_customers.get(cid, until))

    scenario_keys = dict(Scenario.objects.filter(creditor=creditor).values_list("id", "key"))
    rules = for_country(creditor.country)
    # Only an invoice that started before the shortest prescription period can be
    # prescribed: the others need no look at their payments.
    shortest = shortest_prescription(rules)
    cutoff = add_years(day, -shortest) if shortest else date.min
    old = Invoice.objects.filter(
        Q(issue_date__lte=cutoff) | Q(delivery_date__lte=cutoff), creditor=creditor
    )
    acknowledged = acknowledgements(scoped(old, "customer"), day)

    def prescribed(start: date, kind: str, pk: int) -> bool:
        if start > cutoff:
            return False
        last_day = deadline(rules, kind, start, acknowledged.get(pk, []))
        return last_day is not None and last_day < day

    customers = _customers(creditor, {r[2] for r in rows}, day, customer, scenario_keys)
    codes = {c.ref: c.code for c in customers.values()}
    kinds = {c.ref: c.kind for c in customers.values()}
    items = [
        engine.Item(
            number=number,
            customer=codes[customer_id],
            currency=currency,
            due_date=due,
            open_amount=open_amount,
            term_days=max(0, (due - issued).days),
            scenario=scenario_keys.get(scenario_id),
            disputed=pk in disputed,
            in_plan=pk in planned,
            promised_until=max(
                (d for d in (promised_items.get(pk), promised_customers.get(customer_id)) if d),
                default=None,
            ),
            awaiting_approval=pk in awaiting,
            prescribed=prescribed(delivered or issued, kinds[customer_id], pk),
            taken=taken.get(pk, {}),
            ref=pk,
        )
        for pk, number, customer_id, currency, due, issued, open_amount, scenario_id, delivered in rows
    ]
    found, default = scenarios(creditor)
    return engine.Ledger(
        customers=customers,
        items=items,
        scenarios=found,
        default_scenario=default,
        segment_scenarios=dict(
            SegmentScenario.objects.filter(creditor=creditor).values_list(
                "segment", "scenario__key"
            )
        ),
        holidays=public_holidays(creditor.country, day),
    )


def _customers(
    creditor: Creditor,
    ids: set[int],
    day: date,
    only: Customer | None,
    scenario_keys: dict[int, str],
) -> dict[str, engine.Customer]:
    """Engine customers keyed by code: reachability, hold, last contact, hand-off."""
    customers = Customer.objects.filter(creditor=creditor)
    if only is not None:
        customers = customers.filter(pk=only.pk)
    # A contact's email or phone stands in where the customer record has none.
    contacts: dict[int, dict[str, str]] = defaultdict(dict)
    lacking = customers.filter(Q(email="") | Q(phone=""))
    for customer_id, email, phone in Contact.objects.filter(customer__in=lacking).values_list(
        "customer_id", "email", "phone"
    ):
        if email:
            contacts[customer_id].setdefault("email", email)
        if phone:
            contacts[customer_id].setdefault("phone", phone)
    history = Action.objects.filter(LIVE, customer__in=customers, date__lte=day)
    last_contact = dict(
        history.values("customer_id").annotate(last=Max("date")).values_list("customer_id", "last")
    )
    handed_off = handoff.handed_off(customers, day, history.filter(terminal=True))
    out = {}
    for (
        pk,
        code,
        kind,
        segment,
        risk,
        scenario_id,
        email,
        phone,
        address,
        postal,
        city,
        held,
    ) in customers.values_list(
        "id",
        "code",
        "kind",
        "segment",
        "risk_class",
        "scenario_id",
        "email",
        "phone",
        "address",
        "postal_code",
        "city",
        "hold_until",
    ):
        if pk not in ids:
            continue
        out[code] = engine.Customer(
            code=code,
            ref=pk,
            kind=kind,
            segment=segment,
            risk_class=risk,
            scenario=scenario_keys.get(scenario_id) if scenario_id else None,
            email=email or contacts[pk].get("email", ""),
            phone=phone or contacts[pk].get("phone", ""),
            address=address if address and (postal or city) else "",
            hold_until=held,
            handed_off=pk in handed_off,
            last_contact=last_contact.get(pk),
        )
    return out


# How far ahead a preview looks: past the last step of every shipped scenario.
PREVIEW_DAYS = 120


def preview(
    creditor: Creditor, spec: core.Scenario, customer: Customer, today: date
) -> dict[str, Any]:
    """What `spec` would do to `customer`'s open items from today, if nobody paid: today's
    plan and the actions of the days after."""
    book = ledger(creditor, today, customer)
    book = replace(
        book,
        scenarios={**book.scenarios, spec.key: spec},
        items=[replace(i, scenario=spec.key) for i in book.items],
    )
    return {
        "today": engine.plan(book, today),
        "schedule": engine.simulate(book, today, PREVIEW_DAYS),
    }


def live_items(action: Action) -> list[Invoice]:
    """The action's items that are still open and undisputed: what it may remind now."""
    disputed = Dispute.objects.filter(invoice=OuterRef("pk"), closed_on__isnull=True)
    ids = ActionItem.objects.filter(action=action).values("invoice_id")
    return list(
        Invoice.objects.filter(pk__in=ids, open_amount__gt=0)
        .exclude(Exists(disputed))
        .select_related("creditor", "customer")
        .order_by("due_date", "number")
    )


def step_of(action: Action) -> core.Step | None:
    """The scenario step an action was planned for, as it stands now (None when the
    scenario or the step has since been removed)."""
    row = Step.objects.filter(
        scenario__creditor_id=action.creditor_id, scenario__key=action.scenario, key=action.step
    ).first()
    return None if row is None else _step(row)
