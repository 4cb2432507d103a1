"""Every reader, fed the real sample files of ../shared/data damaged at random (bytes
flipped, cut, repeated, inserted, the file truncated): it reads what it can or refuses
with a DomainError that says why; never another exception (a traceback for the user).
Hypothesis shrinks a failure to the smallest damage that causes it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import SHARED_DATA
from tests.damage import damaged, fuzz_examples

from relance.core import einvoice, fec
from relance.core.errors import DomainError
from relance.core.readers import read

STATEMENTS = {
    "camt": sorted((SHARED_DATA / "camt").glob("*.xml")),
    "mt940": sorted((SHARED_DATA / "mt940").glob("*.sta")),
    "ofx": sorted((SHARED_DATA / "ofx").glob("*.ofx")),
    "cfonb120": sorted((SHARED_DATA / "cfonb120").glob("*.txt")),
}
E_INVOICES = sorted((SHARED_DATA / "einvoice").glob("*.xml"))
FACTUR_X = SHARED_DATA / "einvoice" / "akretion_invoice_EN16931.pdf"
# A bank's spreadsheet export (no sample in ../shared/data: banks publish none).
CSV_STATEMENT = "date;amount;currency;reference;text;counterparty;iban\n" + "".join(
    f"2026-03-{1 + n % 28:02d};{(n * 137) % 5000 - 900}.{n % 100:02d};EUR;RF18{n:06d};"
    f"VIR F2026-{n:03d};Client {n};FR7630006000011234567890189\n"
    for n in range(1, 31)
)
FEC = SHARED_DATA / "fec" / "0000000001FEC20220831.txt"
EXAMPLES = settings(
    max_examples=fuzz_examples(60),
    suppress_health_check=[HealthCheck.too_slow],
)


def _sample(paths: list[Path]) -> st.SearchStrategy[bytes]:
    return st.sampled_from(paths).flatmap(lambda p: damaged(p.read_bytes()))


def refusal(read_it: Callable[[], object], *errors: type[Exception]) -> str | None:
    """None when it reads; the reason when it refuses with one of `errors`; any other
    exception goes up and fails the test."""
    try:
        read_it()
    except errors as exc:
        return str(exc)
    return None


@EXAMPLES
@given(damaged(CSV_STATEMENT.encode()))
def test_a_damaged_csv_of_movements_is_read_or_refused_with_a_reason(data: bytes) -> None:
    reason = refusal(lambda: read(data, "csv"), DomainError)
    assert reason is None or reason.strip()


@EXAMPLES
@given(damaged(FACTUR_X.read_bytes()))
def test_a_damaged_factur_x_pdf_is_read_or_refused_with_a_reason(data: bytes) -> None:
    reason = refusal(lambda: einvoice.read(data), DomainError)
    assert reason is None or reason.strip()


@pytest.mark.parametrize("fmt", sorted(STATEMENTS))
def test_a_damaged_bank_statement_is_read_or_refused_with_a_reason(fmt: str) -> None:
    @EXAMPLES
    @given(_sample(STATEMENTS[fmt]))
    def check(data: bytes) -> None:
        reason = refusal(lambda: read(data, fmt), DomainError)
        assert reason is None or reason.strip()

    check()


@EXAMPLES
@given(_sample(E_INVOICES))
def test_a_damaged_e_invoice_is_read_or_refused_with_a_reason(data: bytes) -> None:
    reason = refusal(lambda: einvoice.read(data), DomainError)
    assert reason is None or reason.strip()


@EXAMPLES
@given(damaged(FEC.read_bytes()))
def test_a_damaged_fec_is_read_line_by_line_or_refused(data: bytes) -> None:
    text = data.decode("latin-1")
    reason = refusal(lambda: fec.parse(text), fec.FecFileError)
    if reason is not None:
        assert reason.strip()
        return
    for error in fec.parse(text).errors:
        assert error.line >= 2
        assert error.reason.strip()


def test_an_mt940_amount_with_two_commas_is_refused_naming_its_line() -> None:
    sample = (SHARED_DATA / "mt940" / "jejik_abnamro.sta").read_bytes()
    damaged_file = sample.replace(b"D11,59N426", b"D11,11,59N426", 1)
    with pytest.raises(DomainError, match=r"MT940 line \d+: bad amount '11,11,59'"):
        read(damaged_file, "mt940")


def test_a_cfonb_date_in_month_13_is_refused_naming_its_line() -> None:
    sample = (SHARED_DATA / "cfonb120" / "silarhi_complex-test.txt").read_bytes()
    first = sample.splitlines()[0]
    bad = first[:34] + b"011320" + first[40:]
    with pytest.raises(DomainError, match=r"line 1: bad date '011320'"):
        read(sample.replace(first, bad, 1), "cfonb120")


def test_a_cfonb_amount_with_a_superscript_digit_is_refused_naming_its_line() -> None:
    sample = (SHARED_DATA / "cfonb120" / "silarhi_complex-test.txt").read_bytes()
    first = sample.splitlines()[0]
    bad = first[:90] + "²".encode("latin-1") + first[91:]
    with pytest.raises(DomainError, match=r"line 1: bad amount"):
        read(sample.replace(first, bad, 1), "cfonb120")


def test_a_stray_carriage_return_in_a_csv_of_movements_is_refused_naming_its_line() -> None:
    data = CSV_STATEMENT.replace("Client 3;", "Cli\rent 3;").encode()
    with pytest.raises(DomainError, match=r"line \d+: new-line character seen"):
        read(data, "csv")


def _fec_text() -> str:
    return fec.decode(FEC.read_bytes())[0].lstrip("\ufeff")


def test_fec_columns_in_another_order_are_read_by_their_names() -> None:
    lines = _fec_text().splitlines()
    moved = "\n".join("\t".join([*f[1:], f[0]]) for f in (line.split("\t") for line in lines))
    original, reordered = fec.parse(_fec_text()), fec.parse(moved)
    assert reordered.entries == original.entries
    assert reordered.errors == original.errors


def test_a_fec_header_naming_a_column_twice_is_refused() -> None:
    first, rest = _fec_text().split("\n", 1)
    with pytest.raises(fec.FecFileError, match="names JournalCode more than once"):
        fec.parse(first + "\tJournalCode\n" + rest)
