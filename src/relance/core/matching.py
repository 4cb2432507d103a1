"""Matching a payment seen on a bank statement to the open items it pays.

Pure: the shell loads the open items and what is known of each customer's payers once
(`Book`), then asks for the proposals of each money-in line. Each proposal names a
customer, the invoices it settles and how much of each, a score and its reasons. At or
above `AUTO_APPLY` the shell applies it; below, it is kept for review.

Evidence, and what it is worth (capped at 100):

- `payment_reference`: the line carries an invoice's own payment reference (compared
  without case, spaces nor punctuation): it names the invoice with certainty;
- `reference`: the line's structured reference (or its text) carries the customer's
  ISO 11649 RF reference, the one printed on reminders;
- `invoice_number`: invoice numbers found in the free text, compared without case,
  spaces, dashes, leading zeros, nor the O/0 and I/1 confusions;
- `iban`: the payer's IBAN is known for the customer;
- `name`: a payer name learned for the customer (from its earlier payments) is in the
  line's counterparty or text, and no other customer has it;
- `customer_name`: every distinctive word of the customer's name is in the line (legal
  forms and generic words dropped, `name_words`), and no other customer's name is;
  `customer_name_partial`: some of them, no other customer's; `customer_name_shared`:
  words two or three customers' names have;
- `amount`: the amount is one open item's, or the named invoices' sum;
- `amount_unique`: no other open item, of any customer, has that amount (counted
  only next to a name in part, the one identity it strengthens);
- `amount_sum`: the amount is the sum of the customer's oldest open items, or of a few
  of them;
- `amount_part`: the amount is less than the invoices the line names (paid in part, or
  short of a bank fee): applied to them, oldest first, when the payer is known too (a
  reference, its IBAN or name) and no other item of that amount is open; without a named
  invoice, less than one item big enough, applied only when no other item could be meant;
- `amount_close`: the amount is short of the customer's items by a bank fee, and the
  line names none of them: never applied without review.

A name is evidence of who pays, never of what is paid: it is applied only with an amount
that fits. Two customers each reaching `AUTO_APPLY` leave the line for review. An item
issued after the line was booked is not a candidate.

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
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from relance.core.ledger import spread

# At or above: applied automatically. An identity (payment reference, RF reference,
# invoice number, payer's IBAN or name) with the exact amount reaches it; an amount
# alone, or an identity with an amount that fits nothing, never does.
AUTO_APPLY = 90
WEIGHTS = {
    "payment_reference": 60,
    "reference": 60,
    "invoice_number": 50,
    "iban": 50,
    "name": 50,
    "customer_name": 50,
    "customer_name_partial": 25,
    "customer_name_shared": 25,
    "amount": 40,
    "amount_unique": 25,
    "amount_sum": 40,
    "amount_part": 40,
    "amount_close": 0,
    "amount_over": 30,
    "ambiguous": 0,
    "held": 0,
}
# Evidence that only points at a customer (its name in part).
WEAK = frozenset({"customer_name_partial", "customer_name_shared"})
# Words that do not tell one company from another: legal forms, articles, and the
# generic words of company names (French, English, German).
GENERIC_WORDS = frozenset(
    """SA SAS SASU SARL EURL SCI SCEA SCA SCS SNC EARL GAEC SELARL SCP EI EIRL GIE ASSO
    GMBH AG KG OHG UG EV LTD LLC LLP INC CORP PLC CO CIE ETS STE BV NV SPA SRL SL
    ET DE DU DES LA LE LES AU AUX EN SUR AND THE OF FOR UND DER DIE DAS VON FUR
    SOCIETE COMPANY GROUPE GROUP HOLDING ETABLISSEMENT ETABLISSEMENTS ENTREPRISE
    ENTREPRISES GESTION SERVICE SERVICES FRANCE INTERNATIONAL EUROPE CLIENT CLIENTS
    MAISON COMMERCE TRANSPORT TRANSPORTS SOLUTIONS CONSEIL INDUSTRIE INDUSTRIES
    VIR VIREMENT SEPA SCT PAIEMENT REGLEMENT FACTURE FACT REF PAYMENT INVOICE
    TRANSFER REMISE CHQ CHEQUE ERREUR""".split()
)
# A name is distinctive when its words, generic words dropped, have at least this many
# letters.
NAME_MIN_LETTERS = 4
# A word in more customers' names than this is no evidence at all.
NAME_SHARED_MAX = 3
# A payment short of the items by at most this (bank fees, small short payments).
TOLERANCE_PERCENT = 2
TOLERANCE_MAX = 2000  # minor units
# Bounded subset-sum: combinations of at most MAX_PARTS of the customer's MAX_ITEMS
# oldest items, and at most MAX_TRIES combinations looked at.
MAX_PARTS = 6
MAX_ITEMS = 20
MAX_TRIES = 5000
# Runs of consecutive items are looked for among the customer's MAX_RUN oldest items.
MAX_RUN = 500
# A payment reference shorter than this is too loose to name an invoice.
PAYMENT_REFERENCE_MIN = 4


@dataclass(frozen=True)
class Line:
    """A money-in statement entry."""

    amount: int  # minor units, positive
    currency: str
    reference: str = ""
    text: str = ""
    counterparty_name: str = ""
    counterparty_iban: str = ""
    booked: date | None = None


@dataclass(frozen=True)
class Item:
    """An open invoice; items are given oldest due first."""

    number: str
    customer: str  # the customer's code
    currency: str
    open_amount: int  # minor units, positive
    payment_reference: str = ""
    issued: date | None = None


@dataclass(frozen=True)
class Payer:
    """What identifies a customer's payments."""

    customer: str
    rf_reference: str
    ibans: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()  # learned payer names, as `name_key` gives them
    name: str = ""  # the customer's own name


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
_NOT_ALNUM = re.compile(r"[\W_]+")
_LAST_DIGITS = re.compile(r"[0-9]+(?=[^0-9]*$)")


def number_key(text: str) -> tuple[str, ...]:
    """Letter and digit runs of a text, as an invoice number is compared.

    >>> number_key("f 2026-0042") == number_key("F2026/42") == number_key("FZ0Z6-OO4Z".replace("Z", "2"))
    True
    >>> number_key("INV-0001")
    ('1', 'NV', '1')
    """
    runs = _RUN.findall(text.upper().translate(_CONFUSIONS))
    return tuple(r.lstrip("0") or "0" if r.isdigit() else r for r in runs)


def compact(text: str) -> str:
    """An invoice number without separators, O and I read as 0 and 1.

    >>> compact("FA-2O25-00370") == compact("fa 2025 00370")
    True
    """
    return _NOT_ALNUM.sub("", text.upper().translate(_CONFUSIONS))


def tolerance(amount: int) -> int:
    """How short of the items a payment may be and still be proposed for them.

    >>> tolerance(10000), tolerance(1000000)
    (200, 2000)
    """
    return min(TOLERANCE_MAX, amount * TOLERANCE_PERCENT // 100)


def plain(text: str) -> str:
    """Letters and digits, upper case: how IBANs and names are compared.

    >>> plain("fr76 3000-6000")
    'FR7630006000'
    """
    return _NOT_ALNUM.sub("", text.upper())


_WORD = re.compile(r"[A-Z0-9]+")
_STANDALONE = re.compile(r"(?<![A-Z0-9])[0-9]{5,}(?![A-Z0-9])")
_NAME_CONFUSIONS = str.maketrans({"0": "O", "1": "I"})


def name_words(text: str) -> tuple[str, ...]:
    """The words of a name that tell it apart: upper case, accents and punctuation
    dropped, legal forms and generic words dropped, 0/1 typed for O/I read as letters.

    >>> name_words("Boulangerie Martin S.A.R.L."), name_words("SAS Les Jardins de Calixte")
    (('BOULANGERIE', 'MARTIN'), ('JARDINS', 'CALIXTE'))
    >>> name_words("PERUZZ0 Gmbh"), name_words("VIR 12345")
    (('PERUZZO',), ())
    """
    flat = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    flat = flat.replace(".", "")  # S.A.R.L. is SARL
    words = []
    for word in _WORD.findall(flat):
        if sum(c.isalpha() for c in word) > sum(c.isdigit() for c in word):
            word = word.translate(_NAME_CONFUSIONS)
        if word.isalpha() and len(word) >= 2 and word not in GENERIC_WORDS:
            words.append(word)
    return tuple(words)


def name_key(text: str) -> str:
    """How a learned payer name is kept: its distinctive words, or "" when they are too
    short to tell a payer apart.

    >>> name_key("M. DUPONT Jean"), name_key("SARL AB")
    ('DUPONT JEAN', '')
    """
    words = [w for w in name_words(text) if len(w) >= 2]
    return " ".join(words) if sum(len(w) for w in words) >= NAME_MIN_LETTERS else ""


def _has_word(words: Sequence[str], word: str) -> bool:
    """A word of the line is the name's word, or it give or take a last letter (plural,
    truncation): "JARDIN" is in "JARDINS", "PMT" in "PMTN", not "MARTIN" in "MARTINEZ".

    >>> _has_word(["VIR", "JARDINS"], "JARDIN"), _has_word(["MARTINEZ"], "MARTIN")
    (True, False)
    """
    return any(
        w == word or (min(len(w), len(word)) >= 3 and abs(len(w) - len(word)) == 1
                      and (w.startswith(word) or word.startswith(w)))
        for w in words
    )  # fmt: skip


def oldest_run(amounts: Sequence[int], target: int) -> tuple[int, int] | None:
    """(start, end) of the first run of consecutive amounts, oldest first, that sums to
    `target`: a customer settling everything due up to a date, or one period's items.

    >>> oldest_run([500, 300, 200, 700], 1000), oldest_run([500, 300, 200, 700], 900)
    ((0, 3), (2, 4))
    >>> oldest_run([500, 300], 100) is None
    True
    """
    amounts = list(amounts[:MAX_RUN])
    start, total = 0, 0
    for end, value in enumerate(amounts, start=1):
        total += value
        while total > target and start < end:
            total -= amounts[start]
            start += 1
        if total == target and start < end:
            return start, end
    return None


def runs(amounts: Sequence[int], target: int, limit: int = 10) -> list[tuple[int, int]]:
    """Every run (start, end) of consecutive amounts summing to `target`, oldest first
    (at most `limit`).

    >>> runs([500, 500, 500], 1000), runs([500, 300], 100)
    ([(0, 2), (1, 3)], [])
    """
    found: list[tuple[int, int]] = []
    start = 0
    while len(found) < limit and (run := oldest_run(amounts[start:], target)):
        found.append((start + run[0], start + run[1]))
        start += run[0] + 1
    return found


def _likeliest(
    found: list[tuple[int, int]], items: Sequence[Item], held: bool
) -> tuple[tuple[int, int], bool]:
    """The run a payment most likely settles, and whether it is the only likely one:
    the one run; else the oldest items (where the law puts unassigned money), unless an
    earlier line of the customer awaits review (`held`: which are the oldest is then
    unsure); else the one run that covers whole issue dates (one period's invoices)."""
    if len(found) == 1 or (found[0][0] == 0 and not held):
        return found[0], True

    def whole(run: tuple[int, int]) -> bool:
        start, end = run
        before = items[start - 1].issued if start > 0 else None
        after = items[end].issued if end < len(items) else None
        return (
            items[start].issued is not None
            and before != items[start].issued
            and after != items[end - 1].issued
        )

    periods = [r for r in found if whole(r)]
    return (periods[0], True) if len(periods) == 1 else (found[0], False)


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
    _keys: dict[str, tuple[str, ...]] = field(init=False)  # number_key, when needed
    _rank: dict[str, int] = field(init=False)
    _payers: dict[str, Payer] = field(init=False)
    _by_rf: dict[str, str] = field(init=False)
    _by_payment_reference: dict[str, str] = field(init=False)
    _by_iban: dict[str, set[str]] = field(init=False)
    # (customer, words, learned) by each word and each word less its last letter
    _names: dict[str, list[tuple[str, tuple[str, ...], bool]]] = field(init=False)
    _learned: dict[tuple[str, ...], set[str]] = field(init=False)  # who has a learned name
    _held: set[str] = field(init=False)
    _word_owners: dict[str, set[str]] = field(init=False)
    _by_compact: dict[str, list[str]] = field(init=False)  # numbers by `compact` form

    def __post_init__(self) -> None:
        self._current = {}
        self._by_customer = defaultdict(list)
        self._by_amount = defaultdict(set)
        self._by_run = defaultdict(list)
        self._keys = {}
        self._rank = {}
        self._by_payment_reference = {}
        self._by_compact = defaultdict(list)
        for rank, item in enumerate(self.items):
            number = item.number
            self._current[number] = item
            self._rank[number] = rank
            self._by_customer[item.customer].append(number)
            self._by_amount[item.currency, item.open_amount].add(number)
            # number_key's last digit run, without building the key (a million items)
            read = number.upper().translate(_CONFUSIONS)
            if last := _LAST_DIGITS.search(read):  # without digits: too loose to look for
                self._by_run[last.group().lstrip("0") or "0"].append(number)
                self._by_compact[_NOT_ALNUM.sub("", read)].append(number)
            if (
                item.payment_reference
                and len(ref := plain(item.payment_reference)) >= PAYMENT_REFERENCE_MIN
            ):
                self._by_payment_reference[ref] = number
        self._held = set()
        self._payers = {p.customer: p for p in self.payers}
        self._by_rf = {plain(p.rf_reference): p.customer for p in self._payers.values()}
        self._by_iban = defaultdict(set)
        self._names = defaultdict(list)
        self._learned = defaultdict(set)
        self._word_owners = defaultdict(set)
        for p in self._payers.values():
            for iban in p.ibans:
                self._by_iban[plain(iban)].add(p.customer)
            names = [(tuple(n.split()), True) for n in p.names if n]
            if p.name and sum(map(len, own := name_words(p.name))) >= NAME_MIN_LETTERS:
                names.append((own, False))
            for words, learned in names:
                for word in words:
                    self._word_owners[word].add(p.customer)
                if learned:
                    self._learned[words].add(p.customer)
                entry = (p.customer, words, learned)
                for word in set(words):
                    for k in {word, word[:-1]}:
                        self._names[k].append(entry)

    def paid(self, parts: Iterable[tuple[str, int]]) -> None:
        """Applied elsewhere: the next lines see what is left open."""
        for number, amount in parts:
            old = self._current.pop(number)
            self._by_amount[old.currency, old.open_amount].discard(number)
            left = old.open_amount - amount
            if left > 0:
                self._current[number] = replace(old, open_amount=left)
                self._by_amount[old.currency, left].add(number)

    def _key(self, number: str) -> tuple[str, ...]:
        if (key := self._keys.get(number)) is None:
            key = self._keys[number] = number_key(number)
        return key

    def held(self, customer: str) -> None:
        """A line of `customer` was left for review: until a person settles it, which of
        the customer's items are the oldest still open is unsure."""
        self._held.add(customer)

    def _candidate(self, item: Item | None, line: Line) -> bool:
        return (
            item is not None
            and item.currency == line.currency
            and (item.issued is None or line.booked is None or item.issued <= line.booked)
        )

    def _open(self, customer: str, line: Line) -> list[Item]:
        items = (self._current.get(n) for n in self._by_customer.get(customer, []))
        return [i for i in items if i is not None and self._candidate(i, line)]

    def _named(self, line: Line) -> list[Item]:
        text = number_key(line.text)
        found: dict[str, Item] = {}
        for run in dict.fromkeys(r for r in text if r.isdigit()):
            for number in self._by_run.get(run, []):
                item = self._current.get(number)
                if (
                    item is not None
                    and self._candidate(item, line)
                    and _contains(text, self._key(number))
                ):
                    found[number] = item
        # Written without its separators ("FA202500370" for "FA-2025-00370"), over up to
        # three words of the text ("FA 2025 00370").
        words = line.text.split()
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + 3) + 1):
                for number in self._by_compact.get(compact("".join(words[start:end])), []):
                    item = self._current.get(number)
                    if item is not None and self._candidate(item, line):
                        found[number] = item
        # The number without its letters ("220036" for "FA 220036"), when its one digit
        # run is long enough not to be a date, an amount or a count, and stands alone.
        for run in dict.fromkeys(_STANDALONE.findall(line.text.upper())):
            for number in self._by_run.get(run.lstrip("0"), []):
                item = self._current.get(number)
                digits = [r for r in self._key(number) if r.isdigit()]
                if item is not None and self._candidate(item, line) and len(digits) == 1:
                    found[number] = item
        return sorted(found.values(), key=lambda i: self._rank[i.number])  # oldest first

    def _referenced(self, line: Line) -> list[Item]:
        """The items whose own payment reference the line carries (spaces allowed)."""
        tokens = f"{line.reference} {line.text}".split()
        found: dict[str, Item] = {}
        for start in range(len(tokens)):
            for end in range(start + 1, min(len(tokens), start + 6) + 1):
                number = self._by_payment_reference.get(plain("".join(tokens[start:end])))
                item = self._current.get(number) if number else None
                if item is not None and self._candidate(item, line):
                    found[item.number] = item
        return sorted(found.values(), key=lambda i: self._rank[i.number])

    def _named_customers(self, line: Line) -> dict[str, str]:
        """customer -> "name", "customer_name", "customer_name_partial" or
        "customer_name_shared" (the words found are in 2 or 3 customers' names): a name counts
        in full when all its words are in the line and no other customer's name has them
        all (a surname many customers share tells nobody apart, two of them together
        may); in part when the words found are in a few customers' names at most."""
        words = list(dict.fromkeys(name_words(f"{line.counterparty_name} {line.text}")))
        full: dict[str, str] = {}
        partial: dict[str, str] = {}
        seen: set[tuple[str, tuple[str, ...], bool]] = set()
        for w in words:
            for k in {w, w[:-1]}:
                for entry in self._names.get(k, []):
                    if entry in seen:
                        continue
                    seen.add(entry)
                    customer, name, learned = entry
                    found = [x for x in name if _has_word(words, x)]
                    owners = self._owners(found)
                    if len(found) == len(name) and owners == 1:
                        if learned and len(self._learned[name]) == 1:
                            full[customer] = "name"
                        elif not learned:
                            full.setdefault(customer, "customer_name")
                        else:
                            partial[customer] = "customer_name_shared"
                    elif 0 < owners <= NAME_SHARED_MAX and sum(map(len, found)) >= NAME_MIN_LETTERS:
                        weak = "customer_name_partial" if owners == 1 else "customer_name_shared"
                        if partial.get(customer) != "customer_name_partial":
                            partial[customer] = weak
        # The customer's own name, fully in the line, tells who pays only if no other
        # customer's name is also there.
        own = [c for c, why in full.items() if why == "customer_name"]
        if len(own) > 1:
            for c in own:
                del full[c]
                partial[c] = "customer_name_shared"
        return {c: why for c, why in partial.items() if c not in full} | full

    def _unique_amount(self, line: Line) -> bool:
        """Whether one open item alone, of all customers, has the line's amount."""
        same = self._by_amount.get((line.currency, line.amount), set())
        return sum(1 for n in same if self._candidate(self._current[n], line)) == 1

    def _owners(self, words: Sequence[str]) -> int:
        """How many customers have all these words in a name of theirs."""
        if not words:
            return 0
        sets = sorted((self._word_owners[w] for w in words), key=len)
        return len(sets[0].intersection(*sets[1:]))

    def propose(self, line: Line) -> list[Proposal]:
        """Proposals for a money-in line, best first."""
        if line.amount <= 0:
            return []
        evidence: dict[str, list[str]] = defaultdict(list)
        named: dict[str, list[Item]] = defaultdict(list)
        for item in self._referenced(line):
            named[item.customer].append(item)
            if "payment_reference" not in evidence[item.customer]:
                evidence[item.customer].append("payment_reference")
        words = plain(f"{line.reference} {line.text}")
        # An RF reference is "RF", 2 check digits and 1 to 21 characters: look each
        # "RF" of the text up, not each customer's reference in the text.
        for start in (m.start() for m in re.finditer("RF", words)):
            for end in range(start + 5, min(len(words), start + 25) + 1):
                customer = self._by_rf.get(words[start:end])
                if customer and "reference" not in evidence[customer]:
                    evidence[customer].append("reference")
        for item in self._named(line):
            if item not in named[item.customer]:
                named[item.customer].append(item)
            if "invoice_number" not in evidence[item.customer]:
                evidence[item.customer].append("invoice_number")
        for customer in self._by_iban.get(plain(line.counterparty_iban), ()):
            evidence[customer].append("iban")
        for customer, why in self._named_customers(line).items():
            evidence[customer].append(why)
        if not evidence:  # the amount alone: one item of exactly that amount, for review
            exact = [
                i
                for n in self._by_amount.get((line.currency, line.amount), ())
                if self._candidate(i := self._current[n], line)
            ]
            if len(exact) == 1:
                evidence[exact[0].customer] = []
        proposals = [
            self._proposal(line, customer, reasons, sorted(
                named.get(customer, []), key=lambda i: self._rank[i.number]))
            for customer, reasons in evidence.items()
        ]  # fmt: skip
        found = sorted(
            (p for p in proposals if p is not None), key=lambda p: (-p.score, p.customer)
        )
        if len(found) > 1 and found[1].automatic:  # two customers: a person decides
            found = [replace(p, score=min(p.score, AUTO_APPLY - 1)) for p in found]
        return found

    def _proposal(
        self, line: Line, customer: str, reasons: list[str], named: list[Item]
    ) -> Proposal | None:
        items = named or self._open(customer, line)
        if not items:
            return None
        reasons = list(reasons)
        total = sum(i.open_amount for i in items)
        amounts = [i.open_amount for i in items]
        chosen: Sequence[Item] = items
        if named:
            if total == line.amount:
                reasons.append("amount")
            elif total < line.amount:
                rest = [i for i in self._open(customer, line) if i not in items]
                more = [i.open_amount for i in rest]
                extra = oldest_run(more, line.amount - total)
                picked = subset_summing_to(more, line.amount - total) if not extra else None
                if extra or picked:
                    # The named invoices and others that the rest pays exactly: a number
                    # left out or mistyped.
                    added = rest[extra[0] : extra[1]] if extra else [rest[k] for k in picked or ()]
                    chosen = sorted([*items, *added], key=lambda i: self._rank[i.number])
                    reasons.append("amount_sum")
                    if _interchangeable(added, rest):
                        reasons.append("ambiguous")
                elif rest and line.amount - total >= min(more):
                    # The rest could pay another invoice in part: a person decides.
                    reasons += ["amount_over", "ambiguous"]
                else:
                    reasons.append("amount_over")  # the rest stays on account, a credit
            else:
                # Less than the invoices it names: paid in part, or short of a bank fee.
                # The invoices are certain, so the money goes to them, oldest first; what
                # is left stays open and is reminded (unless below the scenario's minimum).
                # A number alone may be mistyped (another customer's, or another item):
                # with no amount to confirm it, the payer must be known too.
                payer = {"payment_reference", "reference", "iban", "name", "customer_name"}
                others = [i.open_amount for i in self._open(customer, line) if i not in items]
                reasons.append("amount_part")
                if not payer & set(reasons) or line.amount in others:
                    reasons.append("ambiguous")
        elif one := [i for i in items if i.open_amount == line.amount]:
            chosen = one[:1]
            reasons.append("amount")
            weak_only = set(reasons) & WEAK and not set(reasons) - WEAK - {"amount"}
            if weak_only and self._unique_amount(line):  # a hint of a name, and an amount
                reasons.append("amount_unique")  # only it has
            prefix = oldest_run(amounts, line.amount)
            if len(one) > 1 or (prefix is not None and prefix[0] == 0 and prefix[1] > 1):
                reasons.append("ambiguous")  # which of them, a person decides
        elif found := runs(amounts, line.amount):
            run, sure = _likeliest(found, items, customer in self._held)
            chosen = items[run[0] : run[1]]
            reasons.append("amount_sum")
            if not sure:
                reasons.append("ambiguous")  # several runs sum to it
        elif picked := subset_summing_to(amounts, line.amount):
            chosen = [items[k] for k in picked]
            reasons.append("amount_sum")
            if _interchangeable(chosen, items[:MAX_ITEMS]):
                reasons.append("ambiguous")  # another item of the same amount would do
        elif close := [
            i for i in items if 0 < i.open_amount - line.amount <= tolerance(i.open_amount)
        ]:
            chosen = close[:1]
            reasons.append("amount_close")
        elif 0 < total - line.amount <= tolerance(total) and len(items) <= MAX_PARTS:
            reasons.append("amount_close")
        elif bigger := [i for i in items if i.open_amount > line.amount]:
            # Part of an item: automatic only when one item alone is big enough to be
            # paid in part by this amount (an opening balance paid off bit by bit);
            # else the oldest of them, where the law puts money the debtor did not
            # assign (Code civil art. 1342-10), for review.
            chosen = bigger[:1]
            reasons.append("amount_part")
            over = [i for i in items if 0 < line.amount - i.open_amount <= tolerance(line.amount)]
            if len(bigger) > 1 or over:  # or an item it overpays a little
                reasons.append("ambiguous")
        if customer in self._held and "amount_part" in reasons:
            reasons.append("held")  # an earlier line of the customer awaits review
        score = min(100, sum(WEIGHTS[r] for r in reasons))
        if {"amount_close", "ambiguous", "held"} & set(reasons):
            score = min(score, AUTO_APPLY - 1)  # short or ambiguous: reviewed
        elif not {"amount", "amount_sum", "amount_part", "amount_over"} & set(reasons):
            score = min(score, AUTO_APPLY - 1)  # so is an amount that fits nothing
        return Proposal(customer, tuple(spread(line.amount, chosen)), score, tuple(reasons))


def _interchangeable(chosen: Sequence[Item], among: Sequence[Item]) -> bool:
    """Whether an item not chosen has the amount of one chosen: either would do."""
    left = {i.open_amount for i in among if i not in chosen}
    return any(i.open_amount in left for i in chosen)


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


@dataclass(frozen=True)
class Quality:
    """How well matching found the known answers, line by line: a line is right when
    what it was matched to (invoices and amounts) is exactly its answer.

    >>> q = measure({1: {("F1", 100)}, 2: {("F2", 50)}, 3: set()},
    ...     applied={1: {("F1", 100)}, 3: {("F9", 10)}}, proposed={2: {("F2", 50)}})
    >>> q.precision, q.recall, q.proposed_right, q.found
    (0.5, 0.5, 1, 1.0)
    """

    lines: int  # lines with an answer (money that pays invoices)
    applied: int  # lines applied automatically
    applied_right: int
    proposed: int  # lines kept for review with a proposal
    proposed_right: int

    @property
    def precision(self) -> float:
        """Of the lines applied automatically, the share applied exactly right."""
        return self.applied_right / self.applied if self.applied else 1.0

    @property
    def recall(self) -> float:
        """Of the lines with an answer, the share applied automatically and right."""
        return self.applied_right / self.lines if self.lines else 1.0

    @property
    def found(self) -> float:
        """Of the lines with an answer, the share applied or proposed right."""
        right = self.applied_right + self.proposed_right
        return right / self.lines if self.lines else 1.0


def measure(
    truth: dict[int, set[tuple[str, int]]],
    applied: dict[int, set[tuple[str, int]]],
    proposed: dict[int, set[tuple[str, int]]],
) -> Quality:
    """Compare what matching did with the answers (by line key; an empty answer: the line
    pays nothing known, so applying it is wrong)."""
    return Quality(
        lines=sum(1 for parts in truth.values() if parts),
        applied=len(applied),
        applied_right=sum(1 for k, parts in applied.items() if parts and truth.get(k) == parts),
        proposed=len(proposed),
        proposed_right=sum(1 for k, parts in proposed.items() if parts and truth.get(k) == parts),
    )
