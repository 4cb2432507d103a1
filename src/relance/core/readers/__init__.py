"""Bank statement readers: bytes in, `relance.core.statements.Statement`s out.

`detect` names the format from the content (the extension only breaks a tie), `read`
hands the bytes to that format's reader. Every reader is pure and raises a DomainError
that says where (line, element) on a malformed file.

>>> detect(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.04">', "x")
'camt054'
>>> detect(b":20:STARTUMS\\r\\n:25:DE12/3456\\r\\n:60F:C260302EUR0,00\\r\\n", "x.txt")
'mt940'
>>> detect(b"date,amount,currency\\n", "export.txt")
'csv'
"""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import PurePath

from relance.core.errors import DomainError
from relance.core.statements import Statement

FORMATS = ("camt053", "camt054", "mt940", "ofx", "cfonb120", "csv")

# The module that reads each format; each has `read(data: bytes) -> list[Statement]`.
_MODULES = {
    "camt053": "camt",
    "camt054": "camt",
    "mt940": "mt940",
    "ofx": "ofx",
    "cfonb120": "cfonb120",
    "csv": "csvfile",
}
_EXTENSIONS = {
    ".sta": "mt940",
    ".mt940": "mt940",
    ".940": "mt940",
    ".ofx": "ofx",
    ".qfx": "ofx",
    ".cfonb": "cfonb120",
    ".cfo": "cfonb120",
    ".csv": "csv",
}
_CAMT = re.compile(rb"camt\.05([34])\.001\.0[2-8]")
_MT940 = re.compile(rb"^:(20|25):", re.MULTILINE)
_CFONB = re.compile(r"^0[1457]\d{5}")


def detect(data: bytes, name: str) -> str:
    """The format of a statement file: camt053, camt054, mt940, ofx, cfonb120 or csv."""
    head = data[:8192].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"OFXHEADER") or re.search(rb"<OFX>|<\?OFX", head, re.IGNORECASE):
        return "ofx"
    if head.startswith(b"<"):
        camt = _CAMT.search(head)
        if camt:
            return "camt05" + camt.group(1).decode()
        raise DomainError(f"{name}: XML, but not a camt.053/054 (versions .02 to .08) document")
    if head.startswith(b"{1:") or len(_MT940.findall(head)) >= 2:
        return "mt940"
    lines = [ln for ln in head.decode("latin-1").splitlines() if ln.strip()][:5]
    if lines and all(_CFONB.match(ln) for ln in lines[:-1] or lines) and len(lines[0]) >= 104:
        return "cfonb120"
    first = lines[0].lower() if lines else ""
    if "date" in first and "amount" in first:
        return "csv"
    by_extension = _EXTENSIONS.get(PurePath(name).suffix.lower())
    if by_extension:
        return by_extension
    raise DomainError(
        f"{name}: unknown statement format; give it with --format ({', '.join(FORMATS)})"
    )


def read(data: bytes, fmt: str) -> list[Statement]:
    """The statements of a file in a known format."""
    if fmt not in _MODULES:
        raise DomainError(f"unknown statement format {fmt!r}: one of {', '.join(FORMATS)}")
    reader = import_module(f"{__name__}.{_MODULES[fmt]}")
    statements: list[Statement] = reader.read(data)
    return statements
