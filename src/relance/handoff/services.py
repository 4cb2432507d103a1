"""Writers of the hand-off: partners, cases, their closing, and the payments partners
report. Each validates, saves and writes its audit event in one transaction."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from relance import audit
from relance.collection.models import Action, ActionStatus, PaymentPlan
from relance.collection.queries import disputed
from relance.collection.services import cancel_plan
from relance.core import handoff as core
from relance.core import plans
from relance.core.errors import DomainError
from relance.core.money import format_minor
from relance.handoff import queries
from relance.handoff.models import Case, CaseItem, CasePayment, Partner, PartnerKind
from relance.imports.services import apply_payment
from relance.law.interest import claimable, covered
from relance.ledger import balances
from relance.ledger.models import Creditor, Customer, Invoice, Payment

PARTNER_FIELDS = (
    "name", "kind", "email", "phone", "address", "postal_code", "city", "country",
    "contact_name", "reference", "language", "notes",
)  # fmt: skip
# The hand-off actions a person may still turn into a case (approved ones wait queued:
# the sender leaves hand-offs to a person).
OPEN_ACTION = (ActionStatus.AWAITING_APPROVAL, ActionStatus.QUEUED, ActionStatus.PLANNED)


def clean_partner(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items() if v is not None}
    unknown = set(out) - set(PARTNER_FIELDS)
    if unknown:
        raise DomainError(f"unknown partner fields: {', '.join(sorted(unknown))}")
    if not out.get("name"):
        raise DomainError("a partner needs a name")
    if out.get("kind") not in PartnerKind.values:
        raise DomainError(f"partner kind: one of {', '.join(PartnerKind.values)}")
    if "country" in out:
        out["country"] = out["country"].upper()
    return out


@transaction.atomic
def add_partner(creditor: Creditor, *, actor: str, **values: Any) -> Partner:
    fields = clean_partner(values)
    if Partner.objects.filter(creditor=creditor, name__iexact=fields["name"]).exists():
        raise DomainError(f"a partner named {fields['name']!r} exists already")
    partner = Partner.objects.create(creditor=creditor, **fields)
    audit.record(actor, "partner.created", partner, fields)
    return partner


def claimed(invoice: Invoice, on: date) -> core.Claimed:
    """What `invoice` claims on `on`: its open amount, and the penalties (up to the last
    day the rate tables cover) and indemnity (law.interest.claimable)."""
    found = claimable(invoice, on)
    return core.Claimed(
        invoice.number, invoice.currency, invoice.open_amount, found.penalties, found.indemnity
    )


def _invoices(customer: Customer, numbers: list[str] | None, on: date) -> list[Invoice]:
    """The named invoices, or the customer's overdue open undisputed invoices (one not
    yet due or disputed is not claimable as it stands: name it to hand it off too; the
    dossier then warns of it); each must be an open invoice of the customer."""
    if numbers:
        found = {i.number: i for i in customer.invoices.filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise DomainError(f"{customer.code} has no invoice {missing[0]!r}")
        chosen = [found[n] for n in dict.fromkeys(numbers)]
    else:
        chosen = list(
            customer.invoices.filter(kind="invoice", open_amount__gt=0, due_date__lt=on).exclude(
                disputed("pk")
            )
        )
    for inv in chosen:
        if inv.kind != "invoice" or inv.open_amount <= 0:
            raise DomainError(f"invoice {inv.number} has nothing open to hand off")
    if not chosen:
        raise DomainError(f"{customer.code} has no overdue invoice to hand off")
    return sorted(chosen, key=lambda i: (i.due_date, i.number))


@transaction.atomic
def hand_off(
    customer: Customer,
    partner: Partner,
    *,
    on: date,
    actor: str,
    invoices: list[str] | None = None,
    action: Action | None = None,
    note: str = "",
) -> Case:
    """Hand the customer's case to `partner`: dunning stops for the customer; the
    amounts claimed are stored per invoice, split into principal, penalties and
    indemnity as of the hand-off. A hand-off action of the worklist, when given, is done."""
    if partner.creditor_id != customer.creditor_id:
        raise DomainError(f"{partner.name} is not a partner of {customer.creditor}")
    if Case.objects.filter(customer=customer, status=core.CaseStatus.HANDED_OFF).exists():
        raise DomainError(f"{customer.code} is already handed off")
    if action is not None and (action.customer_id != customer.pk or action.channel != "handoff"):
        raise DomainError("that action is not a hand-off of this customer")
    # The customer's hand-off actions still on the worklist are done by this case,
    # whichever page it was opened from.
    pending = list(
        Action.objects.select_for_update()
        .filter(customer=customer, channel="handoff", status__in=OPEN_ACTION)
        .order_by("pk")
    )
    if action is not None and action.pk not in {a.pk for a in pending}:
        raise DomainError("that hand-off action was decided meanwhile")
    action = action or next(iter(pending), None)
    chosen = _invoices(customer, invoices, on)
    until = covered(on)
    split = [claimed(inv, on) for inv in chosen]
    try:
        with transaction.atomic():
            case = Case.objects.create(
                creditor_id=customer.creditor_id, customer=customer, partner=partner,
                action=action, status=core.CaseStatus.HANDED_OFF, handed_off_on=on,
                penalties_until=until, note=note.strip(), actor=actor,
            )  # fmt: skip
    except IntegrityError:  # a second hand-off of the same customer at the same moment
        raise DomainError(f"{customer.code} is already handed off") from None
    CaseItem.objects.bulk_create(
        CaseItem(
            case=case, invoice=inv, currency=c.currency,
            principal=c.principal, penalties=c.penalties, indemnity=c.indemnity,
        )
        for inv, c in zip(chosen, split, strict=True)
    )  # fmt: skip
    audit.record(actor, "case.handed_off", customer, {
        "case": case.pk, "partner": partner.name, "on": on, "penalties_until": until,
        "invoices": [i.number for i in chosen],
        "amounts": queries.amounts_json(core.totals(split)),
    })  # fmt: skip
    for done in pending:
        Action.objects.filter(pk=done.pk).update(
            status=ActionStatus.SENT, status_reason="handed off"
        )
        audit.record(actor, "action.done", done, {"status": [done.status, "sent"], "case": case.pk})
    # The partner collects now: the customer's current payment plans end.
    for plan in PaymentPlan.objects.filter(customer=customer, status__in=plans.CURRENT):
        cancel_plan(plan, on=on, actor=actor, reason="handed off", case=case.pk)
    return case


@transaction.atomic
def close_case(case: Case, event: core.CaseEvent, *, on: date, actor: str, note: str = "") -> Case:
    """Close the case (paid in full, withdrawn, uncollectable). A withdrawn case gives
    the customer back to dunning."""
    locked = Case.objects.select_for_update().get(pk=case.pk)
    status, outcome = core.transition(core.CaseStatus(locked.status), event)
    if on < locked.handed_off_on:
        raise DomainError(f"the case was handed off on {locked.handed_off_on}")
    locked.status, locked.outcome, locked.closed_on = status, outcome, on
    if note.strip():
        locked.note = f"{locked.note}\n{note.strip()}".strip()
    locked.save(update_fields=["status", "outcome", "closed_on", "note"])
    audit.record(actor, "case.closed", locked.customer, {
        "case": locked.pk, "outcome": outcome.value, "on": on, "note": note.strip(),
    })  # fmt: skip
    return locked


def remaining(case: Case) -> int:
    """What the case's invoices still have open, in minor units (any currency)."""
    ids = case.items.values_list("invoice_id", flat=True)
    return sum(Invoice.objects.filter(pk__in=ids).values_list("open_amount", flat=True))


@transaction.atomic
def record_payment(
    case: Case,
    *,
    amount: int,
    currency: str,
    on: date,
    actor: str,
    invoices: list[str] | None = None,
    reference: str = "",
    today: date,
) -> CasePayment:
    """A payment the partner reported: a ledger payment of the customer, allocated to the
    case's invoices (the named ones first); the case closes as paid when none of its
    invoices has anything open."""
    # Reports on one case go one at a time: each sees the case's status and payments.
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("customer", "partner", "creditor")
        .get(pk=case.pk)
    )
    if case.status != core.CaseStatus.HANDED_OFF:
        raise DomainError("the case is closed")
    if amount <= 0:
        raise DomainError("a payment is a positive amount")
    # Oldest due first (C. civ. 1342-10), as the ledger allocates an unassigned payment.
    items = {i.invoice.number: i.invoice for i in queries.items(case)}
    if currency not in {i.currency for i in items.values()}:
        raise DomainError(f"the case claims nothing in {currency}")
    hints = [n for n in (invoices or []) if n]
    for number in hints:
        if number not in items:
            raise DomainError(f"invoice {number} is not in the case")
    if not hints:  # the partner collects the case's invoices, not the rest of the account
        hints = [n for n, i in items.items() if i.currency == currency and i.open_amount > 0]
    customer = case.customer
    key = (
        "handoff-"
        + hashlib.sha256(
            f"{case.pk}|{on}|{amount}|{currency}|{reference}|{CasePayment.objects.filter(case=case).count()}".encode()
        ).hexdigest()[:32]
    )
    with balances.updating(case.creditor, today) as touched:
        payment = Payment.objects.create(
            creditor_id=case.creditor_id, customer=customer, key=key, date=on, amount=amount,
            currency=currency, reference=reference or f"{case.partner.name} #{case.pk}",
            method="handoff", unapplied=amount,
        )  # fmt: skip
        audit.record(actor, "payment.created", payment, {
            "amount": format_minor(amount, currency), "currency": currency,
            "reported_by": case.partner.name, "case": case.pk,
        })  # fmt: skip
        apply_payment(payment, hints=hints, actor=actor)
        touched.add(customer.pk)
    reported = CasePayment.objects.create(case=case, payment=payment, actor=actor)
    audit.record(actor, "case.payment_reported", customer, {
        "case": case.pk, "payment": payment.pk, "amount": format_minor(amount, currency),
        "currency": currency, "on": on, "unapplied": format_minor(payment.unapplied, currency),
    })  # fmt: skip
    if remaining(case) <= 0:
        close_case(case, core.CaseEvent.PAID, on=max(on, case.handed_off_on), actor=actor)
    return reported
