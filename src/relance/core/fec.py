"""The French FEC (Fichier des Écritures Comptables, article A47 A-1 of the Livre des
procédures fiscales): which of its lines are customers, invoices and payments, and how
its lettering settles them.

A FEC is one line per accounting line, 18 columns, tab or pipe separated, fields often
padded with spaces, UTF-8 (with or without BOM) or ISO-8859-15, amounts with a decimal
comma, dates as YYYYMMDD. Everything here is pure: the Django side reads the file,
calls these functions and saves through the import services.

>>> text = HEADER_LINE + "\\n" + "\\t".join(["VEN", "Ventes", "1", "20220105", "411000",
...     "Clients", "C1", "ACME", "FA 1", "20220104", "x", "120,00", "0,00", "AA",
...     "20220201", "", "", ""])
>>> table = parse(text)
>>> [(e.journal, e.customer, str(e.debit), e.letter) for e in table.entries]
[('VEN', ('C1', 'ACME'), '120.00', 'AA')]
"""

from __future__ import annotations

import codecs
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from relance.core.ledger import OpenItem, allocate, spread

COLUMNS = (
    "JournalCode", "JournalLib", "EcritureNum", "EcritureDate", "CompteNum", "CompteLib",
    "CompAuxNum", "CompAuxLib", "PieceRef", "PieceDate", "EcritureLib", "Debit", "Credit",
    "EcritureLet", "DateLet", "ValidDate", "Montantdevise", "Idevise",
)  # fmt: skip
HEADER_LINE = "\t".join(COLUMNS)
CUSTOMER_ACCOUNT = "411"
# A journal that moves a sales account (70…) is a sales journal; one that moves a bank
# (512), cheques to cash in (511) or the till (53) is a bank journal (the codes vary).
SALES_ACCOUNTS = ("70",)
BANK_ACCOUNTS = ("512", "511", "53")
EQUITY_ACCOUNTS = ("10", "11", "12")
# The opening-balance journal (à-nouveaux) by its usual codes, when its entries do not
# show it by moving the equity accounts.
OPENING_JOURNALS = ("AN", "ANO", "RAN")
# Lettering is bookkeeping after the fact: a line lettered later is the same line.
NOT_IDENTITY = ("EcritureLet", "DateLet", "ValidDate")


class FecFileError(ValueError):
    """The file as a whole is not a FEC."""


class Kind(StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    PAYMENT = "payment"


@dataclass(frozen=True)
class LineError:
    line: int
    column: str | None
    reason: str


@dataclass(frozen=True)
class Entry:
    line: int
    journal: str
    number: str  # EcritureNum
    booked: date  # EcritureDate
    account: str
    account_name: str
    aux_code: str
    aux_name: str
    piece_ref: str
    piece_date: date | None
    label: str
    debit: Decimal
    credit: Decimal
    letter: str
    letter_date: date | None
    fingerprint: str

    @property
    def customer(self) -> tuple[str, str]:
        """(code, name): the auxiliary account when there is one, else the account.

        >>> no_aux = Entry(1, "VEN", "1", date(2022, 1, 1), "411ACME", "Acme SA",
        ...     "", "", "F1", None, "", Decimal(1), Decimal(0), "", None, "x")
        >>> no_aux.customer
        ('411ACME', 'Acme SA')
        """
        if self.aux_code:
            return self.aux_code, self.aux_name or self.aux_code
        return self.account, self.account_name or self.account

    @property
    def is_customer(self) -> bool:
        return self.account.startswith(CUSTOMER_ACCOUNT)


@dataclass
class Table:
    delimiter: str
    encoding: str
    entries: list[Entry] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    raw: dict[int, dict[str, str]] = field(default_factory=dict)  # line -> column -> text


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without BOM, else ISO-8859-15 (the two the law allows).

    >>> decode("\\ufeffé".encode())
    ('é', 'utf-8-sig')
    >>> decode("é€".encode("iso-8859-15"))
    ('é€', 'iso-8859-15')
    """
    if data.startswith(codecs.BOM_UTF8):
        return data.decode("utf-8-sig"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("iso-8859-15"), "iso-8859-15"


def looks_like_fec(first_line: str) -> bool:
    """
    >>> looks_like_fec("JournalCode|JournalLib|EcritureNum|EcritureDate")
    True
    >>> looks_like_fec("number;customer;amount")
    False
    """
    return "journalcode" in first_line.lower() and "ecriturenum" in first_line.lower()


def amount(text: str) -> Decimal:
    """
    >>> amount(" 1 234,50 "), amount(""), amount("12.5")
    (Decimal('1234.50'), Decimal('0'), Decimal('12.5'))
    """
    raw = text.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not raw:
        return Decimal(0)
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{text.strip()!r} is not an amount") from None
    if not value.is_finite():
        raise ValueError(f"{text.strip()!r} is not an amount")
    return value


def a_date(text: str) -> date | None:
    """
    >>> a_date("20220831"), a_date("  ")
    (datetime.date(2022, 8, 31), None)
    """
    raw = text.strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y%m%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError:
        raise ValueError(f"{raw!r} is not a date (YYYYMMDD)") from None


def _piece(text: str) -> str:
    """A piece reference without its padding: 'FA  220061' is 'FA 220061'."""
    return " ".join(text.split())


def parse(text: str, encoding: str = "utf-8") -> Table:
    """Every line of the FEC, typed; a bad line is a `LineError` and the others are kept."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or not looks_like_fec(lines[0]):
        raise FecFileError("the first line is not a FEC header (JournalCode, EcritureNum, ...)")
    delimiter = "\t" if lines[0].count("\t") >= lines[0].count("|") else "|"
    header = [c.strip() for c in lines[0].split(delimiter)]
    lowered = [c.lower() for c in header]
    missing = [c for c in COLUMNS[:13] if c.lower() not in lowered]
    if missing:
        raise FecFileError(f"the header lacks the FEC columns {', '.join(missing)}")
    if twice := sorted({c for c in header if lowered.count(c.lower()) > 1}):
        raise FecFileError(f"the header names {', '.join(twice)} more than once")
    # The header's names as the norm spells them, whatever their case or order.
    spelled = {x.lower(): x for x in COLUMNS}
    names = [spelled.get(c.lower(), c) for c in header]
    table = Table(delimiter, encoding)
    for n, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        values = line.split(delimiter)
        raw = {c: v.strip() for c, v in zip(names, values, strict=False)}
        table.raw[n] = raw
        if len(values) != len(header):
            table.errors.append(
                LineError(n, None, f"{len(values)} fields, the header has {len(header)}")
            )
            continue
        try:
            table.entries.append(_entry(n, raw))
        except _CellError as exc:
            table.errors.append(LineError(n, exc.column, exc.reason))
    return table


class _CellError(Exception):
    def __init__(self, column: str, reason: str) -> None:
        self.column = column
        self.reason = reason


def _cell(raw: dict[str, str], column: str, read: type[date] | type[Decimal]) -> object:
    try:
        return a_date(raw.get(column, "")) if read is date else amount(raw.get(column, ""))
    except ValueError as exc:
        raise _CellError(column, str(exc)) from None


def _entry(n: int, raw: dict[str, str]) -> Entry:
    day = _cell(raw, "EcritureDate", date)
    if not isinstance(day, date):
        raise _CellError("EcritureDate", "required date is empty")
    account = raw.get("CompteNum", "")
    if not account:
        raise _CellError("CompteNum", "the account number is empty")
    identity = "\x1f".join(raw.get(c, "") for c in COLUMNS if c not in NOT_IDENTITY)
    debit, credit = _cell(raw, "Debit", Decimal), _cell(raw, "Credit", Decimal)
    piece_date, letter_date = _cell(raw, "PieceDate", date), _cell(raw, "DateLet", date)
    assert isinstance(debit, Decimal)
    assert isinstance(credit, Decimal)
    assert piece_date is None or isinstance(piece_date, date)
    assert letter_date is None or isinstance(letter_date, date)
    return Entry(
        line=n,
        journal=raw.get("JournalCode", ""),
        number=raw.get("EcritureNum", ""),
        booked=day,
        account=account,
        account_name=raw.get("CompteLib", ""),
        aux_code=raw.get("CompAuxNum", ""),
        aux_name=raw.get("CompAuxLib", ""),
        piece_ref=_piece(raw.get("PieceRef", "")),
        piece_date=piece_date,
        label=raw.get("EcritureLib", ""),
        debit=debit,
        credit=credit,
        letter=raw.get("EcritureLet", ""),
        letter_date=letter_date,
        fingerprint=hashlib.sha256(identity.encode()).hexdigest()[:16],
    )


def journal_kinds(entries: list[Entry]) -> tuple[set[str], set[str]]:
    """(sales journals, bank journals), from the accounts their entries move: most entries
    of a sales journal move a sales account, most of a bank journal a bank account; the
    opening-balance journal (its entry moves the equity accounts 10-12) is neither.

    >>> e = lambda j, n, a: Entry(2, j, n, date(2022, 1, 1), a, "", "", "", "", None, "",
    ...     Decimal(1), Decimal(0), "", None, "")
    >>> journal_kinds([e("VT", "1", "706000"), e("BQ", "2", "512000"), e("OD", "3", "401000"),
    ...     e("AN", "4", "101000"), e("AN", "4", "512000"), e("OD", "5", "706000"),
    ...     e("OD", "6", "401000")])
    ({'VT'}, {'BQ'})
    """
    moved: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in entries:
        moved[(e.journal, e.number)].add(e.account)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # entries, sales, bank, equity
    for (journal, _number), accounts in moved.items():
        c = counts[journal]
        c[0] += 1
        c[1] += any(a.startswith(SALES_ACCOUNTS) for a in accounts)
        c[2] += any(a.startswith(BANK_ACCOUNTS) for a in accounts)
        c[3] += any(a.startswith(EQUITY_ACCOUNTS) for a in accounts)
    sales = {j for j, c in counts.items() if 2 * c[1] > c[0]}
    bank = {j for j, c in counts.items() if 2 * c[2] > c[0] and 2 * c[3] <= c[0]} - sales
    return sales, bank


def opening_journals(entries: list[Entry]) -> set[str]:
    """The opening-balance journals (à-nouveaux): coded AN, ANO or RAN, or most of whose
    entries move the equity accounts (10-12) the opening entry carries forward.

    >>> e = lambda j, n, a: Entry(2, j, n, date(2022, 1, 1), a, "", "", "", "", None, "",
    ...     Decimal(1), Decimal(0), "", None, "")
    >>> sorted(opening_journals([e("NOUV", "1", "101000"), e("NOUV", "1", "411000"),
    ...     e("RAN", "1", "411000"), e("VT", "2", "706000")]))
    ['NOUV', 'RAN']
    """
    moved: dict[tuple[str, str], set[str]] = defaultdict(set)
    for e in entries:
        moved[(e.journal, e.number)].add(e.account)
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # entries, equity
    for (journal, _number), accounts in moved.items():
        counts[journal][0] += 1
        counts[journal][1] += any(a.startswith(EQUITY_ACCOUNTS) for a in accounts)
    return {j for j, c in counts.items() if j.upper() in OPENING_JOURNALS or 2 * c[1] > c[0]}


def classify(
    entry: Entry, sales: set[str], bank: set[str], opening: set[str] | None = None
) -> Kind | None:
    """What a line is for Relance: on a customer account, in the sales journal a debit is
    an invoice and a credit a credit note; in a bank journal a credit is money received;
    in the opening-balance journal a debit is an item still open when the year began (an
    invoice) and a credit money received ahead (a payment). Anything else (refunds,
    miscellaneous entries) is not imported.

    >>> e = lambda j, d, c: Entry(2, j, "1", date(2022, 1, 1), "411000", "", "", "", "", None,
    ...     "", Decimal(d), Decimal(c), "", None, "")
    >>> [str(classify(e(*x), {"VT"}, {"BQ"}, {"AN"})) for x in
    ...     [("VT", 10, 0), ("VT", 0, 10), ("BQ", 0, 10), ("BQ", 10, 0), ("OD", 10, 0),
    ...      ("AN", 10, 0), ("AN", 0, 10)]]
    ['invoice', 'credit_note', 'payment', 'None', 'None', 'invoice', 'payment']
    """
    if not entry.is_customer:
        return None
    net = entry.debit - entry.credit
    if entry.journal in sales and net:
        return Kind.INVOICE if net > 0 else Kind.CREDIT_NOTE
    if entry.journal in (opening or set()) and net:
        return Kind.INVOICE if net > 0 else Kind.PAYMENT
    if entry.journal in bank and net < 0:
        return Kind.PAYMENT
    return None


@dataclass(frozen=True)
class Plan:
    customers: dict[str, tuple[int, str]]  # code -> (first line, name)
    invoices: list[Entry]  # invoices, credit notes and opening items
    payments: list[Entry]  # money received, and credits brought forward
    skipped: int  # lines on customer accounts that are none of these
    opening: int = 0  # opening-balance lines among the invoices and payments
    others: list[Entry] = field(default_factory=list)  # the skipped lines (refunds, ...)
    opening_lines: frozenset[int] = frozenset()


def plan(entries: list[Entry]) -> Plan:
    """The customers, invoices and payments of a FEC, in file order.

    An invoice's number is its piece reference; an opening item's piece reference is
    often the same for every customer ("RAN"), so a number taken twice gets the
    customer's code, and then the line number, to stay the item's own.
    """
    sales, bank = journal_kinds(entries)
    opening = opening_journals(entries) - sales - bank
    customers: dict[str, tuple[int, str]] = {}
    invoices: list[Entry] = []
    payments: list[Entry] = []
    skipped = carried = 0
    others: list[Entry] = []
    for e in entries:
        if not e.is_customer:
            continue
        code, name = e.customer
        customers.setdefault(code, (e.line, name))
        kind = classify(e, sales, bank, opening)
        carried += kind is not None and e.journal in opening
        if kind is Kind.PAYMENT:
            payments.append(e)
        elif kind is not None:
            invoices.append(e)
        else:
            skipped += 1
            others.append(e)
    payments.sort(key=lambda p: (p.booked, p.line))  # allocated in the order they came in
    carried_lines = frozenset(e.line for e in entries if e.is_customer and e.journal in opening)
    return Plan(
        customers, _own_numbers(invoices), payments, skipped, carried, others, carried_lines
    )


def _own_numbers(invoices: list[Entry]) -> list[Entry]:
    """
    >>> e = lambda n, ref, code: Entry(n, "AN", "1", date(2022, 1, 1), "411", "", code, "",
    ...     ref, None, "", Decimal(1), Decimal(0), "", None, "")
    >>> [i.piece_ref for i in _own_numbers([e(2, "RAN", "C1"), e(3, "RAN", "C2"),
    ...     e(4, "F1", "C1"), e(5, "F2", "C1"), e(6, "F2", "C1")])]
    ['RAN C1', 'RAN C2', 'F1', 'F2 C1 5', 'F2 C1 6']
    """
    taken = Counter(i.piece_ref for i in invoices)
    with_code = Counter(f"{i.piece_ref} {i.customer[0]}".strip() for i in invoices)
    own: list[Entry] = []
    for i in invoices:
        if taken[i.piece_ref] > 1 or not i.piece_ref:
            number = f"{i.piece_ref} {i.customer[0]}".strip()
            if with_code[number] > 1:
                number = f"{number} {i.line}"
            i = replace(i, piece_ref=number)
        own.append(i)
    return own


def issue_date(entry: Entry) -> date:
    return entry.piece_date or entry.booked


def minor(value: Decimal) -> int:
    """Cents of the FEC's book currency (its amounts have two decimals).

    >>> minor(Decimal("1234.50"))
    123450
    """
    return int((value * 100).to_integral_value())


def _letter_groups(invoices: list[Entry]) -> dict[tuple[str, str], list[str]]:
    """The invoice numbers (debits) of each (customer, letter), oldest first."""
    groups: dict[tuple[str, str], list[Entry]] = defaultdict(list)
    for inv in invoices:
        if inv.letter and inv.debit > inv.credit:
            groups[(inv.customer[0], inv.letter)].append(inv)
    return {
        key: list(dict.fromkeys(i.piece_ref for i in sorted(g, key=_oldest)))
        for key, g in groups.items()
    }


def _oldest(entry: Entry) -> tuple[date, str]:
    return issue_date(entry), entry.piece_ref


def _carried_forward(
    invoices: list[Entry], payments: list[Entry], others: list[Entry]
) -> dict[tuple[str, str], int]:
    """Cents of each (customer, letter) lettered with lines of earlier years: a letter's
    lines balance, so money it holds beyond its lines in this file settled what the
    opening balance carries forward (the opening lines themselves lose their letters)."""
    net: dict[tuple[str, str], int] = defaultdict(int)
    for e in [*invoices, *payments, *others]:
        if e.letter:
            net[(e.customer[0], e.letter)] += minor(e.debit - e.credit)
    return {key: -cents for key, cents in net.items() if cents < 0}


def lettered_invoices(
    invoices: list[Entry],
    payments: list[Entry],
    others: list[Entry] | None = None,
    opening: frozenset[int] = frozenset(),
) -> dict[int, list[str]]:
    """For each lettered payment (by line), the invoice numbers of the same customer that
    share its letter, oldest first: the lines one letter groups are settled together;
    then, when the letter holds more money than its lines in this file, the customer's
    opening items (`opening`: their lines).

    >>> e = lambda n, j, ref, d, letter: Entry(n, j, "1", d, "411000", "", "C1", "", ref,
    ...     None, "", Decimal(5), Decimal(0), letter, None, "")
    >>> inv = [e(2, "VT", "F2", date(2022, 2, 1), "A"), e(3, "VT", "F1", date(2022, 1, 1), "A"),
    ...     e(4, "VT", "F3", date(2022, 1, 1), "")]
    >>> lettered_invoices(inv, [e(5, "BQ", "", date(2022, 3, 1), "A"),
    ...     e(6, "BQ", "", date(2022, 3, 1), "")])
    {5: ['F1', 'F2']}
    """
    groups = _letter_groups(invoices)
    carried = _carried_forward(invoices, payments, others or [])
    openings = _opening_items(invoices, opening)
    hints: dict[int, list[str]] = {}
    for p in payments:
        if not p.letter:
            continue
        key = (p.customer[0], p.letter)
        group = groups.get(key, []) + (openings.get(key[0], []) if key in carried else [])
        if group:
            hints[p.line] = group
    return hints


def _opening_items(invoices: list[Entry], opening: frozenset[int]) -> dict[str, list[str]]:
    items: dict[str, list[Entry]] = defaultdict(list)
    for i in invoices:
        if i.line in opening and i.debit > i.credit:
            items[i.customer[0]].append(i)
    return {code: [i.piece_ref for i in sorted(g, key=_oldest)] for code, g in items.items()}


def credit_lettering(invoices: list[Entry]) -> list[tuple[str, str, int]]:
    """(credit note, invoice, cents): each lettered credit note, in date order, settles
    the invoices of its letter oldest first, before any payment does (a credit note
    lowers what is owed; the money then pays the rest).

    >>> e = lambda n, ref, debit, credit: Entry(n, "VT", "1", date(2022, 1, n), "411000",
    ...     "", "C1", "", ref, None, "", Decimal(debit), Decimal(credit), "A", None, "")
    >>> credit_lettering([e(2, "F1", 100, 0), e(3, "F2", 50, 0), e(4, "AV1", 0, 120)])
    [('AV1', 'F1', 10000), ('AV1', 'F2', 2000)]
    """
    return [(source.piece_ref, number, cents) for source, number, cents in _settle(invoices, [])]


def settle_lettering(
    invoices: list[Entry],
    payments: list[Entry],
    others: list[Entry] | None = None,
    opening: frozenset[int] = frozenset(),
) -> list[tuple[int, str, int]]:
    """(payment line, invoice number, cents): each lettered payment, in date order,
    settles the invoices of its letter oldest first, never more than is open (what the
    credit notes of the letter left); what its letter holds beyond its lines in this
    file settles the customer's opening items.

    >>> e = lambda n, j, ref, d, debit, credit: Entry(n, j, "1", d, "411000", "", "C1", "",
    ...     ref, None, "", Decimal(debit), Decimal(credit), "A", None, "")
    >>> settle_lettering([e(2, "VT", "F1", date(2022, 1, 1), 100, 0),
    ...     e(3, "VT", "F2", date(2022, 1, 2), 50, 0)],
    ...     [e(4, "BQ", "", date(2022, 2, 1), 0, 120), e(5, "BQ", "", date(2022, 3, 1), 0, 30)])
    [(4, 'F1', 10000), (4, 'F2', 2000), (5, 'F2', 3000)]
    >>> an = Entry(1, "AN", "1", date(2022, 1, 1), "411000", "", "C1", "", "RAN C1", None, "",
    ...     Decimal(80), Decimal(0), "", None, "")
    >>> settle_lettering([an, e(2, "VT", "F1", date(2022, 1, 1), 100, 0)],
    ...     [e(4, "BQ", "", date(2022, 2, 1), 0, 150)], opening=frozenset({1}))
    [(4, 'F1', 10000), (4, 'RAN C1', 5000)]
    """
    lines = {p.line for p in payments}
    return [(src.line, number, cents)
            for src, number, cents in _settle(invoices, payments, others or [], opening)
            if src.line in lines]  # fmt: skip


def _settle(
    invoices: list[Entry],
    payments: list[Entry],
    others: list[Entry] | None = None,
    opening: frozenset[int] = frozenset(),
) -> list[tuple[Entry, str, int]]:
    """(source, invoice number, cents) for the credit notes, then the payments."""
    groups = _letter_groups(invoices)
    carried = _carried_forward(invoices, payments, others or [])
    openings = _opening_items(invoices, opening)
    open_amounts = {i.piece_ref: minor(i.debit - i.credit) for i in invoices}
    dates = {i.piece_ref: issue_date(i) for i in invoices}
    notes = sorted(
        (i for i in invoices if i.credit > i.debit and i.letter),
        key=lambda i: (issue_date(i), i.line),
    )
    paying = {p.line for p in payments} - opening
    made: list[tuple[Entry, str, int]] = []
    for source in [*notes, *sorted(payments, key=lambda p: (p.booked, p.line))]:
        if not source.letter:
            continue
        key = (source.customer[0], source.letter)
        numbers = groups.get(key, [])
        items = [OpenItem(n, dates[n], open_amounts[n]) for n in numbers]
        left = minor(source.credit - source.debit)
        parts = allocate(left, items, numbers)
        left -= sum(part for _n, part in parts)
        if key in carried and left > 0 and source.line in paying:
            beyond = min(left, carried[key])
            carried[key] -= beyond
            older = [OpenItem(n, dates[n], open_amounts[n]) for n in openings.get(key[0], [])]
            parts += spread(beyond, [i for i in older if i.open_amount > 0])
        for number, part in parts:
            open_amounts[number] -= part
            made.append((source, number, part))
    return made
