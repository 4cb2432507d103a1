"""Writers of the collection context."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from relance import audit
from relance.bulk import Inserter
from relance.collection import queries
from relance.collection.models import (
    Action,
    ActionItem,
    ActionStatus,
    Dispute,
    PaymentPlan,
    Promise,
    Run,
    Scenario,
    Step,
)
from relance.core import engine, plans
from relance.core import scenarios as core
from relance.core.errors import DomainError
from relance.core.money import format_minor
from relance.core.scenarios import StepMode
from relance.ledger.models import Creditor, Customer, Invoice


def install_default_scenarios(creditor: Creditor, *, actor: str) -> list[Scenario]:
    """The scenarios Relance ships, for a creditor that has none of them yet; "Standard
    B2B (France)" becomes the default when there is none."""
    made = [
        save_scenario(creditor, spec, actor=actor)
        for spec in core.DEFAULT_SCENARIOS
        if not creditor.scenarios.filter(key=spec.key).exists()
    ]
    if not creditor.scenarios.filter(is_default=True).exists():
        creditor.scenarios.filter(key=core.STANDARD_B2B.key).update(is_default=True)
    return made


@dataclass
class RunResult:
    date: date
    actions: list[dict[str, Any]]
    skipped: list[dict[str, Any]]
    cancelled: int = 0
    run_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The contract of DESIGN.md section 6 (`relance run --json`)."""
        return {"date": self.date.isoformat(), "actions": self.actions, "skipped": self.skipped}


_STATUS_BY_MODE = {
    StepMode.AUTO: ActionStatus.QUEUED,
    StepMode.APPROVAL: ActionStatus.AWAITING_APPROVAL,
    StepMode.TASK: ActionStatus.PLANNED,
}
PENDING = (ActionStatus.PLANNED, ActionStatus.AWAITING_APPROVAL, ActionStatus.QUEUED)


def run_collection(
    creditor: Creditor, day: date, *, actor: str, dry_run: bool = False
) -> RunResult:
    """The collection run for `day`: cancel what is no longer due, plan, persist, audit.

    Runs for one creditor are serialised by a lock on the creditor row (and by SQLite's
    single writer), so two runs for the same day plan each action once.
    """
    with transaction.atomic():
        Creditor.objects.select_for_update().filter(pk=creditor.pk).first()
        later = Run.objects.filter(creditor=creditor, date__gt=day).order_by("-date").first()
        if later is not None and not dry_run:
            raise DomainError(
                f"a run for {later.date} exists: runs go in date order (use --dry-run to look back)"
            )
        cancelled = 0 if dry_run else cancel_stale_actions(creditor, actor=actor)
        book = queries.ledger(creditor, day)
        if not book.scenarios:
            raise DomainError("the creditor has no scenario: run `relance init`")
        plan = engine.plan(book, day)
        result = RunResult(
            day,
            [_action_json(a) for a in plan.actions],
            [_skip_json(s) for s in plan.skipped],
            cancelled,
        )
        if not dry_run:
            result.run_id = _persist(creditor, plan, book, actor)
            if plan.actions:
                transaction.on_commit(wake_sender)
    return result


def wake_sender() -> None:
    """The worker, when one runs, sends what was queued without waiting."""
    from relance.channels.jobs import wake_sender

    wake_sender()


def _action_json(action: engine.Action) -> dict[str, Any]:
    return {
        "customer": action.customer,
        "step": action.step,
        "channel": action.channel,
        "channels": list(action.channels),
        "mode": action.mode,
        "currency": action.currency,
        "amount": format_minor(action.amount, action.currency),
        "invoices": list(action.items),
        "days_overdue": list(action.days_overdue),
        "scenario": action.scenario,
        **({"fallback": action.fallback} if action.fallback else {}),
        **({"other_invoices": list(action.other_items)} if action.other_items else {}),
        **({"credit_notes": list(action.credits)} if action.credits else {}),
    }


def _skip_json(skip: engine.Skip) -> dict[str, Any]:
    data: dict[str, Any] = {
        "customer": skip.customer,
        "reason": str(skip.reason),
        "invoices": list(skip.items),
    }
    if skip.until:
        data["until"] = skip.until.isoformat()
    return data


ACTION_FIELDS = (
    "run_id", "creditor_id", "customer_id", "date", "scenario", "step", "channel", "channels",
    "mode", "currency", "amount", "fallback", "status", "terminal", "information",
)  # fmt: skip
ITEM_FIELDS = ("action_id", "invoice_id", "step", "date", "days_overdue")


def _persist(creditor: Creditor, plan: engine.Plan, book: engine.Ledger, actor: str) -> int:
    """The run, its actions (the outbox) and their items, with an audit event per action.
    A first run over a large ledger plans tens of thousands of actions: raw bulk inserts."""
    now = timezone.now()
    run = Run.objects.create(
        creditor=creditor, date=plan.date, actor=actor, started_at=now, finished_at=now,
        skipped=[_skip_json(s) for s in plan.skipped],
    )  # fmt: skip
    terminal = {s.key for sc in book.scenarios.values() for s in sc.steps if s.terminal}
    Inserter(Action, ACTION_FIELDS).insert(
        (
            run.pk,
            creditor.pk,
            book.customers[a.customer].ref,
            plan.date,
            a.scenario,
            a.step,
            a.channel,
            json.dumps(a.channels),
            a.mode,
            a.currency,
            a.amount,
            a.fallback,
            _STATUS_BY_MODE[StepMode(a.mode)],
            a.step in terminal,
            json.dumps({"other_invoices": list(a.other_items), "credit_notes": list(a.credits)}),
        )
        for a in plan.actions
    )
    # One action per customer and run: the customer finds each action's id.
    ids = dict(Action.objects.filter(run=run).values_list("customer_id", "id"))
    refs = {(i.customer, i.number): i.ref for i in book.items}
    Inserter(ActionItem, ITEM_FIELDS).insert(
        (ids[book.customers[a.customer].ref], refs[(a.customer, n)], a.step, plan.date, late)
        for a in plan.actions
        for n, late in zip(a.items, a.days_overdue, strict=True)
    )
    Inserter(
        audit.Event, ("actor", "creditor_id", "verb", "subject_type", "subject_id", "data")
    ).insert(
        (
            actor,
            creditor.pk,
            "action.planned",
            "action",
            ids[book.customers[a.customer].ref],
            json.dumps({"step": a.step, "items": list(a.items)}),
        )
        for a in plan.actions
    )
    audit.record(actor, "run.completed", run, {"actions": len(plan.actions), "skipped": len(plan.skipped)},
                 creditor_id=creditor.pk)  # fmt: skip
    return run.pk


def cancel_stale_actions(creditor: Creditor, *, actor: str) -> int:
    """Before a run: items paid or disputed since their action was planned leave it (its
    amount follows), and an action left with no item is cancelled, not sent. Returns how
    many actions were cancelled."""
    pending = Action.objects.filter(creditor=creditor, status__in=PENDING)
    open_dispute = Dispute.objects.filter(invoice=OuterRef("invoice"), closed_on__isnull=True)
    dead = ActionItem.objects.filter(action__in=pending).filter(
        Q(invoice__open_amount__lte=0) | Exists(open_dispute)
    )
    touched = set(dead.values_list("action_id", flat=True))
    if not touched:
        return 0
    dead.delete()
    emptied = Action.objects.filter(pk__in=Subquery(pending.values("pk"))).exclude(
        Exists(ActionItem.objects.filter(action=OuterRef("pk")))
    )
    cancelled = set(emptied.values_list("pk", flat=True))
    reason = "items paid or disputed"
    emptied.update(status=ActionStatus.CANCELLED, status_reason=reason)
    remaining = ActionItem.objects.filter(action=OuterRef("pk")).values("action")
    amount = Subquery(remaining.annotate(total=Sum("invoice__open_amount")).values("total"))
    edited = sorted(touched - cancelled)
    for start in range(0, len(edited), 900):  # within SQLite's limit on query parameters
        Action.objects.filter(pk__in=edited[start : start + 900]).update(amount=amount)
    audit.Event.objects.bulk_create(
        audit.Event(
            actor=actor, verb="action.cancelled" if pk in cancelled else "action.edited",
            subject_type="action", subject_id=pk, creditor_id=creditor.pk,
            data={"reason": reason},
        )
        for pk in sorted(touched)
    )  # fmt: skip
    return len(cancelled)


@transaction.atomic
def open_dispute(invoice: Invoice, *, reason: str, on: date, actor: str) -> Dispute:
    """The invoice is contested: the engine leaves it alone until the dispute closes."""
    if not reason.strip():
        raise DomainError("a dispute needs a reason")
    if invoice.disputes.filter(closed_on__isnull=True).exists():
        raise DomainError(f"invoice {invoice.number} is already disputed")
    dispute = Dispute.objects.create(invoice=invoice, reason=reason.strip(), opened_on=on)
    audit.record(
        actor,
        "dispute.opened",
        invoice,
        {"dispute": dispute.pk, "reason": dispute.reason, "on": on},
    )
    return dispute


@transaction.atomic
def close_dispute(invoice: Invoice, *, on: date, actor: str) -> Dispute:
    dispute = invoice.disputes.filter(closed_on__isnull=True).first()
    if dispute is None:
        raise DomainError(f"invoice {invoice.number} has no open dispute")
    if on < dispute.opened_on:
        raise DomainError(f"the dispute was opened on {dispute.opened_on}")
    dispute.closed_on = on
    dispute.save(update_fields=["closed_on"])
    audit.record(actor, "dispute.closed", invoice, {"dispute": dispute.pk, "on": on})
    return dispute


@transaction.atomic
def record_promise(
    customer: Customer,
    *,
    until: date,
    on: date,
    actor: str,
    amount: int | None = None,
    invoices: list[Invoice] | None = None,
    grace_days: int = 2,
) -> Promise:
    """The debtor promised to pay by `until`: the items (all the customer's when none are
    named) wait until then plus the grace days."""
    if until < on:
        raise DomainError(f"a promise to pay by {until} recorded on {on} is already past")
    for inv in invoices or []:
        if inv.customer_id != customer.pk:
            raise DomainError(f"invoice {inv.number} is not {customer.code}'s")
    promise = Promise.objects.create(
        customer=customer, promised_date=until, amount=amount, grace_days=grace_days, recorded_on=on
    )
    promise.invoices.set(invoices or [])
    audit.record(
        actor, "promise.recorded", customer,
        {"promise": promise.pk, "until": until, "amount": amount, "invoices": [i.number for i in invoices or []]},
    )  # fmt: skip
    return promise


@transaction.atomic
def hold(customer: Customer, *, until: date | None, actor: str) -> Customer:
    """No reminders to this customer until `until` (None lifts the hold)."""
    before = customer.hold_until
    customer.hold_until = until
    customer.save(update_fields=["hold_until", "updated_at"])
    audit.record(actor, "customer.held", customer, {"changes": {"hold_until": [before, until]}})
    return customer


# What a person may do to an action from the worklist, and the status it leads to.
DECISIONS = {
    "approve": (ActionStatus.AWAITING_APPROVAL, ActionStatus.QUEUED, ""),
    "reject": (ActionStatus.AWAITING_APPROVAL, ActionStatus.CANCELLED, "rejected"),
    "done": (ActionStatus.PLANNED, ActionStatus.SENT, "done"),
}


@transaction.atomic
def decide(creditor: Creditor, action_ids: list[int], decision: str, *, actor: str) -> int:
    """Approve or reject actions awaiting approval, or mark tasks done; returns how many
    changed. Actions in another state are left alone (someone decided first)."""
    before, after, reason = DECISIONS[decision]
    actions = list(
        Action.objects.select_for_update().filter(
            creditor=creditor, pk__in=action_ids, status=before
        )
    )
    for action in actions:
        action.status, action.status_reason = after, reason
        action.save(update_fields=["status", "status_reason"])
        audit.record(actor, f"action.{decision}d" if decision != "done" else "action.done", action,
                     {"status": [before, after]})  # fmt: skip
    if actions and after == ActionStatus.QUEUED:
        transaction.on_commit(wake_sender)
    return len(actions)


@transaction.atomic
def save_scenario(creditor: Creditor, spec: core.Scenario, *, actor: str) -> Scenario:
    """Create or replace the creditor's scenario `spec.key`, steps included."""
    row, created = Scenario.objects.get_or_create(
        creditor=creditor, key=spec.key,
        defaults={"name": spec.name, "min_gap_days": spec.min_gap_days},
    )  # fmt: skip
    before = None if created else core.to_dict(queries.scenario(row))
    row.name, row.min_gap_days, row.min_amount = spec.name, spec.min_gap_days, dict(spec.min_amount)
    row.save()
    row.steps.all().delete()
    Step.objects.bulk_create(
        Step(
            scenario=row,
            position=n,
            key=s.key,
            offset=s.offset,
            channels=[c.value for c in s.channels],
            mode=s.mode.value,
            template=s.template,
            segments=list(s.conditions.segments),
            kinds=list(s.conditions.kinds),
            risk_classes=list(s.conditions.risk_classes),
            min_amount=dict(s.conditions.min_amount),
            penalties=s.penalties,
            statement=s.statement,
        )
        for n, s in enumerate(spec.steps, start=1)
    )
    after = core.to_dict(spec)
    if before != after:
        verb = "scenario.created" if created else "scenario.updated"
        audit.record(actor, verb, row, {"before": before, "after": after})
    return row


@transaction.atomic
def create_plan(
    customer: Customer,
    invoices: list[Invoice],
    *,
    count: int,
    every: str,
    first: date,
    on: date,
    actor: str,
    down_payment: int = 0,
) -> PaymentPlan:
    """A payment plan over `invoices`: their items leave dunning while the plan is current."""
    if not invoices:
        raise DomainError("a plan covers at least one invoice")
    currencies = {i.currency for i in invoices}
    if len(currencies) > 1:
        raise DomainError("a plan covers invoices of one currency")
    for inv in invoices:
        if inv.customer_id != customer.pk:
            raise DomainError(f"invoice {inv.number} is not {customer.code}'s")
        if inv.open_amount <= 0:
            raise DomainError(f"invoice {inv.number} has nothing open")
    total = sum(i.open_amount for i in invoices)
    lines = plans.schedule(total, count, first, every, down_payment=down_payment)
    currency = currencies.pop()
    plan = PaymentPlan.objects.create(
        customer=customer, starts_on=on,
        instalments=[{"date": d.isoformat(), "amount": format_minor(a, currency)} for d, a in lines],
    )  # fmt: skip
    plan.invoices.set(invoices)
    audit.record(actor, "plan.created", customer, {
        "plan": plan.pk, "invoices": [i.number for i in invoices], "currency": currency,
        "instalments": plan.instalments,
    })  # fmt: skip
    return plan


EDITABLE_CHANNELS = ("email", "letter", "registered_letter", "call", "sms")


@transaction.atomic
def change_channel(creditor: Creditor, action_ids: list[int], channel: str, *, actor: str) -> int:
    """Send selected actions that have not gone out yet by another channel."""
    if channel not in EDITABLE_CHANNELS:
        raise DomainError(f"channel: one of {', '.join(EDITABLE_CHANNELS)}")
    actions = list(
        Action.objects.select_for_update().filter(
            creditor=creditor, pk__in=action_ids, status__in=PENDING
        )
    )
    for action in actions:
        before = action.channels
        action.channel, action.channels = channel, [channel]
        action.save(update_fields=["channel", "channels"])
        audit.record(actor, "action.edited", action, {"changes": {"channels": [before, [channel]]}})
    return len(actions)
