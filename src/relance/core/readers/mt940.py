"""SWIFT MT940 customer statements (German and Dutch banks) as `Statement`s.

A file holds one or more statements, each from `:20:` to a line starting with `-`; lines
not starting with a tag continue the previous field (banks wrap at 65 characters). The
`:86:` details are read in the German structured form (`166?00GUTSCHRIFT?20EREF+...`),
the Dutch structured form (`/EREF/.../NAME/.../REMI/...`), or kept as free text.

>>> sta = b'''
... :20:STARTUMS
... :25:DE89370400440532013000
... :28C:00001/001
... :60F:C260301EUR1000,00
... :61:2603020302CR1200,NTRFNONREF//B1
... :86:166?00GUTSCHRIFT?20EREF+E2E-7?21SVWZ+F2026-001?31DE021001001
... 00942434001?32ACME SARL
... :62F:C260302EUR2200,00
... -'''
>>> [s] = read(sta)
>>> s.account, s.opening, s.closing, s.balanced
('DE89370400440532013000', 100000, 220000, True)
>>> e = s.entries[0]
>>> e.booked, e.amount, e.end_to_end_id, e.text, e.counterparty_name, e.counterparty_iban
(datetime.date(2026, 3, 2), 120000, 'E2E-7', 'F2026-001', 'ACME SARL', 'DE02100100100942434001')
>>> details("/RTRN/MD06/EREF/X1/NAME/J. Jansen/REMI/USTD//F-9/")
{'return_reason': 'MD06', 'end_to_end_id': 'X1', 'counterparty_name': 'J. Jansen', 'text': 'F-9'}
>>> read(b":20:X\\n:25:1\\n:61:26BAD\\n-")
Traceback (most recent call last):
...
relance.core.errors.DomainError: MT940 line 3: unreadable :61: statement line '26BAD'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from relance.core.errors import DomainError
from relance.core.money import round_money
from relance.core.statements import Entry, Statement

_TAG = re.compile(r"^:(\d\d[A-Z]?):(.*)$")
_LINE_61 = re.compile(
    r"^(?P<value>\d{6})(?P<booked>\d{4})?(?P<mark>RC|RD|C|D)[A-Z]?"
    r"(?P<amount>\d[\d,]*)(?P<type>[NSF][A-Z0-9]{3})(?P<refs>.*)$"
)
_BALANCE = re.compile(r"^(?P<mark>[CD])(?P<date>\d{6})(?P<currency>[A-Z]{3})(?P<amount>\d[\d,]*)$")
# German "Geschaeftsvorfallcode" of returned transfers and direct debits.
_RETURN_GVC = frozenset({"108", "109", "159", "160", "161"})
_GERMAN_KEY = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|IBAN|BIC|COAM|OAMT)\+|(MTLG):")
_DUTCH_KEY = re.compile(
    r"/(TRTP|IBAN|BIC|NAME|REMI|EREF|MARF|CSID|RTRN|ORDP|BENM|ADDR|ISDT|CREF|PREF|ULTC"
    r"|ULTD|ULTB|PURP|SVCL|NRTX|ID)/"
)
_WIDTH = 65  # a full line of a wrapped field: the next line continues the same word


@dataclass
class _Draft:
    bank_id: str = ""
    account: str = ""
    sequence: str = ""
    currency: str = ""
    opening: int | None = None
    closing: int | None = None
    start: date | None = None
    end: date | None = None
    entries: list[Entry] = field(default_factory=list)


def read(data: bytes) -> list[Statement]:
    """Every statement of an MT940 file, in file order."""
    text = _decode(data)
    statements: list[Statement] = []
    draft: _Draft | None = None
    fields: list[tuple[int, str, list[str]]] = []  # line number, tag, lines
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        tag = _TAG.match(line)
        if tag:
            fields.append((number, tag[1], [tag[2]]))
        elif line.startswith("-") and (fields or draft):
            _close(_apply(draft, fields), statements)
            draft, fields = None, []
        elif fields and line:
            fields[-1][2].append(line)
        # else: a header line before the first tag (ABNANL2A, 940, {1:...}): not ours
    if fields:
        _close(_apply(draft, fields), statements)
    if not statements:
        raise DomainError("MT940: no statement found (no :20: field)")
    return statements


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")  # German banks still send ISO 8859-1


def _close(draft: _Draft | None, statements: list[Statement]) -> None:
    if draft is not None:
        statements.append(
            Statement(
                account=draft.account,
                currency=draft.currency,
                opening=draft.opening,
                closing=draft.closing,
                entries=tuple(draft.entries),
                start=draft.start,
                end=draft.end,
                bank_id=f"{draft.bank_id} {draft.sequence}".strip(),
            )
        )


def _apply(draft: _Draft | None, fields: list[tuple[int, str, list[str]]]) -> _Draft | None:
    pending: tuple[int, str, str] | None = None  # the :61: waiting for its :86:
    for number, tag, lines in fields:
        if tag == "20":
            draft = _Draft(bank_id=lines[0].strip())
            continue
        if draft is None:
            raise DomainError(f"MT940 line {number}: :{tag}: before any :20:")
        if tag == "25":
            draft.account = lines[0].strip()
        elif tag in ("28", "28C"):
            draft.sequence = lines[0].strip()
        elif tag in ("60F", "60M"):
            draft.currency, draft.opening, draft.start = _balance(number, tag, lines[0])
        elif tag in ("62F", "62M"):
            if pending:
                draft.entries.append(_entry(draft, *pending, ""))
                pending = None
            currency, draft.closing, draft.end = _balance(number, tag, lines[0])
            draft.currency = draft.currency or currency
        elif tag == "61":
            if pending:
                draft.entries.append(_entry(draft, *pending, ""))
            pending = (number, lines[0], "".join(lines[1:]))
        elif tag == "86" and pending:
            draft.entries.append(_entry(draft, *pending, _join(lines)))
            pending = None
        # :64:, :65:, and an :86: about the whole statement: not needed
    if pending and draft:
        draft.entries.append(_entry(draft, *pending, ""))
    return draft


def _join(lines: list[str]) -> str:
    """A wrapped :86: in one string: a full line continues its word, a short one ends it."""
    out = lines[0]
    widths = [len(":86:" + lines[0]), *(len(line) for line in lines[1:])]
    for width, line in zip(widths, lines[1:], strict=False):
        out += line if width >= _WIDTH or "?" in out[:4] else " " + line
    return out.strip()


def _amount(number: int, text: str, currency: str) -> int:
    try:
        return round_money(Decimal(text.replace(",", ".")), currency)
    except InvalidOperation:
        raise DomainError(f"MT940 line {number}: bad amount {text!r}") from None


def _date(yymmdd: str) -> date:
    # SWIFT's two-digit years: 00-79 are 2000-2079, 80-99 the last century.
    year = int(yymmdd[:2])
    return date(year + (2000 if year < 80 else 1900), int(yymmdd[2:4]), int(yymmdd[4:6]))


def _balance(number: int, tag: str, value: str) -> tuple[str, int, date]:
    match = _BALANCE.match(value.strip())
    if not match:
        raise DomainError(f"MT940 line {number}: unreadable :{tag}: balance {value!r}")
    amount = _amount(number, match["amount"], match["currency"])
    try:
        on = _date(match["date"])
    except ValueError:
        raise DomainError(f"MT940 line {number}: impossible date in {value!r}") from None
    return match["currency"], -amount if match["mark"] == "D" else amount, on


def _entry(draft: _Draft, number: int, value: str, extra: str, info: str) -> Entry:
    match = _LINE_61.match(value.strip())
    if not match or not draft.currency:
        raise DomainError(f"MT940 line {number}: unreadable :61: statement line {value!r}")
    try:
        valued = _date(match["value"])
        booked = valued
        if match["booked"]:
            # The booking date has no year: the value date's, or the next or last one
            # across the new year.
            month, day = int(match["booked"][:2]), int(match["booked"][2:])
            year = valued.year + (month - valued.month > 6) * -1 + (valued.month - month > 6)
            booked = date(year, month, day)
    except ValueError:
        raise DomainError(f"MT940 line {number}: impossible date in {value!r}") from None
    amount = _amount(number, match["amount"], draft.currency)
    money_out = match["mark"] in ("D", "RC")  # a reversed credit takes the money back
    own, _, bank = match["refs"].partition("//")
    return Entry(
        booked=booked,
        amount=-amount if money_out else amount,
        currency=draft.currency,
        value_date=valued,
        bank_reference=(bank.strip() or ("" if own == "NONREF" else own.strip())),
        **details(info),
    )


def details(info: str) -> dict[str, str]:
    """The fields of an :86: information line that an `Entry` keeps."""
    if re.match(r"^\d{3}[^\w\s]\d\d", info):  # GVC, separator, first field number
        return _german(info)
    if _DUTCH_KEY.match(info):
        return _dutch(info)
    return {"text": " ".join(info.split())}


def _german(info: str) -> dict[str, str]:
    gvc, separator = info[:3], info[3]
    parts: dict[str, str] = {}
    for chunk in info[4:].split(separator):
        if len(chunk) >= 2 and chunk[:2].isdigit():
            parts[chunk[:2]] = parts.get(chunk[:2], "") + chunk[2:]
    purpose = "".join(parts.get(f"{n}", "") for n in [*range(20, 30), *range(60, 64)])
    keyed = _split(_GERMAN_KEY, purpose)
    # The free text: the SVWZ, else what is left once the parsed fields are taken out
    # (a bank message MTLG, the sender's KREF or the mandate MREF).
    kept = [keyed.get("")] + [f"{key}+{keyed[key]}" for key in ("KREF", "MREF") if key in keyed]
    text = keyed.get("SVWZ") or " ".join(filter(None, [*kept, keyed.get("MTLG")]))
    out = {"text": " ".join(text.split())}
    name = " ".join((parts.get("32", "") + parts.get("33", "")).split())
    if name or keyed.get("ABWA"):
        out["counterparty_name"] = name or keyed["ABWA"].strip()
    iban = parts.get("31", "").strip() or keyed.get("IBAN", "").strip()
    if re.match(r"^[A-Z]{2}\d\d", iban):
        out["counterparty_iban"] = iban
    eref = keyed.get("EREF", "").strip()
    if eref and eref != "NOTPROVIDED":
        out["end_to_end_id"] = eref
    if parts.get("34") or gvc in _RETURN_GVC:
        # ?34 is the German SEPA return key (e.g. 901: IBAN invalid); else the GVC says it
        out["return_reason"] = parts.get("34", "").strip() or f"GVC{gvc}"
    return out


def _dutch(info: str) -> dict[str, str]:
    keyed = {k: v.strip().rstrip("/") for k, v in _split(_DUTCH_KEY, info).items()}
    out = {}
    if keyed.get("RTRN"):
        out["return_reason"] = keyed["RTRN"]
    if keyed.get("EREF") and keyed["EREF"] != "NOTPROVIDED":
        out["end_to_end_id"] = keyed["EREF"]
    if keyed.get("NAME"):
        out["counterparty_name"] = keyed["NAME"]
    if keyed.get("IBAN"):
        out["counterparty_iban"] = keyed["IBAN"]
    remi = keyed.get("REMI", "")
    if remi.startswith("STRD/"):  # structured: STRD/CUR/<issuer>/<reference>
        out["reference"] = remi.rsplit("/", 1)[-1]
    else:
        out["text"] = remi.removeprefix("USTD//").removeprefix("USTD/")
    return out


def _split(keys: re.Pattern[str], text: str) -> dict[str, str]:
    """`text` cut at each key: {"": what comes before the first, key: its value}."""
    out: dict[str, str] = {}
    marks = list(keys.finditer(text))
    if not marks or marks[0].start() > 0:
        out[""] = text[: marks[0].start() if marks else len(text)]
    for mark, after in zip(marks, [*marks[1:], None], strict=False):
        out[mark[1] or mark[2]] = text[mark.end() : after.start() if after else len(text)]
    return out
