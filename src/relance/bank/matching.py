"""Matching the money-in statement lines to open invoices (the rules: core.matching).

Runs after every statement import and before every collection run, so that no reminder
goes out for an item a statement already shows as paid. The open items and what is
known of the payers are loaded once per run (one query each), not once per line.

A proposal at or above core.matching.AUTO_APPLY becomes a ledger Payment (key
"bank:<line fingerprint>", so a line is never applied twice) allocated to the proposed
invoices by imports.services.apply_payment; the payer's IBAN and distinctive name are then
learned for the customer (learn_payer). Below, the line keeps the proposal for review,
and the customer is held: until a person settles that line, which of its items are the
oldest still open is unsure (core.matching.Book.held). Every change is audited.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction

from relance import audit
from relance.bank.models import MatchStatus, PayerAccount, PayerName, StatementLine
from relance.channels.documents import payment_reference
from relance.core import matching
from relance.core.money import format_minor
from relance.imports.services import apply_payment
from relance.ledger import balances
from relance.ledger.models import Creditor, Customer, Invoice, Payment

PAYMENT_KEY = "bank:{}"


@dataclass
class MatchResult:
    matched: int = 0
    proposed: list[StatementLine] = field(default_factory=list)
    unmatched: int = 0


def _book(creditor: Creditor, currencies: set[str]) -> tuple[matching.Book, dict[str, Customer]]:
    invoices = (
        Invoice.objects.filter(
            creditor=creditor, currency__in=currencies, open_amount__gt=0, kind="invoice"
        )
        .order_by("due_date", "number")
        .values_list(
            "number", "customer_id", "currency", "open_amount", "payment_reference", "issue_date"
        )
    )
    rows = list(invoices)
    ids = {row[1] for row in rows}
    customers = {
        c.pk: c
        for c in Customer.objects.filter(creditor=creditor).only(
            "id", "creditor_id", "code", "name", "iban"
        )
        if c.pk in ids
    }
    items = [
        matching.Item(number, customers[cid].code, currency, amount, ref, issued)
        for number, cid, currency, amount, ref, issued in rows
    ]
    ibans: dict[int, set[str]] = defaultdict(set)
    for customer_id, iban in PayerAccount.objects.filter(creditor=creditor).values_list(
        "customer_id", "iban"
    ):
        ibans[customer_id].add(matching.plain(iban))
    names: dict[int, set[str]] = defaultdict(set)
    for customer_id, name in PayerName.objects.filter(creditor=creditor).values_list(
        "customer_id", "name"
    ):
        names[customer_id].add(name)
    payers = [
        matching.Payer(
            c.code,
            payment_reference(c),
            frozenset(ibans[c.pk] | ({matching.plain(c.iban)} if c.iban else set())),
            frozenset(names[c.pk]),
            c.name,
        )
        for c in customers.values()
    ]
    # A learned name is evidence only while its customer alone has it: the Book needs
    # every customer's learned names, not only those with open items.
    others = [
        matching.Payer(f"#{cid}", "", names=frozenset(n))
        for cid, n in names.items()
        if cid not in customers
    ]
    return matching.Book(items, payers + others), {c.code: c for c in customers.values()}


def match_lines(creditor: Creditor, *, actor: str, today: date) -> MatchResult:
    """Match every money-in line not matched yet; apply what scores high enough."""
    result = MatchResult()
    with transaction.atomic():
        lines = list(
            StatementLine.objects.select_for_update()
            .filter(creditor=creditor, amount__gt=0, return_reason="")
            .exclude(match_status__in=[MatchStatus.MATCHED, MatchStatus.IGNORED])
            .order_by("booked", "id")
        )
        if lines:
            _match(creditor, lines, result, actor, today)
    return result


def _match(
    creditor: Creditor, lines: list[StatementLine], result: MatchResult, actor: str, today: date
) -> None:
    with balances.updating(creditor, today) as touched:
        book, customers = _book(creditor, {line.currency for line in lines})
        for line in lines:
            proposals = book.propose(
                matching.Line(
                    line.amount,
                    line.currency,
                    line.reference,
                    line.text,
                    line.counterparty_name,
                    line.counterparty_iban,
                    line.booked,
                )
            )
            best = proposals[0] if proposals else None
            # A match a person undid is never applied again without one (bank.review).
            undone = best is not None and line.was_undone(best.customer, (n for n, _ in best.parts))
            if best is not None and best.automatic and not undone:
                apply_match(line, best, customers[best.customer], actor)
                book.paid(best.parts)
                touched.add(customers[best.customer].pk)
                result.matched += 1
            elif best is not None:
                _keep(line, MatchStatus.PROPOSED, best, actor)
                book.held(best.customer)
                result.proposed.append(line)
            else:
                _keep(line, MatchStatus.UNMATCHED, None, actor)
                result.unmatched += 1


def _proposal_json(best: matching.Proposal) -> dict[str, object]:
    return {
        "customer": best.customer,
        "parts": [list(p) for p in best.parts],
        "reasons": list(best.reasons),
    }


def _keep(line: StatementLine, status: str, best: matching.Proposal | None, actor: str) -> None:
    proposal = _proposal_json(best) if best else {}
    score = best.score if best else None
    if (line.match_status, line.proposal, line.match_score) == (status, proposal, score):
        return  # looked at again, nothing new: no audit noise
    line.match_status, line.proposal, line.match_score = status, proposal, score
    line.save(update_fields=["match_status", "proposal", "match_score"])
    audit.record(
        actor, f"statement_line.{status}", line, {"score": score, **proposal},
        creditor_id=line.creditor_id,
    )  # fmt: skip


def apply_match(
    line: StatementLine, best: matching.Proposal, customer: Customer, actor: str
) -> None:
    """Turn the line into a payment of `customer` allocated as `best` says; learn the payer."""
    key = PAYMENT_KEY.format(line.fingerprint)
    payment = Payment.objects.filter(creditor_id=line.creditor_id, key=key).first()
    if payment is None:
        payment = create_payment(line, customer, actor)
        apply_payment(payment, hints=[number for number, _ in best.parts], actor=actor)
    line.match_status, line.payment, line.match_score = MatchStatus.MATCHED, payment, best.score
    line.proposal = _proposal_json(best)
    line.save(update_fields=["match_status", "payment", "match_score", "proposal"])
    audit.record(
        actor, "statement_line.matched", line,
        {"score": best.score, "payment": payment.pk, **_proposal_json(best)},
        creditor_id=line.creditor_id,
    )  # fmt: skip
    learn_payer(line, customer, actor)


def create_payment(line: StatementLine, customer: Customer, actor: str) -> Payment:
    """The ledger payment of a money-in line, all of it unapplied yet."""
    payment = Payment.objects.create(
        creditor_id=line.creditor_id,
        customer=customer,
        key=PAYMENT_KEY.format(line.fingerprint),
        date=line.booked,
        amount=line.amount,
        currency=line.currency,
        reference=(line.reference or line.end_to_end_id or line.text)[:200],
        method="transfer",
        unapplied=line.amount,
    )
    audit.record(
        actor,
        "payment.created",
        payment,
        {
            "amount": format_minor(payment.amount, payment.currency),
            "currency": payment.currency,
            "source": "bank statement",
        },
    )
    return payment


def learn_payer(line: StatementLine, customer: Customer, actor: str) -> None:
    """Remember what identified this customer's payment, for its next ones: the payer's
    IBAN, and its name when distinctive (core.matching.name_key) and not the customer's
    own name (that one is known already)."""
    name = matching.name_key(line.counterparty_name)
    if name and name != matching.name_key(customer.name):
        known, created = PayerName.objects.get_or_create(
            creditor_id=line.creditor_id, customer=customer, name=name
        )
        if created:
            audit.record(
                actor, "payer_name.learned", known, {"customer": customer.code, "name": name},
                creditor_id=line.creditor_id,
            )  # fmt: skip
    if line.counterparty_iban:
        account, created = PayerAccount.objects.get_or_create(
            creditor_id=line.creditor_id, customer=customer, iban=line.counterparty_iban
        )
        if created:
            audit.record(
                actor, "payer_account.learned", account, {"customer": customer.code},
                creditor_id=line.creditor_id,
            )  # fmt: skip


def proposals_json(creditor: Creditor) -> list[dict[str, Any]]:
    """The lines kept for review, as `relance match --json` lists them."""
    lines = StatementLine.objects.filter(creditor=creditor, match_status=MatchStatus.PROPOSED)
    return [line_json(line) for line in lines.order_by("booked", "id")]


def line_json(line: StatementLine) -> dict[str, Any]:
    parts = line.proposal.get("parts", [])
    return {
        "line": line.pk,
        "booked": line.booked.isoformat(),
        "amount": format_minor(line.amount, line.currency),
        "currency": line.currency,
        "counterparty": line.counterparty_name,
        "text": line.text,
        "customer": line.proposal.get("customer"),
        "invoices": [
            {"number": number, "amount": format_minor(amount, line.currency)}
            for number, amount in parts
        ],
        "score": line.match_score,
        "reasons": line.proposal.get("reasons", []),
    }
