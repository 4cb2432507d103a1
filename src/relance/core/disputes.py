"""Disputes (litiges): why an item is contested, and how a dispute may move.

A dispute covers one invoice: only that item is blocked, and each invoice gets its own
resolution (a credit note, a rejection, a write-off). The moves a dispute may make are
one table, `TRANSITIONS`; `transition` is the only way through it.

>>> transition(DisputeStatus.OPEN, DisputeEvent.REJECT)
<DisputeStatus.REJECTED: 'rejected'>
>>> transition(DisputeStatus.REJECTED, DisputeEvent.WRITE_OFF)
Traceback (most recent call last):
...
relance.core.disputes.IllegalTransition: a rejected dispute cannot be written off
>>> reason_from_text("Quantité livrée inférieure")
<DisputeReason.QUANTITY: 'quantity'>
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from enum import StrEnum

from relance.core.errors import DomainError, one_of

# Days given to resolve a dispute when its owner sets no due date.
RESOLUTION_DAYS = 30


class DisputeReason(StrEnum):
    PRICE = "price"
    QUANTITY = "quantity"
    QUALITY = "quality"
    NOT_DELIVERED = "not_delivered"
    INVOICE_NOT_RECEIVED = "invoice_not_received"
    DUPLICATE = "duplicate"
    ALREADY_PAID = "already_paid"
    OTHER = "other"


class DisputeStatus(StrEnum):
    OPEN = "open"
    CREDITED = "credited"  # resolved by a credit note, full or partial
    REJECTED = "rejected"  # the claim stands: dunning resumes
    WRITTEN_OFF = "written_off"  # the rest of the invoice is abandoned
    WITHDRAWN = "withdrawn"  # the debtor dropped it: dunning resumes


class DisputeEvent(StrEnum):
    COMMENT = "comment"  # a comment or an attachment
    ASSIGN = "assign"  # a new owner or resolution due date
    CREDIT_NOTE = "credit_note"
    REJECT = "reject"
    WRITE_OFF = "write_off"
    WITHDRAW = "withdraw"


class IllegalTransition(DomainError):
    pass


_S, _E = DisputeStatus, DisputeEvent
TRANSITIONS: dict[tuple[DisputeStatus, DisputeEvent], DisputeStatus] = {
    (_S.OPEN, _E.COMMENT): _S.OPEN,
    (_S.OPEN, _E.ASSIGN): _S.OPEN,
    (_S.OPEN, _E.CREDIT_NOTE): _S.CREDITED,
    (_S.OPEN, _E.REJECT): _S.REJECTED,
    (_S.OPEN, _E.WRITE_OFF): _S.WRITTEN_OFF,
    (_S.OPEN, _E.WITHDRAW): _S.WITHDRAWN,
    # A closed dispute keeps its file: comments and documents may still come.
    **{(s, _E.COMMENT): s for s in DisputeStatus if s is not _S.OPEN},
}

_DONE = {
    _E.CREDIT_NOTE: "credited",
    _E.REJECT: "rejected",
    _E.WRITE_OFF: "written off",
    _E.WITHDRAW: "withdrawn",
    _E.ASSIGN: "reassigned",
    _E.COMMENT: "commented",
}


def transition(status: DisputeStatus, event: DisputeEvent) -> DisputeStatus:
    """The status after `event`, or IllegalTransition saying why not."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise IllegalTransition(
            f"a{'n' if status[0] in 'aeiou' else ''} {status.replace('_', ' ')} dispute "
            f"cannot be {_DONE[event]}"
        ) from None


def resolution_due(opened_on: date, due_on: date | None) -> date:
    return due_on or opened_on + timedelta(days=RESOLUTION_DAYS)


def is_overdue(status: DisputeStatus, opened_on: date, due_on: date | None, today: date) -> bool:
    """An open dispute past its resolution due date: the worklist shows it.

    >>> is_overdue(DisputeStatus.OPEN, date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 11))
    True
    >>> is_overdue(DisputeStatus.REJECTED, date(2026, 3, 1), None, date(2026, 9, 1))
    False
    """
    return status is DisputeStatus.OPEN and resolution_due(opened_on, due_on) < today


# Words (French and English, accents removed) that name a reason in free text: what the
# dispute reasons typed before the fixed list became.
_KEYWORDS: tuple[tuple[DisputeReason, tuple[str, ...]], ...] = (
    (DisputeReason.DUPLICATE, ("duplicate", "doublon", "double")),
    (DisputeReason.ALREADY_PAID, ("already paid", "deja paye", "deja regle", "paid", "regle")),
    (DisputeReason.INVOICE_NOT_RECEIVED, ("not received", "non recu", "pas recu", "jamais recu")),
    # Before "delivered": "quantité livrée" is about the quantity.
    (DisputeReason.QUANTITY, ("quantit", "qty", "qte")),
    (DisputeReason.QUALITY, ("quality", "qualit", "defect", "defaut", "damaged", "abime")),
    (DisputeReason.NOT_DELIVERED, ("deliver", "livr")),
    (DisputeReason.PRICE, ("price", "prix", "tarif", "rate", "montant", "amount")),
)


def reason_from_text(text: str) -> DisputeReason:
    """The fixed reason a free-text one names, `other` when none: an exact code first,
    then keywords.

    >>> reason_from_text("not_delivered"), reason_from_text("prix"), reason_from_text("?")
    (<DisputeReason.NOT_DELIVERED: 'not_delivered'>, <DisputeReason.PRICE: 'price'>, <DisputeReason.OTHER: 'other'>)
    """
    plain = unicodedata.normalize("NFKD", text.strip().lower())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    if plain in DisputeReason.__members__.values():
        return DisputeReason(plain)
    for reason, words in _KEYWORDS:
        if any(w in plain for w in words):
            return reason
    return DisputeReason.OTHER


def parse_reason(value: str) -> DisputeReason:
    """A reason code as typed in a command or a form; a clear error otherwise."""
    return one_of(DisputeReason, value, "dispute reason")
