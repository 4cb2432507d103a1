"""ISO 20022 camt.053 (statement) and camt.054 (debit/credit notification), versions
.02 to .08: the elements are the same across versions, only the namespace changes, so
elements are found by local name.

The parser is locked down: no network, no entity resolution, no huge trees, so a
file with a DOCTYPE (XXE, "billion laughs") is refused before any entity is read.

>>> xml = b'''<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
... <BkToCstmrStmt><Stmt><Id>S1</Id><Acct><Id><IBAN>FR7630006000011234567890189</IBAN></Id></Acct>
... <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">10.00</Amt>
... <CdtDbtInd>DBIT</CdtDbtInd></Bal>
... <Ntry><Amt Ccy="EUR">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>
... <BookgDt><Dt>2026-03-02</Dt></BookgDt></Ntry></Stmt></BkToCstmrStmt></Document>'''
>>> [s] = read(xml)
>>> s.opening, s.closing, s.entries[0].amount, s.bank_id
(-1000, None, 1250, 'S1')
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from relance.core.currencies import is_currency
from relance.core.errors import DomainError
from relance.core.money import round_money
from relance.core.statements import Entry, Statement

Element = etree._Element


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
    )


# A bank statement or an e-invoice is far smaller: the largest real camt.054 files run
# to a few megabytes. A file past this is refused before it is parsed, which would take
# several times its size in memory.
MAX_XML_BYTES = 50 * 1024 * 1024


def parse(data: bytes) -> Element:
    """The XML root; a DOCTYPE (the door to entity attacks), a file past MAX_XML_BYTES or
    broken XML is an error.

    >>> parse(b"<a>" + b" " * MAX_XML_BYTES + b"</a>")
    Traceback (most recent call last):
    ...
    relance.core.errors.DomainError: the XML file is 50.0 MB: over the 50 MB a statement or an e-invoice may have
    """
    if len(data) > MAX_XML_BYTES:
        raise DomainError(
            f"the XML file is {len(data) / 2**20:.1f} MB: over the {MAX_XML_BYTES // 2**20} MB "
            "a statement or an e-invoice may have"
        )
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise DomainError(f"malformed XML: {exc.msg}") from None
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise DomainError("XML with a DOCTYPE is refused (entities are never read)")
    return root


def _local(el: Element) -> str:
    return etree.QName(el).localname


def _kids(el: Element, name: str) -> list[Element]:
    return [c for c in el if isinstance(c.tag, str) and _local(c) == name]


def _find(el: Element | None, path: str) -> Element | None:
    """The first element down a slash-separated path of local names."""
    for name in path.split("/"):
        if el is None:
            return None
        found = _kids(el, name)
        el = found[0] if found else None
    return el


def _text(el: Element | None, path: str) -> str:
    found = _find(el, path)
    return (found.text or "").strip() if found is not None else ""


def _where(el: Element) -> str:
    return f"<{_local(el)}> line {el.sourceline}"


def _date(el: Element | None, path: str) -> date | None:
    """A date from <X><Dt> or <X><DtTm> (the date part)."""
    text = _text(el, f"{path}/Dt") or _text(el, f"{path}/DtTm")[:10]
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise DomainError(f"bad date {text!r} in {path}") from None


def _amount(el: Element) -> tuple[int, str]:
    """An <Amt Ccy="..."> in minor units (unsigned) and its currency."""
    currency = el.get("Ccy", "")
    if not is_currency(currency):
        raise DomainError(f"unknown currency {currency!r} in {_where(el)}")
    try:
        value = Decimal((el.text or "").strip())
    except InvalidOperation:
        raise DomainError(f"bad amount {el.text!r} in {_where(el)}") from None
    return round_money(value, currency), currency


def _sign(el: Element) -> int:
    indicator = _text(el, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise DomainError(f"CdtDbtInd must be CRDT or DBIT in {_where(el)}")
    return 1 if indicator == "CRDT" else -1


def _balances(stmt: Element) -> tuple[int | None, int | None, str]:
    opening = closing = None
    currency = ""
    for bal in _kids(stmt, "Bal"):
        code = _text(bal, "Tp/CdOrPrtry/Cd")
        amt = _find(bal, "Amt")
        if amt is None or code not in ("OPBD", "PRCD", "CLBD"):
            continue
        minor, currency = _amount(amt)
        if code == "CLBD":
            closing = _sign(bal) * minor
        elif opening is None or code == "OPBD":
            opening = _sign(bal) * minor
    return opening, closing, currency


def _tx_amount(tx: Element) -> Element | None:
    found = _find(tx, "Amt")
    return found if found is not None else _find(tx, "AmtDtls/TxAmt/Amt")


def _details(tx: Element | None, credit: bool) -> dict[str, str]:
    """What a TxDtls says of the payment; the counterparty is the debtor of a credit
    and the creditor of a debit."""
    if tx is None:
        return {}
    party = "Dbtr" if credit else "Cdtr"
    name = _text(tx, f"RltdPties/{party}/Nm") or _text(tx, f"RltdPties/{party}/Pty/Nm")
    ref = ""
    rmt = _find(tx, "RmtInf")
    for strd in _kids(rmt, "Strd") if rmt is not None else []:
        ref = ref or _text(strd, "CdtrRefInf/Ref")
    ustrd = [u.text.strip() for u in (_kids(rmt, "Ustrd") if rmt is not None else []) if u.text]
    return {
        "reference": ref,
        "end_to_end_id": _text(tx, "Refs/EndToEndId").removeprefix("NOTPROVIDED"),
        "counterparty_name": name,
        "counterparty_iban": _text(tx, f"RltdPties/{party}Acct/Id/IBAN"),
        "text": " ".join(ustrd) or _text(tx, "AddtlTxInf"),
        "bank_reference": _text(tx, "Refs/AcctSvcrRef"),
        "return_reason": _text(tx, "RtrInf/Rsn/Cd"),
    }


def _entries(ntry: Element) -> list[Entry]:
    amt = _find(ntry, "Amt")
    if amt is None:
        raise DomainError(f"entry without <Amt> at {_where(ntry)}")
    minor, currency = _amount(amt)
    sign = _sign(ntry)
    booked = _date(ntry, "BookgDt") or _date(ntry, "ValDt")
    if booked is None:
        raise DomainError(f"entry without a booking date at {_where(ntry)}")
    value_date = _date(ntry, "ValDt")
    ntry_ref = _text(ntry, "AcctSvcrRef")
    batch = (
        ntry_ref
        or _text(ntry, "NtryRef")
        or _text(ntry, "NtryDtls/Btch/PmtInfId")
        or _text(ntry, "NtryDtls/Btch/MsgId")
        or f"line {ntry.sourceline}"
    )
    txs = [tx for d in _kids(ntry, "NtryDtls") for tx in _kids(d, "TxDtls")]
    amounts = [_tx_amount(tx) for tx in txs]
    if len(txs) > 1 and all(a is not None for a in amounts):
        # A batch booking: one entry per payment, with the payment's own amount.
        out = []
        for tx, a in zip(txs, amounts, strict=True):
            assert a is not None
            tx_minor, tx_currency = _amount(a)
            d = _details(tx, sign > 0)
            d["bank_reference"] = d["bank_reference"] or ntry_ref
            out.append(Entry(booked, sign * tx_minor, tx_currency, value_date, batch=batch, **d))
        return out
    d = _details(txs[0] if txs else None, sign > 0)
    d["bank_reference"] = d.get("bank_reference") or ntry_ref
    if not d.get("text"):
        d["text"] = _text(ntry, "AddtlNtryInf")
    return [Entry(booked, sign * minor, currency, value_date, **d)]


def read(data: bytes) -> list[Statement]:
    """Every Stmt (camt.053) or Ntfctn (camt.054) of the file, with every Ntry."""
    root = parse(data)
    if _local(root) != "Document" or "camt.05" not in (etree.QName(root).namespace or ""):
        raise DomainError("not a camt.053/054 document (root must be an ISO 20022 Document)")
    statements = []
    for message in root:
        if not isinstance(message.tag, str):
            continue
        for stmt in [*_kids(message, "Stmt"), *_kids(message, "Ntfctn"), *_kids(message, "Rpt")]:
            opening, closing, bal_currency = _balances(stmt)
            entries = tuple(e for n in _kids(stmt, "Ntry") for e in _entries(n))
            account = _text(stmt, "Acct/Id/IBAN") or _text(stmt, "Acct/Id/Othr/Id")
            currency = (
                _text(stmt, "Acct/Ccy") or bal_currency or (entries[0].currency if entries else "")
            )
            period = _find(stmt, "FrToDt")
            statements.append(
                Statement(
                    account=account,
                    currency=currency,
                    opening=opening,
                    closing=closing,
                    entries=entries,
                    start=_day(period, "FrDtTm"),
                    end=_day(period, "ToDtTm"),
                    bank_id=_text(stmt, "Id"),
                )
            )
    if not statements:
        raise DomainError("no Stmt or Ntfctn in the camt document")
    return statements


def _day(period: Element | None, name: str) -> date | None:
    text = _text(period, name)[:10] or _text(period, name.replace("DtTm", "Dt"))
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
