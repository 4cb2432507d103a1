"""Claim readiness before a hand-off or a court claim: certain, liquid, due (créance
certaine, liquide et exigible). LAW.md section 5.

>>> from datetime import date
>>> r = check(evidence={"purchase_order"}, open_amount=1000, credits=0, due=date(2026, 1, 1),
...           today=date(2026, 3, 1), disputed=False, prescribed=False)
>>> r.certain, r.liquid, r.due, r.missing
(False, True, True, ('no_delivery_proof',))
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import date

PROOF_OF_AGREEMENT = frozenset({"quote", "purchase_order", "contract"})
PROOF_OF_DELIVERY = frozenset({"delivery_note"})


@dataclass(frozen=True)
class Readiness:
    certain: bool
    liquid: bool
    due: bool
    missing: tuple[str, ...]  # codes of what stands in the way, e.g. "no_delivery_proof"

    @property
    def ready(self) -> bool:
        return self.certain and self.liquid and self.due


def check(
    *,
    evidence: Set[str],
    open_amount: int,
    credits: int,
    due: date,
    today: date,
    disputed: bool,
    prescribed: bool,
) -> Readiness:
    """`evidence`: the kinds of documents attached to the invoice; `credits`: the
    customer's unapplied credits in the invoice's currency (minor units, positive)."""
    missing: list[str] = []
    if not evidence & PROOF_OF_AGREEMENT:
        missing.append("no_agreement_proof")
    if not evidence & PROOF_OF_DELIVERY:
        missing.append("no_delivery_proof")
    certain = not missing
    liquid = open_amount > 0 and credits == 0
    if open_amount <= 0:
        missing.append("nothing_open")
    elif credits:
        missing.append("unapplied_credits")
    is_due = due < today and not disputed and not prescribed
    if due >= today:
        missing.append("not_due")
    if disputed:
        missing.append("disputed")
    if prescribed:
        missing.append("prescribed")
    return Readiness(certain, liquid, is_due, tuple(missing))
