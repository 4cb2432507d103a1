"""Writers of the collection context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files import File
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
    DisputeComment,
    Note,
    PaymentPlan,
    PlanInstalment,
    Promise,
    Run,
    Scenario,
    Step,
)
from relance.core import disputes, engine, plans, promises, reasons
from relance.core import scenarios as core
from relance.core.disputes import DisputeEvent, DisputeStatus
from relance.core.errors import DomainError
from relance.core.money import format_minor
from relance.core.reasons import NoteSource
from relance.core.scenarios import StepMode
from relance.handoff.queries import open_cases
from relance.ledger.models import Allocation, Creditor, Customer, Invoice


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
    # Payment plans completed or defaulted, and their reminders queued (follow_plans).
    plans: list[dict[str, Any]] = field(default_factory=list)
    # When another run for the day held the lock and finished while this one waited.
    waited_for: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        """The contract of DESIGN.md section 6 (`relance run --json`), and the plans."""
        return {
            "date": self.date.isoformat(), "actions": self.actions, "skipped": self.skipped,
            **({"plans": self.plans} if self.plans else {}),
        }  # fmt: skip


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
    began = timezone.now()
    with transaction.atomic():
        Creditor.objects.select_for_update().filter(pk=creditor.pk).first()
        other = Run.objects.filter(creditor=creditor, date=day, finished_at__gte=began)
        waited_for = other.order_by("-finished_at").values_list("finished_at", flat=True).first()
        later = Run.objects.filter(creditor=creditor, date__gt=day).order_by("-date").first()
        if later is not None and not dry_run:
            raise DomainError(
                f"a run for {later.date} exists: runs go in date order (use --dry-run to look back)"
            )
        if not dry_run:  # broken promises first: their items are no longer held
            review_promises(creditor, day, actor=actor)
        if not dry_run:  # what a statement shows as paid is never reminded
            from relance.bank.matching import match_lines  # bank imports this module

            match_lines(creditor, actor=actor, today=day)
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
            waited_for=waited_for,
        )
        if not dry_run:
            result.run_id = _persist(creditor, plan, book, actor)
            result.plans = follow_plans(
                creditor, day, actor=actor, run=Run.objects.get(pk=result.run_id),
                business_day=engine.is_business_day(day, book),
            )  # fmt: skip
            if plan.actions or result.plans:
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
    amount follows), and so do, from a scenario's step, items since put in a payment
    plan, promised, or handed off; an action left with no item is cancelled, not sent.
    Returns how many actions were cancelled."""
    pending = Action.objects.filter(creditor=creditor, status__in=PENDING)
    dead = ActionItem.objects.filter(action__in=pending).filter(
        Q(invoice__open_amount__lte=0)
        | queries.disputed("invoice")
        | (~Q(action__scenario="") & queries.held("invoice", "invoice__customer"))
    )
    touched = set(dead.values_list("action_id", flat=True))
    if not touched:
        return 0
    dead.delete()
    emptied = Action.objects.filter(pk__in=Subquery(pending.values("pk"))).exclude(
        Exists(ActionItem.objects.filter(action=OuterRef("pk")))
    )
    cancelled = set(emptied.values_list("pk", flat=True))
    reason = queries.NO_LONGER_DUE
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


def _dispute_move(dispute: Dispute, event: DisputeEvent) -> Dispute:
    """The dispute locked and read again (two people may act on it at once), then moved
    through the core's table, or a clear error."""
    locked = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("invoice", "owner")
        .get(pk=dispute.pk)
    )
    locked.status = str(disputes.transition(DisputeStatus(locked.status), event))
    return locked


def _audit_dispute(actor: str, verb: str, dispute: Dispute, data: dict[str, Any]) -> None:
    audit.record(actor, verb, dispute, {"invoice": dispute.invoice.number, **data},
                 creditor_id=dispute.invoice.creditor_id)  # fmt: skip


@transaction.atomic
def open_dispute(
    invoice: Invoice,
    *,
    reason: str,
    on: date,
    actor: str,
    description: str = "",
    owner: Any = None,
    due_on: date | None = None,
    upload: File | None = None,
) -> Dispute:
    """The invoice is contested: the engine leaves it alone until the dispute is resolved
    (the customer's other items go on). A document sent with it starts the dispute's file
    (its first comment), in the same transaction."""
    code = disputes.parse_reason(reason)
    if invoice.kind != "invoice":
        raise DomainError(f"{invoice.number} is a credit note: dispute the invoice")
    if invoice.open_amount <= 0:
        raise DomainError(f"invoice {invoice.number} has nothing open")
    if invoice.disputes.filter(closed_on__isnull=True).exists():
        raise DomainError(f"invoice {invoice.number} is already disputed")
    due = disputes.resolution_due(on, due_on)
    if due < on:
        raise DomainError(f"a dispute opened on {on} cannot be due for resolution on {due}")
    dispute = Dispute.objects.create(
        invoice=invoice, reason=code, description=description.strip(), opened_on=on,
        opened_by=actor, due_on=due, owner=owner if getattr(owner, "pk", None) else None,
    )  # fmt: skip
    _audit_dispute(actor, "dispute.opened", dispute, {
        "reason": code, "description": dispute.description, "on": on, "due_on": due,
        "owner": dispute.owner.get_username() if dispute.owner else None,
    })  # fmt: skip
    if upload is not None:
        comment_dispute(dispute, upload=upload, actor=actor)
    return dispute


def open_dispute_of(invoice: Invoice) -> Dispute:
    dispute = invoice.disputes.filter(closed_on__isnull=True).first()
    if dispute is None:
        raise DomainError(f"invoice {invoice.number} has no open dispute")
    return dispute


@transaction.atomic
def close_dispute(invoice: Invoice, *, on: date, actor: str) -> Dispute:
    """The debtor withdrew the dispute: the invoice resumes at its next step."""
    dispute = open_dispute_of(invoice)
    _check_after(dispute, on)
    dispute = _dispute_move(dispute, DisputeEvent.WITHDRAW)
    dispute.closed_on = on
    dispute.save(update_fields=["status", "closed_on"])
    _audit_dispute(actor, "dispute.closed", dispute, {"status": dispute.status, "on": on})
    return dispute


def _check_after(dispute: Dispute, on: date) -> None:
    if on < dispute.opened_on:
        raise DomainError(f"the dispute was opened on {dispute.opened_on}")


RESOLUTIONS = {
    "credit_note": DisputeEvent.CREDIT_NOTE,
    "rejected": DisputeEvent.REJECT,
    "write_off": DisputeEvent.WRITE_OFF,
}


@transaction.atomic
def resolve_dispute(
    dispute: Dispute,
    resolution: str,
    *,
    on: date,
    actor: str,
    amount: int | None = None,
    comment: str = "",
) -> Dispute:
    """Resolve an open dispute: by a credit note (`amount`, or the whole open amount;
    a real credit note applied to the invoice), rejected (dunning resumes at the next
    step), or written off (what is left leaves dunning and the open balances)."""
    from relance.ledger import services as ledger

    if resolution not in RESOLUTIONS:
        raise DomainError(f"resolution: one of {', '.join(RESOLUTIONS)}")
    dispute = _dispute_move(dispute, RESOLUTIONS[resolution])
    _check_after(dispute, on)
    invoice = dispute.invoice
    data: dict[str, Any] = {"resolution": resolution, "on": on, "comment": comment.strip()}
    why = f"dispute {dispute.pk} ({dispute.reason})"
    if resolution == "credit_note":
        note = ledger.credit_invoice(invoice, amount, on=on, actor=actor, why=why)
        dispute.credit_note = note
        data |= {"credit_note": note.number, "amount": format_minor(-note.amount, note.currency)}
    elif resolution == "write_off":
        written = ledger.write_off(invoice, on=on, actor=actor, why=why)
        data["amount"] = format_minor(written.written_off, written.currency)
    elif amount is not None:
        raise DomainError("only a credit note takes an amount")
    dispute.closed_on = on
    dispute.save(update_fields=["status", "closed_on", "credit_note"])
    _audit_dispute(actor, "dispute.resolved", dispute, data)
    return dispute


@transaction.atomic
def comment_dispute(
    dispute: Dispute, *, text: str = "", upload: File | None = None, actor: str
) -> DisputeComment:
    """A comment on the dispute's file, with a document kept with its SHA-256."""
    from relance.ledger.services import file_digest

    if not text.strip() and upload is None:
        raise DomainError("a comment needs a text or a file")
    dispute = _dispute_move(dispute, DisputeEvent.COMMENT)
    comment = DisputeComment(dispute=dispute, text=text.strip(), author=actor)
    if upload is not None:
        comment.filename, comment.sha256 = file_digest(upload)
        comment.file.save(comment.filename, upload, save=False)
    comment.save()
    _audit_dispute(actor, "dispute.commented", dispute, {
        "comment": comment.pk, "text": comment.text, "file": comment.filename,
        "sha256": comment.sha256,
    })  # fmt: skip
    return comment


@transaction.atomic
def assign_dispute(dispute: Dispute, *, owner: Any, due_on: date | None, actor: str) -> Dispute:
    """A new owner (a user, or nobody) and resolution due date for an open dispute."""
    dispute = _dispute_move(dispute, DisputeEvent.ASSIGN)
    due = due_on or dispute.due_on
    if due < dispute.opened_on:
        raise DomainError(f"the dispute was opened on {dispute.opened_on}")
    before = {
        "owner": dispute.owner.get_username() if dispute.owner else None,
        "due_on": dispute.due_on,
    }
    dispute.owner = owner if getattr(owner, "pk", None) else None
    dispute.due_on = due
    dispute.save(update_fields=["owner", "due_on"])
    after = {"owner": dispute.owner.get_username() if dispute.owner else None, "due_on": due}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    if changes:
        _audit_dispute(actor, "dispute.assigned", dispute, {"changes": changes})
    return dispute


def _promise_items(customer: Customer, invoices: list[Invoice], until: date, currency: str) -> Any:
    """The items a promise covers: those named, or the customer's items due by the date."""
    if invoices:
        return Invoice.objects.filter(pk__in=[i.pk for i in invoices])
    return customer.invoices.filter(kind="invoice", currency=currency, due_date__lte=until)


@transaction.atomic
def record_promise(
    customer: Customer,
    *,
    until: date,
    on: date,
    actor: str,
    amount: int | None = None,
    invoices: list[Invoice] | None = None,
    grace_days: int = promises.DEFAULT_GRACE_DAYS,
    channel: str = promises.PromiseChannel.CALL,
) -> Promise:
    """The debtor promised to pay by `until`: the items (all the customer's when none are
    named) wait until then plus the grace days. It is kept when the payments allocated
    to them reach `amount` (or what they owe now) by then; broken otherwise."""
    how = promises.parse_channel(channel)
    if until < on:
        raise DomainError(f"a promise to pay by {until} recorded on {on} is already past")
    if amount is not None and amount <= 0:
        raise DomainError("a promised amount is more than zero")
    named = list(invoices or [])
    for inv in named:
        if inv.customer_id != customer.pk:
            raise DomainError(f"invoice {inv.number} is not {customer.code}'s")
    currencies = {i.currency for i in named} or {customer.creditor.currency}
    if len(currencies) > 1:
        raise DomainError("a promise covers invoices of one currency")
    currency = currencies.pop()
    items = _promise_items(customer, named, until, currency).filter(open_amount__gt=0)
    owed = items.aggregate(t=Sum("open_amount"))["t"]
    promise = Promise.objects.create(
        customer=customer, promised_date=until, amount=amount, grace_days=grace_days,
        recorded_on=on, currency=currency, owed=owed or 0, channel=how, recorded_by=actor,
    )  # fmt: skip
    promise.invoices.set(named)
    audit.record(actor, "promise.recorded", customer, {
        "promise": promise.pk, "until": until, "channel": how, "currency": currency,
        "amount": None if amount is None else format_minor(amount, currency),
        "invoices": [i.number for i in named],
    })  # fmt: skip
    return promise


@transaction.atomic
def cancel_promise(promise: Promise, *, on: date, actor: str) -> Promise:
    """The promise no longer holds (replaced, or recorded by mistake): its items resume."""
    if promise.status != promises.PromiseStatus.OPEN:
        raise DomainError(f"the promise is {promise.status}: only an open one is cancelled")
    promise.status, promise.closed_on = promises.PromiseStatus.CANCELLED, on
    promise.save(update_fields=["status", "closed_on"])
    audit.record(actor, "promise.cancelled", promise.customer, {"promise": promise.pk, "on": on})
    return promise


def promise_facts(promise: Promise) -> promises.PromiseFacts:
    return promises.PromiseFacts(
        promise.recorded_on, promise.promised_date, promise.grace_days,
        promise.amount if promise.amount is not None else promise.owed,
    )  # fmt: skip


# How long a broken promise is looked at again: a payment made in time but imported
# late still keeps it; older ones stay as they are, so a run's cost does not grow with
# years of history.
MENDING = timedelta(days=60)


@transaction.atomic
def review_promises(
    creditor: Creditor, today: date, *, actor: str, customer: Customer | None = None
) -> dict[str, int]:
    """Decide the open promises (and the broken ones an earlier-dated payment may since
    have kept) from the allocations to their items: kept ones close themselves, broken
    ones are recorded and raise an alert on the worklist. A promise never goes back to
    open. Returns how many became kept and broken."""
    candidates = Promise.objects.filter(
        Q(status=promises.PromiseStatus.OPEN)
        | Q(status=promises.PromiseStatus.BROKEN, closed_on__gte=today - MENDING),
        customer__creditor=creditor, recorded_on__lte=today,
    ).select_related("customer__creditor").prefetch_related("invoices")  # fmt: skip
    if customer is not None:
        candidates = candidates.filter(customer=customer)
    found = {"kept": 0, "broken": 0}
    for promise in candidates.select_for_update(of=("self",)):
        items = _promise_items(
            promise.customer, list(promise.invoices.all()), promise.promised_date, promise.currency
        )
        # Only money keeps a promise: a credit note lowers the debt, it pays nothing.
        paid = Allocation.objects.filter(
            invoice__in=items, date__gte=promise.recorded_on, payment__isnull=False
        )
        new, closed = promises.status(
            promise_facts(promise), paid.values_list("date", "amount"), today
        )
        moves = (new == promises.PromiseStatus.KEPT) or (
            new == promises.PromiseStatus.BROKEN and promise.status == promises.PromiseStatus.OPEN
        )
        if not moves or new == promise.status:
            continue
        promise.status, promise.closed_on = new, closed
        promise.save(update_fields=["status", "closed_on"])
        found[str(new)] += 1
        audit.record(actor, f"promise.{new}", promise.customer, {
            "promise": promise.pk, "on": closed, "until": promise.promised_date,
        })  # fmt: skip
    return found


@transaction.atomic
def record_note(
    customer: Customer,
    *,
    reason: str,
    text: str = "",
    on: date,
    actor: str,
    source: str = NoteSource.NOTE,
    invoices: list[Invoice] | None = None,
    call: Any = None,
) -> Note:
    """What the debtor said on a contact, with the reason for non-payment they gave."""
    code = reasons.parse_reason(reason)
    if source not in NoteSource.__members__.values():
        raise DomainError(f"source: one of {', '.join(s.value for s in NoteSource)}")
    for inv in invoices or []:
        if inv.customer_id != customer.pk:
            raise DomainError(f"invoice {inv.number} is not {customer.code}'s")
    note = Note.objects.create(
        customer=customer, reason=code, text=text.strip(), source=source, noted_on=on,
        actor=actor, call=call,
    )  # fmt: skip
    note.invoices.set(invoices or [])
    audit.record(actor, "note.recorded", customer, {
        "note": note.pk, "reason": code, "source": source, "text": note.text,
        "invoices": [i.number for i in invoices or []],
    })  # fmt: skip
    return note


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
    amounts: list[int] | None = None,
    penalties: bool = False,
    reminder_days: int = 5,
    grace_days: int = 5,
) -> PaymentPlan:
    """A payment plan over `invoices` (proposed until the debtor signs it): their items
    leave dunning while it is current. With `penalties`, the penalties and indemnity due
    on `on` are added to the total as their own line."""
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
        if inv.kind != "invoice":
            raise DomainError(f"{inv.number} is not an invoice")
    if open_cases().filter(customer=customer).exists():
        raise DomainError(f"{customer.code} is handed off: the partner agrees any plan")
    contested = Dispute.objects.filter(invoice__in=invoices, closed_on__isnull=True)
    if contested.exists():
        numbers = ", ".join(sorted(contested.values_list("invoice__number", flat=True)))
        raise DomainError(f"disputed: {numbers} (resolve the dispute before a plan)")
    taken = PaymentPlan.objects.filter(invoices__in=invoices, status__in=plans.CURRENT).values_list(
        "invoices__number", flat=True
    )
    busy = sorted(set(taken) & {i.number for i in invoices})
    if busy:
        raise DomainError(f"already in a current plan: {', '.join(busy)}")
    if first < on:
        raise DomainError(f"the first instalment ({first}) comes before the plan ({on})")
    currency = currencies.pop()
    principal = sum(i.open_amount for i in invoices)
    extra, until = _plan_penalties(invoices, on) if penalties else (0, None)
    lines = plans.schedule(
        principal + extra, count, first, every,
        down_payment=down_payment, amounts=amounts, currency=currency,
    )  # fmt: skip
    plan = PaymentPlan.objects.create(
        customer=customer, starts_on=on, currency=currency, principal=principal,
        penalties=extra, penalties_until=until, every=every, reminder_days=reminder_days,
        grace_days=grace_days,
    )  # fmt: skip
    plan.invoices.set(invoices)
    PlanInstalment.objects.bulk_create(
        PlanInstalment(
            plan=plan, number=n, due_date=d, amount=a, down_payment=bool(down_payment) and n == 1
        )
        for n, (d, a) in enumerate(lines, start=1)
    )
    _record_plan(actor, "plan.created", plan, {
        "invoices": [i.number for i in invoices], "currency": currency,
        "principal": format_minor(principal, currency), "penalties": format_minor(extra, currency),
        "every": every,
        "instalments": [{"date": d, "amount": format_minor(a, currency)} for d, a in lines],
    })  # fmt: skip
    return plan


def _plan_penalties(invoices: list[Invoice], on: date) -> tuple[int, date]:
    """The penalties and fixed indemnity due on the overdue invoices on `on`, or on the
    last day the rate tables cover when they stop earlier (as the letters do), and that
    day."""
    from relance.law.interest import claimable, covered

    found = [claimable(i, on) for i in invoices if i.due_date < on]
    return sum(f.penalties + f.indemnity for f in found), covered(on)


def _record_plan(actor: str, verb: str, plan: PaymentPlan, data: dict[str, Any]) -> None:
    audit.record(actor, verb, plan, {"customer": plan.customer.code, **data},
                 creditor_id=plan.customer.creditor_id)  # fmt: skip


def _move_plan(plan: PaymentPlan, event: str, on: date, actor: str, **data: Any) -> PaymentPlan:
    """Apply `event` to the plan (relance.core.plans.TRANSITIONS), audited."""
    before = plan.status
    plan.status = plans.transition(plan.status, event)
    fields = ["status"]
    if plan.status not in plans.CURRENT:
        plan.ended_on = on
        fields.append("ended_on")
    plan.save(update_fields=fields)
    verbs = {
        "sign": "signed",
        "complete": "completed",
        "default": "defaulted",
        "cancel": "cancelled",
    }
    _record_plan(actor, f"plan.{verbs[event]}", plan,
                 {"status": [before, plan.status], "on": on, **data})  # fmt: skip
    return plan


@transaction.atomic
def sign_plan(plan: PaymentPlan, *, on: date, actor: str) -> PaymentPlan:
    """The debtor signed the agreement: an acknowledgement of the debt, which restarts
    its prescription from `on` (C. civ. 2240)."""
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if on < plan.starts_on:
        raise DomainError(f"the plan starts on {plan.starts_on}")
    plan.signed_on = on
    plan.save(update_fields=["signed_on"])
    return _move_plan(plan, "sign", on, actor)


@transaction.atomic
def cancel_plan(plan: PaymentPlan, *, on: date, actor: str, **why: Any) -> PaymentPlan:
    """The plan is called off: its items are back in dunning. `why` goes in the event
    (a hand-off says so)."""
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    return _move_plan(plan, "cancel", max(on, plan.starts_on), actor, **why)


def _plan_channel(customer: Customer, *, sms: bool) -> tuple[str, str]:
    """The channel a plan's message goes by, and the fallback it took: email, else SMS
    (for a reminder), else a letter to print."""
    if customer.email:
        return "email", ""
    if sms and customer.phone:
        return "sms", "no email: sms"
    return "letter", "no email: letter"


def _plan_action(
    plan: PaymentPlan,
    step: str,
    amount: int,
    day: date,
    *,
    actor: str,
    run: Run | None = None,
    instalment: int | None = None,
) -> Action | None:
    """An action in the outbox about the plan's open invoices, for the sender (None when
    they are all paid, unless the plan claims penalties: then about all of them)."""
    invoices = plan.invoices.order_by("due_date", "number")
    items = list(invoices.filter(open_amount__gt=0)) or (list(invoices) if plan.penalties else [])
    if not items:
        return None
    customer = plan.customer
    channel, fallback = _plan_channel(customer, sms=step != "plan_agreement")
    information: dict[str, Any] = {"plan": plan.pk}
    if instalment is not None:
        information["instalment"] = instalment
    action = Action.objects.create(
        run=run, creditor_id=customer.creditor_id, customer=customer, date=day, scenario="",
        step=step, channel=channel, channels=[channel], mode=StepMode.AUTO.value,
        currency=plan.currency, amount=amount, fallback=fallback, status=ActionStatus.QUEUED,
        information=information,
    )  # fmt: skip
    ActionItem.objects.bulk_create(
        ActionItem(
            action=action,
            invoice=i,
            step=step,
            date=day,
            days_overdue=max(0, (day - i.due_date).days),
        )
        for i in items
    )
    audit.record(actor, "action.planned", action,
                 {"step": step, "items": [i.number for i in items], "plan": plan.pk})  # fmt: skip
    return action


@transaction.atomic
def send_plan_letter(plan: PaymentPlan, *, on: date, actor: str) -> Action:
    """Queue the agreement letter: by email with the PDF attached, or as a letter to
    print when the customer has no email address."""
    plan = PaymentPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status not in plans.CURRENT:
        raise DomainError(f"the plan is {plan.status}: no agreement to send")
    action = _plan_action(plan, "plan_agreement", plan.total, on, actor=actor)
    if action is None:
        raise DomainError("the plan's invoices are all paid")
    _record_plan(
        actor, "plan.letter_queued", plan, {"action": action.pk, "channel": action.channel}
    )
    transaction.on_commit(wake_sender)
    return action


def follow_plans(
    creditor: Creditor, day: date, *, actor: str, run: Run | None, business_day: bool
) -> list[dict[str, Any]]:
    """In a collection run: complete the plans that were paid, default those with an
    instalment unpaid past the grace days (their items resume dunning at their next
    step), and queue the reminders due, each at most once. Returns what happened."""
    done: list[dict[str, Any]] = []
    # A handed-off customer gets no more plan reminders (hand_off cancels the plans).
    handed_off = set(open_cases().filter(creditor=creditor).values_list("customer_id", flat=True))
    current = (
        PaymentPlan.objects.filter(
            customer__creditor=creditor, status__in=plans.CURRENT, starts_on__lte=day
        )
        .select_related("customer")
        .prefetch_related("lines", "invoices")
    )
    for plan in current.order_by("pk"):
        lines = queries.plan_lines(plan)
        paid = queries.plan_paid(plan, day)
        # Settled invoices end a plan unless it claims penalties, paid apart (plan_paid).
        settled = not plan.penalties and not any(i.open_amount > 0 for i in plan.invoices.all())
        event = plans.outcome(plan.status, lines, paid, day, plan.grace_days, settled=settled)
        if event is not None:
            _move_plan(plan, event, day, actor, paid=format_minor(paid, plan.currency))
            done.append({"plan": plan.pk, "customer": plan.customer.code, "status": plan.status})
            continue
        if not business_day or plan.customer_id in handed_off:
            continue
        done += _remind(plan, plans.instalment_states(lines, paid, day), day, actor, run)
    return done


def _remind(
    plan: PaymentPlan, states: list[plans.InstalmentState], day: date, actor: str, run: Run | None
) -> list[dict[str, Any]]:
    """The plan's reminder due today (a missed instalment first; one a day at most)."""
    rows = {line.number: line for line in plan.lines.all()}
    sent = {(n, plans.ReminderKind.BEFORE) for n, r in rows.items() if r.reminder_id} | {
        (n, plans.ReminderKind.MISSED) for n, r in rows.items() if r.missed_reminder_id
    }
    due = plans.reminders(
        states, day, before_days=plan.reminder_days, grace_days=plan.grace_days, sent=sent
    )
    if not due:
        return []
    number, kind = sorted(due, key=lambda d: (d[1] != plans.ReminderKind.MISSED, d[0]))[0]
    state = states[number - 1]
    action = _plan_action(
        plan, kind.value, state.left, day, actor=actor, run=run, instalment=number
    )
    if action is None:
        return []
    line = rows[number]
    slot = "reminder" if kind == plans.ReminderKind.BEFORE else "missed_reminder"
    setattr(line, slot, action)
    line.save(update_fields=[slot])
    _record_plan(actor, "plan.reminded", plan,
                 {"instalment": number, "kind": kind.value, "action": action.pk})  # fmt: skip
    return [{"plan": plan.pk, "customer": plan.customer.code, "reminder": kind.value,
             "instalment": number, "channel": action.channel}]  # fmt: skip


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
