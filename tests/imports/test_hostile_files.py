"""Hostile e-invoices: a Factur-X PDF whose embedded XML declares entities (a local file,
"billion laughs"), a PDF whose embedded file inflates to 1 GB, a truncated PDF. Each
is refused with a clear error, reads no file, stays within bounded memory and writes
nothing."""

from __future__ import annotations

import io
import tracemalloc
import zlib
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import NameObject, NumberObject, StreamObject
from tests.conftest import SHARED_DATA

from relance.imports.services import import_file
from relance.ledger.models import Customer, Invoice

CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


def factur_x(path: Path, xml: bytes, *, inflated: int = 0) -> Path:
    """A PDF carrying `xml` as its factur-x.xml; with `inflated`, the embedded file is
    instead that many spaces, deflated (a small file that decompresses to a huge one)."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_attachment("factur-x.xml", xml)
    if inflated:
        deflate, chunk = zlib.compressobj(9), b" " * 1_000_000
        data = b"".join(deflate.compress(chunk) for _ in range(inflated // len(chunk)))
        data += deflate.flush()
        for obj in writer._objects:
            if isinstance(obj, StreamObject) and obj.get("/Type") == "/EmbeddedFile":
                obj._data = data
                obj[NameObject("/Filter")] = NameObject("/FlateDecode")
                obj[NameObject("/Length")] = NumberObject(len(data))
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def refused(creditor, path: Path) -> str:  # type: ignore[no-untyped-def]
    result = import_file(path, "invoices", creditor=creditor, actor="t")
    assert not result.ok
    assert not Invoice.objects.exists()
    assert not Customer.objects.exists()
    [error] = result.errors
    return str(error.reason)


def test_an_embedded_invoice_naming_a_local_file_is_refused_without_reading_it(creditor, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-42")
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY s SYSTEM "file://{secret}">]>'
        f'<rsm:CrossIndustryInvoice xmlns:rsm="{CII}">&s;</rsm:CrossIndustryInvoice>'
    ).encode()
    reason = refused(creditor, factur_x(tmp_path / "xxe.pdf", xml))
    assert "DOCTYPE" in reason
    assert "TOP-SECRET-42" not in reason


def test_an_embedded_billion_laughs_is_refused_in_bounded_memory(creditor, tmp_path):
    entities = ['<!ENTITY l0 "ha">'] + [
        f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)
    ]
    xml = (
        f'<?xml version="1.0"?><!DOCTYPE r [{"".join(entities)}]>'
        f'<rsm:CrossIndustryInvoice xmlns:rsm="{CII}">&l9;</rsm:CrossIndustryInvoice>'
    ).encode()  # 10^9 "ha" once expanded
    tracemalloc.start()
    try:
        reason = refused(creditor, factur_x(tmp_path / "laughs.pdf", xml))
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # libxml2 stops it while parsing, before the DOCTYPE check could.
    assert "entity amplification factor exceeded" in reason
    assert peak < 50_000_000


def test_a_pdf_whose_embedded_file_inflates_to_1_gb_is_refused_in_bounded_memory(
    creditor, tmp_path
):
    path = factur_x(tmp_path / "bomb.pdf", b"<x/>", inflated=1_000_000_000)
    assert path.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        reason = refused(creditor, path)
        _now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert reason.startswith("cannot read the PDF: Limit reached while decompressing")
    assert peak < 200_000_000  # pypdf stops inflating at 75 MB (and copies it once)


def test_a_truncated_factur_x_pdf_is_a_clear_error(creditor, tmp_path):
    whole = (SHARED_DATA / "einvoice" / "akretion_invoice_EN16931.pdf").read_bytes()
    path = tmp_path / "truncated.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    reason = refused(creditor, path)
    assert reason.startswith(("cannot read the PDF", "the PDF has no embedded e-invoice"))
