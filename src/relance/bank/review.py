"""A person reviewing the matching of statement lines: accept, assign, ignore, undo.

Each decision is one transaction with its audit events, and refreshes the balances of
the customers it touches. An accepted or assigned line is matched for good: matching
runs no longer look at it, nor at an ignored one. Undo takes the line's payment off the
invoices it paid (they are open again, and reminded again when overdue) and deletes
that payment; the line is back to what it was before the decision. A match undone is
remembered on the line: the next matching run may propose it again but never applies
it by itself, otherwise undo would be pointless.

The payer IBAN learned from an undone match is forgotten, unless another matched line
of the same customer was paid from it: a wrong match must not teach the next run to
send that payer's money to the wrong customer again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction

from relance import audit
from relance.bank.matching import PAYMENT_KEY, apply_match, create_payment, line_json
from relance.bank.models import MatchStatus, PayerAccount, StatementLine
from relance.core import matching
from relance.core.errors import DomainError
from relance.core.ledger import spread
from relance.core.money import format_minor
from relance.ledger import balances
from relance.ledger.models import Creditor, Customer, Invoice, Payment
from relance.ledger.services import allocate_payment, unallocate_payment

MANUAL = "manual"  # the reason of a match a person made
# A line a person may decide on: not yet matched nor ignored.
OPEN_STATUSES = ("", MatchStatus.PROPOSED, MatchStatus.UNMATCHED)


def _line(creditor: Creditor, pk: int) -> StatementLine:
    line = (
        StatementLine.objects.select_for_update(of=("self",))
        .filter(creditor=creditor, pk=pk)
        .select_related("payment")
        .first()
    )
    if line is None:
        raise DomainError(f"no statement line {pk}")
    return line


def _open_line(creditor: Creditor, pk: int) -> StatementLine:
    line = _line(creditor, pk)
    if line.amount <= 0 or line.return_reason:
        raise DomainError(f"line {pk} is not money in: it pays no invoice")
    if line.match_status not in OPEN_STATUSES:
        raise DomainError(f"line {pk} is already {line.match_status}: undo it first")
    return line


def _previous(line: StatementLine) -> dict[str, Any]:
    return {"status": line.match_status, "proposal": line.proposal, "score": line.match_score}


def accept(creditor: Creditor, pk: int, *, actor: str, today: date) -> StatementLine:
    """Apply the line's proposal as it is."""
    with transaction.atomic(), balances.updating(creditor, today) as touched:
        line = _open_line(creditor, pk)
        if not line.proposal.get("customer"):
            raise DomainError(f"line {pk} has no proposal to accept: assign it")
        parts = [(number, amount) for number, amount in line.proposal["parts"]]
        customer = _customer(creditor, line.proposal["customer"])
        reasons = list(line.proposal.get("reasons", []))
        _apply(line, customer, parts, line.match_score or 0, reasons, actor)
        touched.add(customer.pk)
    return line


def assign(
    creditor: Creditor,
    pk: int,
    customer_code: str,
    invoices: Sequence[tuple[str, int | None]],
    *,
    actor: str,
    today: date,
) -> StatementLine:
    """Apply the line to `customer_code`'s `invoices`, each with its amount (minor units;
    None: what the line has left, up to the invoice's open amount). What is not
    allocated stays on the payment as the customer's credit."""
    with transaction.atomic(), balances.updating(creditor, today) as touched:
        line = _open_line(creditor, pk)
        customer = _customer(creditor, customer_code)
        parts = _parts(line, customer, invoices)
        _apply(line, customer, parts, 100, [MANUAL], actor)
        touched.add(customer.pk)
    return line


def _customer(creditor: Creditor, code: str) -> Customer:
    customer = Customer.objects.filter(creditor=creditor, code=code).first()
    if customer is None:
        raise DomainError(f"no customer {code!r}")
    return customer


def _parts(
    line: StatementLine, customer: Customer, invoices: Sequence[tuple[str, int | None]]
) -> list[tuple[str, int]]:
    """The chosen amounts, the missing ones filled with what the line has left."""
    found = {
        i.number: i
        for i in Invoice.objects.filter(
            customer=customer, number__in=[number for number, _ in invoices]
        )
    }
    missing = [number for number, _ in invoices if number not in found]
    if missing:
        raise DomainError(f"{', '.join(missing)}: not an invoice of customer {customer.code}")
    given = sum(amount for _, amount in invoices if amount is not None)
    left = max(0, line.amount - given)
    unsaid = [found[number] for number, amount in invoices if amount is None]
    filled = dict(spread(left, unsaid))
    parts = [
        (number, amount if amount is not None else filled.get(number, 0))
        for number, amount in invoices
    ]
    total = sum(amount for _, amount in parts)
    if total > line.amount:
        raise DomainError(
            f"{format_minor(total, line.currency)} allocated is more than the line's "
            f"{format_minor(line.amount, line.currency)} {line.currency}"
        )
    return parts


def _apply(
    line: StatementLine,
    customer: Customer,
    parts: list[tuple[str, int]],
    score: int,
    reasons: list[str],
    actor: str,
) -> None:
    if Payment.objects.filter(
        creditor_id=line.creditor_id, key=PAYMENT_KEY.format(line.fingerprint)
    ).exists():
        raise DomainError(f"line {line.pk} already has a payment: undo it first")
    previous = _previous(line)
    payment = create_payment(line, customer, actor)
    allocate_payment(payment, parts, actor=actor)
    apply_match(line, matching.Proposal(customer.code, tuple(parts), score, tuple(reasons)),
                customer, actor)  # fmt: skip
    line.review = {**line.review, "previous": previous}
    line.save(update_fields=["review"])


def ignore(creditor: Creditor, pk: int, *, actor: str) -> StatementLine:
    """Not a customer's payment (a refund, interest): matching leaves it alone."""
    with transaction.atomic():
        line = _open_line(creditor, pk)
        line.review = {**line.review, "previous": _previous(line)}
        line.match_status = MatchStatus.IGNORED
        line.save(update_fields=["match_status", "review"])
        audit.record(actor, "statement_line.ignored", line, {}, creditor_id=line.creditor_id)
    return line


def undo(creditor: Creditor, pk: int, *, actor: str, today: date) -> StatementLine:
    """Reverse the line's match (automatic or not) or its ignoring; nothing when there
    is nothing to undo, so that running it twice is harmless."""
    with transaction.atomic(), balances.updating(creditor, today) as touched:
        line = _line(creditor, pk)
        if line.match_status == MatchStatus.MATCHED:
            _unmatch(line, actor, touched)
        elif line.match_status == MatchStatus.IGNORED:
            _restore(line)
            line.save(update_fields=["match_status", "proposal", "match_score", "review"])
            audit.record(actor, "statement_line.unignored", line, {},
                         creditor_id=line.creditor_id)  # fmt: skip
    return line


def _unmatch(line: StatementLine, actor: str, touched: set[int]) -> None:
    payment = line.payment
    applied = dict(line.proposal)
    reopened: list[str] = []
    if payment is not None:
        if hasattr(payment, "handoff"):
            raise DomainError(f"line {line.pk}'s payment was reported by a hand-off partner")
        reopened = [i.number for i in unallocate_payment(payment, actor=actor)]
        if payment.customer_id is not None:
            touched.add(payment.customer_id)
            _forget_payer(line, payment.customer_id, actor)
        line.payment = None
        line.save(update_fields=["payment"])
        audit.record(actor, "payment.deleted", payment, {
            "amount": format_minor(payment.amount, payment.currency),
            "currency": payment.currency, "source": "bank statement", "why": "match undone",
        })  # fmt: skip
        payment.delete()
    undone = {
        "customer": applied.get("customer"),
        "invoices": [n for n, _ in applied.get("parts", [])],
    }
    if "previous" in line.review:
        _restore(line)
    else:  # applied by matching: the match is its own proposal, for review this time
        line.match_status = (
            MatchStatus.PROPOSED if applied.get("customer") else MatchStatus.UNMATCHED
        )
    if undone["customer"] and not line.was_undone(undone["customer"], undone["invoices"]):
        line.review = {**line.review, "undone": [*line.review.get("undone", []), undone]}
    line.save(update_fields=["match_status", "proposal", "match_score", "review"])
    audit.record(actor, "statement_line.undone", line, {**undone, "reopened": reopened},
                 creditor_id=line.creditor_id)  # fmt: skip


def _restore(line: StatementLine) -> None:
    previous = line.review.pop("previous", None) or {}
    line.match_status = previous.get("status") or (
        MatchStatus.PROPOSED if line.proposal.get("customer") else MatchStatus.UNMATCHED
    )
    line.proposal = previous.get("proposal", line.proposal)
    line.match_score = previous.get("score", line.match_score)


def _forget_payer(line: StatementLine, customer_id: int, actor: str) -> None:
    if not line.counterparty_iban:
        return
    still_paying = (
        StatementLine.objects.filter(
            creditor_id=line.creditor_id,
            match_status=MatchStatus.MATCHED,
            payment__customer_id=customer_id,
            counterparty_iban=line.counterparty_iban,
        )
        .exclude(pk=line.pk)
        .exists()
    )
    if still_paying:
        return
    for account in PayerAccount.objects.filter(
        customer_id=customer_id, iban=line.counterparty_iban
    ):
        audit.record(actor, "payer_account.forgotten", account, {"customer": account.customer.code},
                     creditor_id=line.creditor_id)  # fmt: skip
        account.delete()


def describe(line: StatementLine) -> dict[str, Any]:
    """The line after a decision, as the `relance match` commands print it."""
    data = line_json(line)
    payment = line.payment
    data["status"] = line.match_status
    data["undone"] = line.review.get("undone", [])
    data["payment"] = None
    if payment is not None:
        data["payment"] = {
            "customer": payment.customer.code if payment.customer else None,
            "unapplied": format_minor(payment.unapplied, payment.currency),
            "allocations": [
                {"invoice": a.invoice.number, "amount": format_minor(a.amount, payment.currency)}
                for a in payment.allocations.select_related("invoice").order_by("pk")
            ],
        }
    return data


def to_review(creditor: Creditor, limit: int) -> list[StatementLine]:
    """The money-in lines a person has to look at: proposed first, then unmatched."""
    lines = StatementLine.objects.filter(creditor=creditor, amount__gt=0, return_reason="")
    proposed = lines.filter(match_status=MatchStatus.PROPOSED).order_by("booked", "pk")
    unmatched = lines.filter(match_status=MatchStatus.UNMATCHED).order_by("booked", "pk")
    return [*proposed[:limit], *unmatched[:limit]]


def settled(creditor: Creditor, limit: int) -> list[StatementLine]:
    """The lines matched or ignored, the latest first, for an undo."""
    return list(
        StatementLine.objects.filter(
            creditor=creditor, match_status__in=[MatchStatus.MATCHED, MatchStatus.IGNORED]
        )
        .select_related("payment__customer")
        .order_by("-booked", "-pk")[:limit]
    )


def open_invoices(customer: Customer, currency: str, limit: int) -> list[Invoice]:
    """What a line may be assigned to: the customer's open invoices, oldest due first."""
    return list(
        Invoice.objects.filter(
            customer=customer, currency=currency, kind="invoice", open_amount__gt=0
        ).order_by("due_date", "number")[:limit]
    )
