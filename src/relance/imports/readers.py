"""Reading tabular files (CSV, xlsx) into rows with their line numbers.

Everything a person can get wrong about a file itself (empty, binary, wrong encoding,
no header) is a `FileError` with a sentence that says what to do.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from relance.core.fec import looks_like_fec


class FileError(Exception):
    """The file as a whole cannot be read."""


@dataclass
class Table:
    header: list[str]  # normalised column names, in file order
    raw_header: list[str]
    rows: Iterator[tuple[int, dict[str, Any]]]  # (line number, column -> value)
    encoding: str = ""
    delimiter: str = ""
    warnings: list[str] = field(default_factory=list)


def normalise_column(name: str) -> str:
    """
    >>> normalise_column(" Due Date ")
    'due_date'
    """
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def _header(path: Path, raw_header: list[str]) -> list[str]:
    header = [normalise_column(c) for c in raw_header]
    repeated = sorted({c for c in header if c and header.count(c) > 1})
    if repeated:
        raise FileError(f"{path.name}: the header names {', '.join(repeated)} more than once")
    return header


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return "xlsx"
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return "csv"  # read_table says what is wrong with the path
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if start.startswith(b"%PDF-"):
        return "facturx"  # only a Factur-X PDF is imported; the importer says otherwise
    if start.startswith(b"<"):
        return "xml"  # an e-invoice, UBL or CII, told apart by its root
    first_line = head.split(b"\n", 1)[0].decode("latin-1")
    return "fec" if looks_like_fec(first_line) else "csv"


def read_table(path: Path, fmt: str | None = None) -> Table:
    if not path.exists():
        raise FileError(f"{path}: no such file")
    if not path.is_file():
        raise FileError(f"{path}: not a file")
    if path.stat().st_size == 0:
        raise FileError(f"{path}: the file is empty (0 bytes)")
    fmt = fmt or detect_format(path)
    if fmt == "xlsx":
        return _read_xlsx(path)
    if fmt == "csv":
        return _read_csv(path)
    raise FileError(f"{path}: format {fmt!r} is not a table format (csv, xlsx)")


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when every byte decodes as such, else Windows-1252.

    The whole file is checked, block by block, so that an accent on the last line of a
    Windows export is not misread; it is then read as a stream.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
            raise FileError(
                f"{path.name}: the file is not text in UTF-8 or Windows-1252 (it looks like "
                "UTF-16 or a binary file); save it as CSV UTF-8"
            )
        candidates = (
            ["utf-8-sig", "cp1252"] if head.startswith(codecs.BOM_UTF8) else ["utf-8", "cp1252"]
        )
        for encoding in candidates:
            decoder = codecs.getincrementaldecoder(encoding)()
            fh.seek(0)
            try:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    decoder.decode(block)
                decoder.decode(b"", final=True)
                return encoding
            except UnicodeDecodeError:
                continue
    raise FileError(
        f"{path.name}: the file is neither UTF-8 nor Windows-1252; save it as CSV UTF-8"
    )


def _read_csv(path: Path) -> Table:
    encoding = detect_encoding(path)
    fh = path.open(encoding=encoding, newline="")
    first_line = fh.readline()
    if not first_line.strip():
        fh.close()
        raise FileError(f"{path.name}: the first line is empty; it must be the header row")
    counts = {d: first_line.count(d) for d in (";", ",", "\t", "|")}
    delimiter = max(counts, key=lambda d: counts[d])
    fh.seek(0)
    reader = csv.reader(fh, delimiter=delimiter)
    raw_header = next(reader)
    header = _header(path, raw_header)

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        with fh:
            while True:
                try:
                    values = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:  # an unclosed quote, a field past the size limit
                    yield reader.line_num, {"__error__": f"unreadable CSV: {exc}"}
                    continue
                line = reader.line_num
                if not any(v.strip() for v in values):
                    continue
                if len(values) > len(header) and any(v.strip() for v in values[len(header) :]):
                    reason = f"{len(values)} fields, the header has {len(header)}"
                    yield line, {"__error__": reason} | dict(zip(header, values, strict=False))
                    continue
                yield line, dict(zip(header, (v.strip() for v in values), strict=False))

    return Table(header, raw_header, rows(), encoding, delimiter)


def _read_xlsx(path: Path) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a corrupt workbook
        raise FileError(f"{path.name}: not a readable xlsx workbook ({exc})") from None
    sheet = book.worksheets[0]
    cells = sheet.iter_rows(values_only=True)
    line = 0
    raw_header: list[str] = []
    for values in cells:
        line += 1
        if any(v not in (None, "") for v in values):
            raw_header = ["" if v is None else str(v) for v in values]
            break
    if not raw_header:
        raise FileError(f"{path.name}: the first sheet is empty")
    while raw_header and not raw_header[-1]:
        raw_header.pop()
    header = _header(path, raw_header)
    start = line

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        n = start
        for values in cells:
            n += 1
            if not any(v not in (None, "") for v in values):
                continue
            yield n, {h: _cell(v) for h, v in zip(header, values, strict=False)}
        book.close()

    return Table(header, raw_header, rows(), "xlsx", "")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date | Decimal | int):
        return value
    if isinstance(value, float):
        # Spreadsheets store numbers as binary floats. 15 significant digits is what a
        # double holds exactly: what the person typed, without a formula's float noise
        # (3.3000000000000003 is 3.3).
        return Decimal(f"{value:.15g}")
    return str(value).strip()
