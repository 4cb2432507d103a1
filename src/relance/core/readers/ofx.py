"""OFX bank and credit-card statements (1.0x SGML and 2.x XML) as `Statement`s.

Both versions are read by one small tokenizer, not an XML parser: OFX 1.0x leaves the
elements unclosed, and reading tags as text resolves no entity and fetches nothing (only
the five predefined entities are decoded). A file may hold several statements
(STMTTRNRS, CCSTMTTRNRS), each with one or more transaction lists; OFX gives the closing
ledger balance only, so `opening` stays None.

Dates are read in the time zone the bank wrote them in (`20260302230000[-5:EST]` is
2 March): turning them into UTC would move a late-evening booking to the next day.

>>> ofx = b'''OFXHEADER:100
... DATA:OFXSGML
...
... <OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STMTRS><CURDEF>EUR
... <BANKACCTFROM><BANKID>30006<ACCTID>FR7630006000011234567890189</BANKACCTFROM>
... <BANKTRANLIST><DTSTART>20260301<DTEND>20260302
... <STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20260302230000[-5:EST]<TRNAMT>1200.00
... <FITID>A1<NAME>ACME SARL<MEMO>F2026-001 &amp; F2026-002</STMTTRN>
... </BANKTRANLIST><LEDGERBAL><BALAMT>2200.00<DTASOF>20260302</LEDGERBAL>
... </STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>'''
>>> [s] = read(ofx)
>>> s.account, s.currency, s.opening, s.closing, s.start, s.end
('FR7630006000011234567890189', 'EUR', None, 220000, datetime.date(2026, 3, 1), datetime.date(2026, 3, 2))
>>> e = s.entries[0]
>>> e.booked, e.amount, e.bank_reference, e.counterparty_name, e.text
(datetime.date(2026, 3, 2), 120000, 'A1', 'ACME SARL', 'F2026-001 & F2026-002')
>>> read(ofx.replace(b"1200.00", b"12O0"))
Traceback (most recent call last):
...
relance.core.errors.DomainError: OFX line 7: unreadable TRNAMT '12O0'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from relance.core.currencies import is_currency
from relance.core.errors import DomainError
from relance.core.money import round_money
from relance.core.statements import Entry, Statement

_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9._]*)[^>]*>([^<]*)")
_DATE = re.compile(r"^(\d{4})(\d\d)(\d\d)(\d{6}(\.\d{1,3})?)?(\[[+-]?\d{1,2}(\.\d+)?(:\w+)?\])?$")
_ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}
_STATEMENTS = ("STMTRS", "CCSTMTRS")


@dataclass
class _Draft:
    currency: str = ""
    account: str = ""
    bank_id: str = ""
    closing: int | None = None
    starts: list[date] = field(default_factory=list)
    ends: list[date] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


def read(data: bytes) -> list[Statement]:
    """Every bank or credit-card statement of an OFX file, in file order."""
    text = _decode(data)
    if "<OFX>" not in text.upper():
        raise DomainError("OFX: no <OFX> element: not an OFX file")
    statements: list[Statement] = []
    stack: list[str] = []
    draft: _Draft | None = None
    trn: dict[str, tuple[int, str]] = {}
    trn_id = ""  # TRNUID of the enclosing STMTTRNRS
    line, counted = 1, 0  # lines counted as the tokens go: once over the file
    for token in _TOKEN.finditer(text):
        closing, name, value = token[1] == "/", token[2].upper(), _unescape(token[3].strip())
        line, counted = line + text.count("\n", counted, token.start()), token.start()
        if closing:
            if name not in stack:
                continue  # the end tag of an XML element that has a value
            while stack.pop() != name:
                pass
            if name == "STMTTRN" and draft is not None:
                draft.entries.append(_entry(trn, draft.currency))
            elif name in _STATEMENTS and draft is not None:
                statements.append(_statement(draft))
                draft = None
            continue
        if not value:
            stack.append(name)  # an aggregate (or an empty element, closed next)
            if name in _STATEMENTS:
                draft = _Draft(bank_id=trn_id)
            elif name == "STMTTRN":
                trn = {}
            continue
        if name == "TRNUID":
            trn_id = "" if value == "0" else value
        if draft is None:
            continue  # sign-on, status, investment or other messages: not ours
        parent = stack[-1] if stack else ""
        if "STMTTRN" in stack:
            key = "PAYEE" if parent == "PAYEE" and name == "NAME" else name
            if parent in ("BANKACCTTO", "CCACCTTO") and name == "ACCTID":
                key = "ACCTTO"
            trn[key] = (line, value)
        elif name == "CURDEF":
            if not is_currency(value):
                raise DomainError(f"OFX line {line}: unknown currency {value!r}")
            draft.currency = value
        elif name == "ACCTID" and parent in ("BANKACCTFROM", "CCACCTFROM"):
            draft.account = value
        elif name == "BALAMT" and parent == "LEDGERBAL":
            draft.closing = _amount(line, "BALAMT", value, draft.currency)
        elif name == "DTSTART" and parent == "BANKTRANLIST":
            draft.starts.append(_date(line, name, value))
        elif name == "DTEND" and parent == "BANKTRANLIST":
            draft.ends.append(_date(line, name, value))
    if not statements:
        raise DomainError("OFX: no bank or credit-card statement (STMTRS) in the file")
    return statements


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")  # OFX 1.0x: CHARSET:1252


def _unescape(value: str) -> str:
    return re.sub(r"&(lt|gt|quot|apos|amp);", lambda m: _ENTITIES[m[0]], value)


def _statement(draft: _Draft) -> Statement:
    return Statement(
        account=draft.account,
        currency=draft.currency,
        opening=None,
        closing=draft.closing,
        entries=tuple(draft.entries),
        start=min(draft.starts, default=None),
        end=max(draft.ends, default=None),
        bank_id=draft.bank_id,
    )


def _entry(trn: dict[str, tuple[int, str]], currency: str) -> Entry:
    for needed in ("DTPOSTED", "TRNAMT"):
        if needed not in trn:
            line = min((at for at, _ in trn.values()), default=0)
            raise DomainError(f"OFX line {line}: transaction without {needed}")
    if not currency:
        raise DomainError(f"OFX line {trn['TRNAMT'][0]}: transaction before CURDEF")

    def get(key: str) -> str:
        return trn.get(key, (0, ""))[1]

    # The check and reference numbers join the memo: payers quote them on remittances.
    numbers = [
        f"{label} {get(key)}"
        for key, label in (("CHECKNUM", "check"), ("REFNUM", "ref"))
        if get(key).strip("0")  # "0": no number
    ]
    text = " ".join([get("MEMO"), *numbers]).strip()
    account_to = get("ACCTTO")
    return Entry(
        booked=_date(trn["DTPOSTED"][0], "DTPOSTED", get("DTPOSTED")),
        amount=_amount(trn["TRNAMT"][0], "TRNAMT", get("TRNAMT"), currency),
        currency=currency,
        value_date=_date(trn["DTAVAIL"][0], "DTAVAIL", get("DTAVAIL"))
        if "DTAVAIL" in trn
        else None,
        counterparty_name=get("PAYEE") or get("NAME"),
        counterparty_iban=account_to if re.match(r"^[A-Z]{2}\d\d", account_to) else "",
        text=text,
        bank_reference=get("FITID"),
    )


def _amount(line: int, name: str, value: str, currency: str) -> int:
    # Some European banks write a decimal comma.
    plain = value.replace(",", ".") if "." not in value else value
    try:
        return round_money(Decimal(plain.replace("+", "", 1)), currency)
    except InvalidOperation:
        raise DomainError(f"OFX line {line}: unreadable {name} {value!r}") from None


def _date(line: int, name: str, value: str) -> date:
    match = _DATE.match(value)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        pass
    raise DomainError(f"OFX line {line}: unreadable {name} {value!r}")
