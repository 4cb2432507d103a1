"""Bank statements as every reader gives them (camt.053/054, MT940, OFX, CFONB 120, CSV):
one protocol, so that storing, de-duplicating and matching never depend on the format.

Amounts are minor units of the statement's currency, positive for money in (a credit to
the account) and negative for money out. A batch booking is split into its payments;
each keeps the bank's reference of the booking in `batch`.

>>> from datetime import date
>>> e = Entry(date(2026, 3, 2), 120000, "EUR", text="F2026-001")
>>> s = Statement("FR7630006000011234567890189", "EUR", 1000, 121000, (e,))
>>> s.movements, s.balanced
(120000, True)
>>> Statement("X", "EUR", None, 5, (e,)).balanced is None
True
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Entry:
    """One payment on a statement (a booking, or one payment of a batch booking)."""

    booked: date
    amount: int  # minor units; positive: money in
    currency: str
    value_date: date | None = None
    reference: str = ""  # structured creditor reference: ISO 11649 RF, Swiss QRR/ESR
    end_to_end_id: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    text: str = ""  # free text: unstructured remittance information, :86: SVWZ, memo
    bank_reference: str = ""  # the bank's id of the entry: AcctSvcrRef, :61: ref, FITID
    return_reason: str = ""  # reason code of a returned direct debit or transfer
    batch: str = ""  # the bank's reference of the batch booking it was split from


@dataclass(frozen=True)
class Statement:
    """One account's statement (or notification) for a period."""

    account: str  # IBAN, or the bank's account number
    currency: str
    opening: int | None  # balances in minor units, when the format gives them
    closing: int | None
    entries: tuple[Entry, ...]
    start: date | None = None
    end: date | None = None
    bank_id: str = ""  # the statement's own id (camt Stmt/Id, MT940 :20:/:28C:)

    @property
    def movements(self) -> int:
        return sum(e.amount for e in self.entries)

    @property
    def balanced(self) -> bool | None:
        """Whether opening + movements = closing; None when a balance is missing."""
        if self.opening is None or self.closing is None:
            return None
        return self.opening + self.movements == self.closing
