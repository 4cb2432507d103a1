"""The hand-off of a customer's case to a collection agency, a lawyer or a commissaire de
justice: its states, what it claims, and the court form an injonction de payer needs.

A case is opened "handed_off" (dunning stops for the customer) and is closed once, with
the outcome that closed it:

>>> transition(CaseStatus.HANDED_OFF, CaseEvent.PAID)
(<CaseStatus.CLOSED: 'closed'>, <CaseOutcome.PAID: 'paid'>)
>>> transition(CaseStatus.CLOSED, CaseEvent.WITHDRAW)
Traceback (most recent call last):
...
relance.core.handoff.IllegalTransition: a closed case cannot be withdrawn
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from relance.core.errors import DomainError


class CaseStatus(StrEnum):
    HANDED_OFF = "handed_off"
    CLOSED = "closed"


class CaseEvent(StrEnum):
    PAID = "paid"  # nothing remains open: the partner collected it all
    WITHDRAW = "withdraw"  # the creditor takes the case back (dunning may resume)
    UNCOLLECTABLE = "uncollectable"  # the partner gives up (insolvency, gone...)


class CaseOutcome(StrEnum):
    PAID = "paid"
    WITHDRAWN = "withdrawn"
    UNCOLLECTABLE = "uncollectable"


# (state, event) -> (next state, outcome). Anything else is refused.
TRANSITIONS: dict[tuple[CaseStatus, CaseEvent], tuple[CaseStatus, CaseOutcome]] = {
    (CaseStatus.HANDED_OFF, CaseEvent.PAID): (CaseStatus.CLOSED, CaseOutcome.PAID),
    (CaseStatus.HANDED_OFF, CaseEvent.WITHDRAW): (CaseStatus.CLOSED, CaseOutcome.WITHDRAWN),
    (CaseStatus.HANDED_OFF, CaseEvent.UNCOLLECTABLE): (
        CaseStatus.CLOSED,
        CaseOutcome.UNCOLLECTABLE,
    ),
}

_VERBS = {
    CaseEvent.PAID: "closed as paid",
    CaseEvent.WITHDRAW: "withdrawn",
    CaseEvent.UNCOLLECTABLE: "closed as uncollectable",
}


class IllegalTransition(DomainError):
    pass


def transition(status: CaseStatus, event: CaseEvent) -> tuple[CaseStatus, CaseOutcome]:
    """The state and outcome `event` leads to from `status`; IllegalTransition otherwise."""
    found = TRANSITIONS.get((status, event))
    if found is None:
        state = "an open" if status is CaseStatus.HANDED_OFF else f"a {status.value}"
        raise IllegalTransition(f"{state} case cannot be {_VERBS[event]}")
    return found


@dataclass(frozen=True)
class Claimed:
    """What one invoice claims at the hand-off, in minor units of its currency."""

    invoice: str
    currency: str
    principal: int  # the open amount
    penalties: int  # late-payment interest
    indemnity: int  # the fixed recovery indemnity

    @property
    def total(self) -> int:
        return self.principal + self.penalties + self.indemnity


@dataclass(frozen=True)
class Totals:
    currency: str
    principal: int
    penalties: int
    indemnity: int

    @property
    def total(self) -> int:
        return self.principal + self.penalties + self.indemnity


def totals(claimed: Iterable[Claimed]) -> list[Totals]:
    """The amounts per currency, never added across currencies, in currency order.

    >>> totals([Claimed("F1", "EUR", 1000, 10, 4000), Claimed("F2", "GBP", 500, 0, 0),
    ...         Claimed("F3", "EUR", 200, 1, 4000)])  # doctest: +NORMALIZE_WHITESPACE
    [Totals(currency='EUR', principal=1200, penalties=11, indemnity=8000),
     Totals(currency='GBP', principal=500, penalties=0, indemnity=0)]
    """
    sums: dict[str, list[int]] = {}
    for c in claimed:
        row = sums.setdefault(c.currency, [0, 0, 0])
        row[0] += c.principal
        row[1] += c.penalties
        row[2] += c.indemnity
    return [Totals(cur, *sums[cur]) for cur in sorted(sums)]


class Court(StrEnum):
    COMMERCIAL = "commercial"
    CIVIL = "civil"


@dataclass(frozen=True)
class InjunctionForm:
    """Which request an injonction de payer takes (LAW.md section 5), or why none."""

    court: Court | None
    cerfa: str  # "12946", "12948", or "" when the route does not apply
    judge: str  # who decides, in words
    reason: str  # why this form, or why none


def injunction_form(customer_kind: str) -> InjunctionForm:
    """The Cerfa of an injonction de payer against a debtor of `customer_kind` (CPC
    1405-1425, LAW.md section 5): commercial debts go to the president of the tribunal de
    commerce (Cerfa 12946), civil ones to the tribunal judiciaire (Cerfa 12948).

    >>> injunction_form("b2b").cerfa, injunction_form("b2c").cerfa, injunction_form("public").cerfa
    ('12946', '12948', '')
    """
    if customer_kind == "b2b":
        return InjunctionForm(
            Court.COMMERCIAL,
            "12946",
            "président du tribunal de commerce",
            "the debtor is a business: a commercial debt",
        )
    if customer_kind == "b2c":
        return InjunctionForm(
            Court.CIVIL,
            "12948",
            "tribunal judiciaire",
            "the debtor is a consumer: a civil debt",
        )
    if customer_kind == "public":
        return InjunctionForm(
            None,
            "",
            "",
            "the debtor is a public buyer: Relance chooses no form; ask the lawyer which "
            "route and court apply",
        )
    raise DomainError(f"unknown customer kind {customer_kind!r}")
