"""Matching a payment seen on a bank statement to the open items it pays.

Pure: the shell loads the open items and what is known of each customer's payers once
(`Book`), then asks for the proposals of each money-in line. Each proposal names a
customer, the invoices it settles and how much of each, a score and its reasons. At or
above `AUTO_APPLY` the shell applies it; below, it is kept for review.

Evidence, and what it is worth (capped at 100):

- `reference`: the line's structured reference (or its text) carries the customer's
  ISO 11649 RF reference, the one printed on reminders;
- `invoice_number`: invoice numbers found in the free text, compared without case,
  spaces, dashes, leading zeros, nor the O/0 and I/1 confusions;
- `iban` / `name`: the payer's IBAN or name is known for the customer;
- `amount`: the amount is one open item's, or the named invoices' sum;
- `amount_sum`: the amount is the sum of a few of the customer's open items;
- `amount_close`: the amount is short of the items by a bank fee: a partial payment,
  never applied without review.

>>> book = Book(
...     [Item("F2026-0042", "C1", "EUR", 12000), Item("F2026-0043", "C2", "EUR", 5000)],
...     [Payer("C1", "RF18C1"), Payer("C2", "RF71C2", ibans=frozenset({"FR7612"}))],
... )
>>> best = book.propose(Line(12000, "EUR", text="Facture F2026-42 merci"))[0]
>>> best.customer, best.parts, best.score, best.reasons
('C1', (('F2026-0042', 12000),), 90, ('invoice_number', 'amount'))
>>> book.propose(Line(5000, "EUR", counterparty_iban="FR7612"))[0].reasons
('iban', 'amount')
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from relance.core.ledger import spread

# At or above: applied automatically. An identity (reference, invoice number, payer's
# IBAN) with the exact amount reaches it; an amount alone or a name alone never does.
AUTO_APPLY = 90
WEIGHTS = {
    "reference": 60,
    "invoice_number": 50,
    "iban": 50,
    "name": 15,
    "amount": 40,
    "amount_sum": 40,
    "amount_close": 0,
}
# A payment short of the items by at most this (bank fees, small short payments).
TOLERANCE_PERCENT = 2
TOLERANCE_MAX = 2000  # minor units
# Bounded subset-sum: combinations of at most MAX_PARTS of the customer's MAX_ITEMS
# oldest items, and at most MAX_TRIES combinations looked at.
MAX_PARTS = 6
MAX_ITEMS = 20
MAX_TRIES = 5000


@dataclass(frozen=True)
class Line:
    """A money-in statement entry."""

    amount: int  # minor units, positive
    currency: str
    reference: str = ""
    text: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""


@dataclass(frozen=True)
class Item:
    """An open invoice; items are given oldest due first."""

    number: str
    customer: str  # the customer's code
    currency: str
    open_amount: int  # minor units, positive


@dataclass(frozen=True)
class Payer:
    """What identifies a customer's payments."""

    customer: str
    rf_reference: str
    ibans: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Proposal:
    customer: str
    parts: tuple[tuple[str, int], ...]  # (invoice number, amount applied)
    score: int
    reasons: tuple[str, ...]

    @property
    def automatic(self) -> bool:
        return self.score >= AUTO_APPLY


_CONFUSIONS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_RUN = re.compile(r"[A-Z]+|[0-9]+")


def number_key(text: str) -> tuple[str, ...]:
    """Letter and digit runs of a text, as an invoice number is compared.

    >>> number_key("f 2026-0042") == number_key("F2026/42") == number_key("FZ0Z6-OO4Z".replace("Z", "2"))
    True
    >>> number_key("INV-0001")
    ('1', 'NV', '1')
    """
    runs = _RUN.findall(text.upper().translate(_CONFUSIONS))
    return tuple(r.lstrip("0") or "0" if r.isdigit() else r for r in runs)


def tolerance(amount: int) -> int:
    """How short of the items a payment may be and still be proposed for them.

    >>> tolerance(10000), tolerance(1000000)
    (200, 2000)
    """
    return min(TOLERANCE_MAX, amount * TOLERANCE_PERCENT // 100)


def plain(text: str) -> str:
    """Letters and digits, upper case: how IBANs and names are compared."""
    return "".join(c for c in text.upper() if c.isalnum())


def subset_summing_to(amounts: Sequence[int], target: int) -> tuple[int, ...] | None:
    """Indexes of at most MAX_PARTS amounts that sum to `target` (the first found, fewest
    parts first), None when there is none within MAX_TRIES combinations.

    >>> subset_summing_to([500, 300, 200, 700], 1000)
    (1, 3)
    >>> subset_summing_to([500, 300, 150, 900], 950)
    (0, 1, 2)
    >>> subset_summing_to([500, 300], 1000) is None
    True
    """
    amounts = list(amounts[:MAX_ITEMS])
    tries = 0
    for size in range(1, min(MAX_PARTS, len(amounts)) + 1):
        stack: list[tuple[int, int, tuple[int, ...]]] = [(0, 0, ())]
        while stack:
            start, total, chosen = stack.pop()
            if len(chosen) == size:
                tries += 1
                if total == target:
                    return chosen
                if tries >= MAX_TRIES:
                    return None
                continue
            for i in range(len(amounts) - 1, start - 1, -1):
                if total + amounts[i] <= target:
                    stack.append((i + 1, total + amounts[i], (*chosen, i)))
    return None


@dataclass
class Book:
    """The open items and the payers, indexed once for many lines."""

    items: Iterable[Item]
    payers: Iterable[Payer]
    _current: dict[str, Item] = field(init=False)  # what is still open, by number
    _by_customer: dict[str, list[str]] = field(init=False)  # numbers, oldest first
    _by_amount: dict[tuple[str, int], set[str]] = field(init=False)
    _by_run: dict[str, list[str]] = field(init=False)
    _keys: dict[str, tuple[str, ...]] = field(init=False)
    _rank: dict[str, int] = field(init=False)
    _payers: dict[str, Payer] = field(init=False)
    _by_rf: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self._current = {}
        self._by_customer = defaultdict(list)
        self._by_amount = defaultdict(set)
        self._by_run = defaultdict(list)
        self._keys = {}
        self._rank = {}
        for item in self.items:
            self._current[item.number] = item
            self._rank[item.number] = len(self._rank)
            self._by_customer[item.customer].append(item.number)
            self._by_amount[item.currency, item.open_amount].add(item.number)
            key = number_key(item.number)
            digits = [r for r in key if r.isdigit()]
            if digits:  # a number without digits is too loose to look for in text
                self._keys[item.number] = key
                self._by_run[digits[-1]].append(item.number)
        self._payers = {p.customer: p for p in self.payers}
        self._by_rf = {plain(p.rf_reference): p.customer for p in self._payers.values()}

    def paid(self, parts: Iterable[tuple[str, int]]) -> None:
        """Applied elsewhere: the next lines see what is left open."""
        for number, amount in parts:
            old = self._current.pop(number)
            self._by_amount[old.currency, old.open_amount].discard(number)
            left = old.open_amount - amount
            if left > 0:
                self._current[number] = Item(number, old.customer, old.currency, left)
                self._by_amount[old.currency, left].add(number)

    def _open(self, customer: str, currency: str) -> list[Item]:
        items = (self._current.get(n) for n in self._by_customer.get(customer, []))
        return [i for i in items if i is not None and i.currency == currency]

    def _named(self, line: Line) -> list[Item]:
        text = number_key(line.text)
        found: dict[str, Item] = {}
        for run in dict.fromkeys(r for r in text if r.isdigit()):
            for number in self._by_run.get(run, []):
                item = self._current.get(number)
                if item and item.currency == line.currency and _contains(text, self._keys[number]):
                    found[number] = item
        return sorted(found.values(), key=lambda i: self._rank[i.number])  # oldest first

    def propose(self, line: Line) -> list[Proposal]:
        """Proposals for a money-in line, best first."""
        if line.amount <= 0:
            return []
        evidence: dict[str, list[str]] = defaultdict(list)
        words = plain(f"{line.reference} {line.text}")
        # An RF reference is "RF", 2 check digits and 1 to 21 characters: look each
        # "RF" of the text up, not each customer's reference in the text.
        for start in (m.start() for m in re.finditer("RF", words)):
            for end in range(start + 5, min(len(words), start + 25) + 1):
                customer = self._by_rf.get(words[start:end])
                if customer and "reference" not in evidence[customer]:
                    evidence[customer].append("reference")
        named: dict[str, list[Item]] = defaultdict(list)
        for item in self._named(line):
            named[item.customer].append(item)
            if "invoice_number" not in evidence[item.customer]:
                evidence[item.customer].append("invoice_number")
        iban, name = plain(line.counterparty_iban), plain(line.counterparty_name)
        for payer in self._payers.values():
            if iban and iban in payer.ibans:
                evidence[payer.customer].append("iban")
            if name and name in payer.names:
                evidence[payer.customer].append("name")
        if not evidence:  # the amount alone: one item of exactly that amount, for review
            exact = [
                self._current[n] for n in self._by_amount.get((line.currency, line.amount), ())
            ]
            if len(exact) == 1:
                evidence[exact[0].customer] = []
        proposals = [
            self._proposal(line, customer, reasons, named.get(customer, []))
            for customer, reasons in evidence.items()
        ]
        found = [p for p in proposals if p is not None]
        return sorted(found, key=lambda p: (-p.score, p.customer))

    def _proposal(
        self, line: Line, customer: str, reasons: list[str], named: list[Item]
    ) -> Proposal | None:
        items = named or self._open(customer, line.currency)
        if not items:
            return None
        reasons = list(reasons)
        total = sum(i.open_amount for i in items)
        chosen: Sequence[Item] = items
        if named and total == line.amount:
            reasons.append("amount")
        elif not named and (one := [i for i in items if i.open_amount == line.amount]):
            chosen = one[:1]
            reasons.append("amount")
        elif not named and (
            picked := subset_summing_to([i.open_amount for i in items], line.amount)
        ):
            chosen = [items[k] for k in picked]
            reasons.append("amount_sum")
        elif 0 < total - line.amount <= tolerance(total) and len(items) <= MAX_PARTS:
            reasons.append("amount_close")
        score = min(100, sum(WEIGHTS[r] for r in reasons))
        if "amount_close" in reasons:
            score = min(score, AUTO_APPLY - 1)  # a short payment is always reviewed
        elif not {"amount", "amount_sum"} & set(reasons):
            score = min(score, AUTO_APPLY - 1)  # so is an amount that fits nothing
        return Proposal(customer, tuple(spread(line.amount, chosen)), score, tuple(reasons))


def _contains(text: tuple[str, ...], key: tuple[str, ...]) -> bool:
    """Whether `key`'s runs appear in a row in `text`; its first run may end a text run and
    its last begin one when they are letters ("INVF2026-42" holds "F2026-42").

    >>> _contains(number_key("Ref INVF2026-0042 ok"), number_key("F2026-42"))
    True
    >>> _contains(number_key("F2026-421"), number_key("F2026-42"))
    False
    """
    n = len(key)
    for start in range(len(text) - n + 1):
        window = text[start : start + n]
        if all(
            w == k
            or (j == 0 and k.isalpha() and w.endswith(k))
            or (j == n - 1 and k.isalpha() and w.startswith(k))
            for j, (w, k) in enumerate(zip(window, key, strict=True))
        ):
            return True
    return False
