"""The FEC in the core: reading its variants, which lines are what, lettering."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from relance.core import fec

LINES = [
    # journal, num, date, account, aux, aux name, piece, debit, credit, letter
    ("VT", "1", "20220105", "411000", "C1", "Café Œuvre", "F1", "100,00", "0,00", "AA"),
    ("VT", "1", "20220105", "706000", "", "", "F1", "0,00", "100,00", ""),
    ("VT", "2", "20220110", "411000", "C1", "Café Œuvre", "F2", "50,00", "0,00", "AA"),
    ("VT", "2", "20220110", "706000", "", "", "F2", "0,00", "50,00", ""),
    ("VT", "3", "20220111", "411000", "C1", "Café Œuvre", "F3", "30,00", "0,00", ""),
    ("VT", "3", "20220111", "706000", "", "", "F3", "0,00", "30,00", ""),
    ("BQ", "4", "20220201", "411000", "C1", "Café Œuvre", "V1", "0,00", "150,00", "AA"),
    ("BQ", "4", "20220201", "512000", "", "", "V1", "150,00", "0,00", ""),
]


def fec_text(delimiter: str, pad: bool = False) -> str:
    rows = [delimiter.join(fec.COLUMNS)]
    for j, num, day, acct, aux, name, piece, debit, credit, letter in LINES:
        fields = [j, "Journal €", num, day, acct, "Compte", aux, name, piece, day, "lib",
                  debit, credit, letter, "", day, "", ""]  # fmt: skip
        rows.append(delimiter.join(f" {v:<8}" if pad else v for v in fields))
    return "\r\n".join(rows) + "\r\n"


@pytest.mark.parametrize(
    ("delimiter", "encoding", "pad"),
    [("\t", "utf-8-sig", False), ("|", "iso-8859-15", True), ("\t", "utf-8", True)],
)
def test_tab_pipe_padded_utf8_and_iso_8859_15_files_read_alike(
    tmp_path: Path, delimiter: str, encoding: str, pad: bool
) -> None:
    path = tmp_path / "FEC.txt"
    path.write_bytes(fec_text(delimiter, pad).encode(encoding))
    text, found = fec.decode(path.read_bytes())
    table = fec.parse(text, found)
    assert found == encoding
    assert table.delimiter == delimiter
    assert table.errors == []
    first = table.entries[0]
    assert first.customer == ("C1", "Café Œuvre")
    assert (first.debit, first.piece_date, first.letter) == (
        Decimal("100.00"),
        date(2022, 1, 5),
        "AA",
    )


def test_sales_debits_are_invoices_bank_credits_payments_other_accounts_nothing() -> None:
    plan = fec.plan(fec.parse(fec_text("\t")).entries)
    assert plan.customers == {"C1": (2, "Café Œuvre")}
    assert [e.piece_ref for e in plan.invoices] == ["F1", "F2", "F3"]
    assert [e.piece_ref for e in plan.payments] == ["V1"]


def test_a_lettered_payment_settles_its_letters_invoices_oldest_first_and_unlettered_stay_open() -> (
    None
):
    plan = fec.plan(fec.parse(fec_text("\t")).entries)
    assert fec.settle_lettering(plan.invoices, plan.payments) == [
        (8, "F1", 10000),
        (8, "F2", 5000),
    ]


def test_a_bad_amount_or_date_is_reported_with_its_line_and_column() -> None:
    text = (
        fec_text("\t").replace("100,00\t0,00", "1O0,00\t0,00", 1).replace("20220110", "2022-13", 1)
    )
    table = fec.parse(text)
    assert [(e.line, e.column) for e in table.errors] == [(2, "Debit"), (4, "EcritureDate")]
    assert len(table.entries) == len(LINES) - 2


def test_a_file_that_is_not_a_fec_is_refused() -> None:
    with pytest.raises(fec.FecFileError, match="not a FEC header"):
        fec.parse("number;customer;amount\n")


def test_the_fingerprint_ignores_lettering_done_later() -> None:
    before = fec.parse(fec_text("\t")).entries
    after = fec.parse(fec_text("\t").replace("\tAA\t", "\tZZ\t")).entries
    assert [e.fingerprint for e in before] == [e.fingerprint for e in after]
    assert len({e.fingerprint for e in before}) == len(before)
