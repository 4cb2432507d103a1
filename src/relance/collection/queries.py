"""Loading what the engine needs for one creditor and date, in a few set-based queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from functools import cache
from itertools import chain
from operator import attrgetter
from typing import Any

import holidays
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Sum

from relance.audit import Event
from relance.collection.models import (
    Action,
    ActionItem,
    ActionStatus,
    Dispute,
    Note,
    PaymentPlan,
    Promise,
    Scenario,
    SegmentScenario,
    Step,
)
from relance.core import engine
from relance.core import plans as plans_core
from relance.core import scenarios as core
from relance.core.disputes import DisputeStatus, is_overdue
from relance.core.law import add_years, alert_months, deadline, for_country, shortest_prescription
from relance.core.money import format_minor, typed_minor
from relance.core.promises import PromiseStatus, keeping_rate
from relance.core.reasons import ReasonCount, statistics
from relance.handoff import queries as handoff
from relance.ledger.models import (
    OPEN_ITEMS,
    PRESCRIPTION_START,
    Allocation,
    Contact,
    Creditor,
    Customer,
    Invoice,
    Payment,
)

# A step counts as taken for an item unless its action was cancelled, except by a
# person's rejection: then the step is decided and not planned again the next day. Only
# live actions count as contacts and hand-offs.
ITEM_TAKEN = ~Q(action__status=ActionStatus.CANCELLED) | Q(action__status_reason="rejected")
LIVE = ~Q(status=ActionStatus.CANCELLED)


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
    any payment plan covering it: the debtor's request for instalments from the plan's
    start, then the signed agreement from its date (acknowledgements of the debt,
    C. civ. 2240)."""
    found: dict[int, list[date]] = defaultdict(list)
    paid = Allocation.objects.filter(invoice__in=invoices, date__lte=day).values("invoice_id")
    for invoice_id, last in paid.annotate(last=Max("date")).values_list("invoice_id", "last"):
        found[invoice_id].append(last)
    plans = PaymentPlan.objects.filter(invoices__in=invoices, starts_on__lte=day)
    for invoice_id, started, signed in plans.values_list("invoices", "starts_on", "signed_on"):
        found[invoice_id].append(signed if signed and signed <= day else started)
    return found


def prescription_alerts(creditor: Creditor, day: date, months: int = 6) -> list[dict[str, Any]]:
    """Open invoices whose prescription deadline falls within `months`: the worklist warns
    at 6, 3 and 1 months, so that a court claim or an acknowledgement comes first."""
    rules = for_country(creditor.country)
    shortest = shortest_prescription(rules)
    if shortest is None:
        return []

    @cache
    def horizon(years: int) -> date:
        """The latest start (delivery, or else the invoice) whose period of `years`
        ends within `months`; acknowledgements only push deadlines later."""
        return add_years(day, -years) + timedelta(days=31 * months)

    # Delivered or invoiced early enough for the shortest period (index
    # invoice_open_start; its statistics tell PostgreSQL how few they are); then each
    # invoice's own period (a business's five years, not a consumer's two) leaves the few
    # whose payments need a look.
    found = (
        Invoice.objects.filter(OPEN_ITEMS, creditor=creditor, open_amount__gt=0)
        .annotate(start=PRESCRIPTION_START)
        .filter(start__lte=horizon(shortest))
        .values_list("id", "number", "customer__code", "customer__kind", "start")
    )
    rows = []
    for pk, number, code, kind, start in found:
        years = rules.prescription_years(kind)
        if years and start <= horizon(years):
            rows.append((pk, number, code, kind, start))
    acknowledged = acknowledgements(Invoice.objects.filter(pk__in=[r[0] for r in rows]), day)
    alerts = []
    for pk, number, code, kind, start in rows:
        last_day = deadline(rules, kind, start, acknowledged.get(pk, []))
        months_left = alert_months(last_day, day) if last_day else None
        if months_left:
            alerts.append(
                {"invoice": number, "customer": code, "deadline": last_day, "months": months_left}
            )
    return sorted(alerts, key=lambda a: a["deadline"])


def plan_lines(plan: PaymentPlan) -> list[tuple[date, int]]:
    return [(line.due_date, line.amount) for line in plan.lines.all()]


def plan_paid(plan: PaymentPlan, day: date) -> int:
    """What paid the plan from its start to `day`: the allocations to its invoices and,
    when it claims penalties (which have no invoice of their own), the customer's
    payments in its currency since its start left unapplied on `day`, up to the
    penalties line. It pays the instalments, oldest first
    (relance.core.plans.instalment_states)."""
    total = Allocation.objects.filter(
        invoice__in=plan.invoices.all(), date__gte=plan.starts_on, date__lte=day
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0) + (_unapplied(plan, day) if plan.penalties > 0 else 0)


def _unapplied(plan: PaymentPlan, day: date) -> int:
    """The part of the customer's payments in the plan's currency, dated from the plan's
    start to `day`, not allocated by `day`, up to the plan's penalties."""
    payments = Payment.objects.filter(
        customer_id=plan.customer_id, currency=plan.currency,
        date__gte=plan.starts_on, date__lte=day,
    )  # fmt: skip
    received = payments.aggregate(total=Sum("amount"))["total"] or 0
    allocated = Allocation.objects.filter(payment__in=payments, date__lte=day).aggregate(
        total=Sum("amount")
    )["total"]
    return max(0, min(plan.penalties, int(received) - int(allocated or 0)))


def plan_states(plan: PaymentPlan, day: date) -> list[plans_core.InstalmentState]:
    return plans_core.instalment_states(plan_lines(plan), plan_paid(plan, day), day)


def disputes(
    creditor: Creditor, today: date, *, overdue: bool = False, open_only: bool = False
) -> QuerySet[Dispute]:
    """The creditor's disputes, the oldest resolution due date first; `overdue`: the open
    ones past it (what the worklist shows)."""
    qs = Dispute.objects.filter(invoice__creditor=creditor).select_related(
        "invoice__customer", "owner", "credit_note"
    )
    if overdue or open_only:
        qs = qs.filter(status=DisputeStatus.OPEN)
    if overdue:
        qs = qs.filter(due_on__lt=today)
    return qs.order_by("due_on", "pk")


def dispute_json(d: Dispute, today: date) -> dict[str, Any]:
    inv = d.invoice
    return {
        "id": d.pk,
        "invoice": inv.number,
        "customer": inv.customer.code,
        "reason": d.reason,
        "description": d.description,
        "status": d.status,
        "owner": d.owner.get_username() if d.owner else None,
        "opened_on": d.opened_on.isoformat(),
        "due_on": d.due_on.isoformat(),
        "overdue": is_overdue(DisputeStatus(d.status), d.opened_on, d.due_on, today),
        "closed_on": d.closed_on.isoformat() if d.closed_on else None,
        "currency": inv.currency,
        "amount": format_minor(inv.amount, inv.currency),
        "open_amount": format_minor(inv.open_amount, inv.currency),
        "credit_note": d.credit_note.number if d.credit_note else None,
    }


def customer_timeline(customer: Customer, newest: int | None = None) -> list[Event]:
    """Every event about the customer, oldest first, or only its `newest`: its own, and its
    invoices', disputes', payment plans', actions' and payments' (the customer page, the
    hand-off dossier). Asked one kind of subject at a time, each from the index on its
    subjects: a query that ORs them reads the whole audit trail."""
    kinds = {
        "invoice": customer.invoices.values("id"),
        "dispute": Dispute.objects.filter(invoice__customer=customer).values("id"),
        "paymentplan": customer.plans.values("id"),
        "action": customer.actions.values("id"),
        "payment": customer.payments.values("id"),
    }
    parts = [Event.objects.filter(subject_type="customer", subject_id=customer.pk)] + [
        Event.objects.filter(subject_type=kind, subject_id__in=ids) for kind, ids in kinds.items()
    ]
    if newest is not None:
        parts = [part.order_by("-at", "-id")[:newest] for part in parts]
    events = sorted(chain.from_iterable(parts), key=attrgetter("at", "id"))
    return events[-newest:] if newest else events


ALLOCATION_VERBS = ("invoice.allocated", "invoice.unallocated")


def _minor(text: Any, currency: str) -> int | None:
    """An amount the audit trail kept as a decimal string, in minor units (None if absent)."""
    return typed_minor(str(text), currency) if text not in (None, "") else None


def timeline_rows(events: list[Event]) -> list[dict[str, Any]]:
    """The customer page's timeline: each event with what a person reads in it. A payment
    comes with its amount and the invoices it pays (as allocated now: a later bank
    review may move them), an allocation with its invoice, amount and what paid it (a
    payment, a credit note), a credit note with what it credits. Three queries at most."""
    payment_ids = {e.subject_id for e in events if e.subject_type == "payment"} | {
        e.data.get("payment") for e in events if e.verb in ALLOCATION_VERBS
    }
    payments = Payment.objects.filter(pk__in=[pk for pk in payment_ids if pk]).prefetch_related(
        Prefetch("allocations", Allocation.objects.select_related("invoice").order_by("pk"))
    )
    by_payment = {p.pk: p for p in payments}
    invoices = Invoice.objects.filter(
        pk__in={e.subject_id for e in events if e.subject_type == "invoice"}
    ).only("number", "currency")
    by_invoice = {i.pk: i for i in invoices}
    rows = []
    for e in events:
        row: dict[str, Any] = {"e": e}
        if e.subject_type == "payment" and e.verb == "payment.created":
            row["payment"] = by_payment.get(e.subject_id)
        invoice = by_invoice.get(e.subject_id) if e.subject_type == "invoice" else None
        if invoice is not None:
            row["number"], row["currency"] = invoice.number, invoice.currency
            # These verbs keep their amount as a decimal string (format_minor); an
            # import's invoice.created keeps minor units, and is shown by its number.
            if e.verb in ALLOCATION_VERBS:
                row["amount"] = _minor(e.data.get("amount"), invoice.currency)
                row["paid_by"] = by_payment.get(e.data.get("payment"))
                row["credit_note"] = e.data.get("credit_note", "")
            elif e.verb == "invoice.created" and e.data.get("credits"):
                row["amount"] = _minor(e.data.get("amount"), invoice.currency)
                row["credits"] = e.data["credits"]
        rows.append(row)
    return rows


def dispute_timeline(dispute: Dispute) -> QuerySet[Event]:
    """Everything that happened to the dispute, oldest first (the audit events)."""
    return Event.objects.filter(subject_type="dispute", subject_id=dispute.pk).order_by("at", "id")


BROKEN_ALERT_DAYS = 30  # a broken promise stays on the worklist this long


def promises(
    creditor: Creditor, *, status: str = "", customer: Customer | None = None
) -> QuerySet[Promise]:
    qs = Promise.objects.filter(customer__creditor=creditor).select_related("customer")
    if status:
        qs = qs.filter(status=status)
    if customer is not None:
        qs = qs.filter(customer=customer)
    return qs.prefetch_related("invoices").order_by("-promised_date", "-pk")


def broken_promises(creditor: Creditor, today: date) -> QuerySet[Promise]:
    """Promises broken within the last days: the worklist's alert."""
    since = today - timedelta(days=BROKEN_ALERT_DAYS)
    return promises(creditor, status=PromiseStatus.BROKEN).filter(
        closed_on__gt=since, closed_on__lte=today
    )


def promise_json(p: Promise) -> dict[str, Any]:
    return {
        "id": p.pk,
        "customer": p.customer.code,
        "promised_date": p.promised_date.isoformat(),
        "grace_days": p.grace_days,
        "currency": p.currency,
        "amount": None if p.amount is None else format_minor(p.amount, p.currency),
        "owed": format_minor(p.owed, p.currency),
        "invoices": sorted(i.number for i in p.invoices.all()),
        "channel": p.channel,
        "recorded_on": p.recorded_on.isoformat(),
        "recorded_by": p.recorded_by,
        "status": p.status,
        "closed_on": p.closed_on.isoformat() if p.closed_on else None,
    }


def promise_keeping(customer: Customer) -> dict[str, Any]:
    """How the customer keeps their promises: counts per status and the keeping rate
    (kept over kept and broken; None before any was decided)."""
    counts = dict(
        customer.promises.values("status").annotate(n=Count("id")).values_list("status", "n")
    )
    rate = keeping_rate(PromiseStatus(s) for s, n in counts.items() for _ in range(n))
    return {
        "kept": counts.get(PromiseStatus.KEPT, 0),
        "broken": counts.get(PromiseStatus.BROKEN, 0),
        "open": counts.get(PromiseStatus.OPEN, 0),
        "cancelled": counts.get(PromiseStatus.CANCELLED, 0),
        "rate": None if rate is None else str(rate),
    }


def reason_statistics(
    creditor: Creditor, *, customer: Customer | None = None, since: date | None = None
) -> list[ReasonCount]:
    """The reasons for non-payment given, per reason, the most frequent first."""
    notes = Note.objects.filter(customer__creditor=creditor)
    if customer is not None:
        notes = notes.filter(customer=customer)
    if since is not None:
        notes = notes.filter(noted_on__gte=since)
    return statistics(notes.values_list("customer__code", "reason", "noted_on").iterator())


def reasons_json(stats: list[ReasonCount]) -> list[dict[str, Any]]:
    return [
        {"reason": r.reason, "count": r.count, "customers": r.customers, "share": str(r.share),
         "last": r.last.isoformat()}
        for r in stats
    ]  # fmt: skip


def _current_plans(plans: QuerySet[PaymentPlan], day: date) -> set[int]:
    """Invoices in a plan that is current on `day`: started, not ended by then (a plan
    ended later was current that day), not broken by an instalment left unpaid past the
    grace days."""
    current: set[int] = set()
    live = plans.filter(starts_on__lte=day).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
    for plan in live.prefetch_related("invoices", "lines"):
        invoices = [i.pk for i in plan.invoices.all()]
        paid = plan_paid(plan, day)
        if not plans_core.defaulted(plan_lines(plan), paid, day, plan.grace_days):
            current.update(invoices)
    return current


def get_plan(creditor: Creditor, pk: int) -> PaymentPlan:
    from relance.ledger.queries import NotFound

    plan = (
        PaymentPlan.objects.filter(customer__creditor=creditor, pk=pk)
        .select_related("customer__creditor")
        .first()
    )
    if plan is None:
        raise NotFound(f"no payment plan {pk}")
    return plan


def plans_of(creditor: Creditor, customer: Customer | None = None) -> QuerySet[PaymentPlan]:
    found = PaymentPlan.objects.filter(customer__creditor=creditor)
    if customer is not None:
        found = found.filter(customer=customer)
    return found.select_related("customer").order_by("-starts_on", "-pk")


def plan_alerts(creditor: Creditor, day: date, days: int = 30) -> QuerySet[PaymentPlan]:
    """Plans that defaulted in the last `days`: the worklist shows them, for a call."""
    return plans_of(creditor).filter(
        status=plans_core.PlanStatus.DEFAULTED,
        ended_on__gt=day - timedelta(days=days),
        ended_on__lte=day,
    )


def plan_detail(
    plan: PaymentPlan, day: date, states: list[plans_core.InstalmentState] | None = None
) -> dict[str, Any]:
    """A plan as the CLI and the pages show it: its figures, and each instalment's state
    and reminders on `day` (`states`, when the caller already has them)."""
    if states is None:
        states = plan_states(plan, day)
    rows = {line.number: line for line in plan.lines.all()}
    return {
        "id": plan.pk,
        "customer": plan.customer.code,
        "status": plan.status,
        "currency": plan.currency,
        "invoices": [i.number for i in plan.invoices.order_by("due_date", "number")],
        "principal": format_minor(plan.principal, plan.currency),
        "penalties": format_minor(plan.penalties, plan.currency),
        "total": format_minor(plan.total, plan.currency),
        "paid": format_minor(sum(s.paid for s in states), plan.currency),
        "every": plan.every,
        "starts_on": plan.starts_on,
        "signed_on": plan.signed_on,
        "ended_on": plan.ended_on,
        "instalments": [
            {
                "number": s.number,
                "date": s.due_date,
                "amount": format_minor(s.amount, plan.currency),
                "paid": format_minor(s.paid, plan.currency),
                "status": s.status.value,
                "down_payment": rows[s.number].down_payment,
                "reminded": rows[s.number].reminder_id is not None,
                "missed_reminded": rows[s.number].missed_reminder_id is not None,
            }
            for s in states
        ],
    }


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
    # A kept or cancelled promise holds nothing back from the day it closed.
    promises = Promise.objects.filter(customer__creditor=creditor, recorded_on__lte=day).exclude(
        status__in=[PromiseStatus.KEPT, PromiseStatus.CANCELLED], closed_on__lte=day
    )
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


def next_step(customer: Customer, today: date) -> dict[str, Any]:
    """The customer page's "what comes next": the first action the engine's runs from
    today would take if nobody paid (within PREVIEW_DAYS), and what today's plan leaves
    aside and why (a hold, a promise, a dispute, the minimum gap...)."""
    book = ledger(customer.creditor, today, customer)
    schedule = engine.simulate(book, today, PREVIEW_DAYS)
    return {
        "action": schedule[0] if schedule else None,
        "skipped": engine.plan(book, today).skipped,
        "days": PREVIEW_DAYS,
    }


# Why an action lost its items before it went out.
NO_LONGER_DUE = "items paid, disputed, promised, in a plan or handed off since planned"


def disputed(invoice: str) -> Exists:
    """Whether the invoice at `invoice` (an OuterRef path) has an open dispute."""
    return Exists(Dispute.objects.filter(invoice=OuterRef(invoice), closed_on__isnull=True))


def held(invoice: str, customer: str) -> Q:
    """Items that scenario dunning leaves alone since an agreement or a hand-off, for the
    invoice and customer at those OuterRef paths: in a current payment plan, under an
    open promise (named, or of the whole account), or of a customer with an open case."""
    in_plan = PaymentPlan.objects.filter(invoices=OuterRef(invoice), status__in=plans_core.CURRENT)
    promises = Promise.objects.filter(status=PromiseStatus.OPEN)
    return (
        Exists(in_plan)
        | Exists(promises.filter(invoices=OuterRef(invoice)))
        | Exists(promises.filter(customer=OuterRef(customer), invoices__isnull=True))
        | Exists(handoff.open_cases().filter(customer=OuterRef(customer)))
    )


def live_items(action: Action) -> list[Invoice]:
    """The action's items that it may still remind now: undisputed; for a scenario's
    step, open and not held by a plan, a promise or a hand-off since it was planned; for
    a plan's message, none unless the plan is still current and the customer not handed
    off, then the open ones (all of them while penalties, which have no invoice of their
    own, are what remains to pay)."""
    ids = ActionItem.objects.filter(action=action).values("invoice_id")
    items = Invoice.objects.filter(pk__in=ids).exclude(disputed("pk"))
    plan_id = action.information.get("plan")
    if plan_id is None:
        items = items.filter(open_amount__gt=0).exclude(held("pk", "customer"))
    else:
        plan = (
            PaymentPlan.objects.filter(pk=plan_id, status__in=plans_core.CURRENT)
            .exclude(Exists(handoff.open_cases().filter(customer=OuterRef("customer"))))
            .first()
        )
        if plan is None:
            return []
        if not plan.penalties or items.filter(open_amount__gt=0).exists():
            items = items.filter(open_amount__gt=0)
    return list(items.select_related("creditor", "customer").order_by("due_date", "number"))


def step_of(action: Action) -> core.Step | None:
    """The scenario step an action was planned for, as it stands now (None when the
    scenario or the step has since been removed)."""
    row = Step.objects.filter(
        scenario__creditor_id=action.creditor_id, scenario__key=action.scenario, key=action.step
    ).first()
    return None if row is None else _step(row)
