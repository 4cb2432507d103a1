"""The CSV and xlsx importers, through the database, fed files damaged at random: never
a traceback, every row accounted for (imported or rejected with its line and reason),
and the same damaged file imported twice changes nothing the second time."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from tests.damage import damaged, fuzz_examples

from relance.imports.services import import_file
from relance.ledger.models import Invoice

CUSTOMERS = (
    "customer;name;email;country;payment_terms;kind\n"
    "C001;Boulangerie Martin;compta@martin.fr;FR;30;b2b\n"
    "C002;Garage Dupont;;FR;45EOM;b2b\n"
)
INVOICES = "number,customer,issue_date,amount,currency,due_date\n" + "".join(
    f"F{n:03d},C00{1 + n % 2},2026-01-{1 + n % 28:02d},{n * 7}.{n % 100:02d},EUR,"
    f"{'2026-03-15' if n % 3 else ''}\n"
    for n in range(1, 41)
)


def _xlsx(csv_text: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in csv_text.splitlines():
        sheet.append(line.split(","))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FUZZ = settings(
    max_examples=fuzz_examples(30) // 2,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture
def ledger(creditor, write):  # type: ignore[no-untyped-def]
    import_file(write("customers.csv", CUSTOMERS), "customers", creditor=creditor, actor="t")
    return creditor


def _check(path, creditor) -> None:  # type: ignore[no-untyped-def]
    before = Invoice.objects.filter(creditor=creditor).count()
    result = import_file(path, "invoices", creditor=creditor, actor="fuzz")
    file_refused = result.rows == 0 and result.errors
    if not file_refused:
        assert result.rows == result.created + result.updated + result.unchanged + result.rejected
        assert Invoice.objects.filter(creditor=creditor).count() == before + result.created
    for error in result.errors:
        assert error.reason.strip()
        assert error.line >= 0
    again = import_file(path, "invoices", creditor=creditor, actor="fuzz")
    assert (again.created, again.updated) == (0, 0)


@FUZZ
@given(data=damaged(INVOICES.encode()))
def test_a_damaged_csv_is_imported_row_by_row_or_refused_with_reasons(ledger, tmp_path, data):
    path = tmp_path / "invoices.csv"
    path.write_bytes(data)
    _check(path, ledger)


@FUZZ
@given(data=damaged(_xlsx(INVOICES)))
def test_a_damaged_xlsx_is_imported_row_by_row_or_refused_with_reasons(ledger, tmp_path, data):
    path = tmp_path / "invoices.xlsx"
    path.write_bytes(data)
    _check(path, ledger)


CELL = st.one_of(
    st.none(),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),  # xlsx-able
    st.integers(-(10**15), 10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.dates(),
    st.datetimes(),
    st.booleans(),
    st.sampled_from(["=1+1", "=A1", "2026-02-30", "1e309", "-0", "12,5", "C001", "EUR"]),
)


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=0, max_size=8), max_size=12))
def test_xlsx_cells_of_any_type_are_read_or_rejected_with_their_line(ledger, tmp_path, rows):
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(INVOICES.splitlines()[0].split(","))
    for row in rows:
        sheet.append(row)
    path = tmp_path / "cells.xlsx"
    book.save(path)
    _check(path, ledger)
