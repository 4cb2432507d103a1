"""`relance import statement`: every sample file stored, each entry once, the JSON."""

from __future__ import annotations

import json
import tracemalloc

import pytest
from tests.conftest import SHARED_DATA
from typer.testing import CliRunner

from relance.audit import Event
from relance.bank.models import BankStatement, StatementLine
from relance.bank.services import import_statement
from relance.cli import app

runner = CliRunner()
SAMPLES = [
    ("camt/OCA_test-camt053.xml", "camt053", 4),
    ("camt/OCA_test-camt053-txdtls.xml", "camt053", 2),
    ("camt/OCA_test-camt054.xml", "camt054", 1),
    ("camt/genkgo_camt054.v4.xml", "camt054", 3),
    ("cfonb120/silarhi_complex-test.txt", "cfonb120", 5),
    ("mt940/betterplace_sepa_snippet.sta", "mt940", 11),
    ("mt940/jejik_abnamro.sta", "mt940", 10),
    ("mt940/jejik_ing.sta", "mt940", 7),
    ("ofx/OCA_test_ofx.ofx", "ofx", 4),
    ("ofx/ofxparse_bank_medium.ofx", "ofx", 3),
    ("ofx/ofxparse_checking.ofx", "ofx", 3),
]


def test_every_shared_statement_file_is_a_sample():
    shared = {
        f"{d}/{p.name}" for d in ("camt", "cfonb120", "mt940", "ofx")
        for p in (SHARED_DATA / d).iterdir() if p.name != "SOURCES.md"
    }  # fmt: skip
    assert shared == {name for name, _, _ in SAMPLES}


def relance(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.mark.parametrize(("name", "fmt", "lines"), SAMPLES)
def test_every_sample_file_imports_and_a_second_import_creates_nothing(creditor, name, fmt, lines):
    result = import_statement(SHARED_DATA / name, creditor, "t")
    assert (result.format, result.created, result.duplicates) == (fmt, lines, 0)
    assert StatementLine.objects.filter(creditor=creditor).count() == lines
    statements = BankStatement.objects.count()
    again = import_statement(SHARED_DATA / name, creditor, "t")
    assert (again.created, again.duplicates) == (0, lines)
    assert StatementLine.objects.count() == lines
    assert BankStatement.objects.count() == statements
    assert Event.objects.filter(verb="bank_statement.imported").count() == 2


def test_the_same_entries_in_another_file_are_duplicates(creditor, write):
    data = (SHARED_DATA / "camt/OCA_test-camt053.xml").read_bytes()
    import_statement(write("monday.xml", data), creditor, "t")
    # The bank sends the day again in a new message: a new file, the same entries.
    resent = write("resent.xml", data.replace(b"TESTBANK/NL/1420561226673", b"RESENT/2"))
    result = import_statement(resent, creditor, "t")
    assert (result.created, result.duplicates) == (0, 4)


def test_two_equal_payments_in_one_file_are_two_lines(creditor, write):
    csv = "date,amount,currency,text\n2026-03-02,50,EUR,F1\n2026-03-02,50,EUR,F1\n"
    result = import_statement(write("bank.csv", csv), creditor, "t")
    assert (result.created, result.duplicates) == (2, 0)


def test_the_lines_keep_what_the_bank_said(creditor):
    import_statement(SHARED_DATA / "camt/OCA_test-camt053.xml", creditor, "t")
    statement = BankStatement.objects.get()
    assert (statement.format, statement.filename, statement.balanced) == (
        "camt053",
        "OCA_test-camt053.xml",
        False,
    )
    assert len(statement.sha256) == 64
    returned = StatementLine.objects.get(amount=-56405)
    assert (returned.return_reason, returned.counterparty_name, returned.batch) == (
        "AC06",
        "Test Customer",
        "2018/125-20141229-NORM",
    )


def test_the_cli_prints_the_json_and_warns_of_an_unbalanced_statement(creditor):
    result = relance(
        "import", "statement", str(SHARED_DATA / "camt/OCA_test-camt053.xml"), "--json"
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {
        "file": "OCA_test-camt053.xml",
        "format": "camt053",
        "statements": [
            {
                "account": "NL77ABNA0574908765",
                "currency": "EUR",
                "opening": "15568.27",
                "closing": "15121.12",
                "entries": 4,
                "balanced": False,
            }
        ],
        "created": 4,
        "duplicates": 0,
        "matched": 0,
    }
    assert "does not balance" in result.stderr


def test_the_cli_reads_a_cfonb_file_with_its_format_given(creditor):
    path = SHARED_DATA / "cfonb120/silarhi_complex-test.txt"
    result = relance("import", "statement", str(path), "--format", "cfonb120", "--json")
    data = json.loads(result.stdout)
    assert (data["created"], len(data["statements"])) == (5, 8)
    assert data["statements"][1] == {
        "account": "102780220400020427603",
        "currency": "EUR",
        "opening": "16672.86",
        "closing": "11652.75",
        "entries": 2,
        "balanced": True,
    }


def test_a_truncated_file_fails_with_its_name_and_line_and_saves_nothing(creditor, write):
    cut = write("cut.xml", (SHARED_DATA / "camt/OCA_test-camt053.xml").read_bytes()[:5000])
    result = relance("import", "statement", str(cut))
    assert result.exit_code == 1
    assert "cut.xml: malformed XML" in result.stderr
    assert "line" in result.stderr
    assert not BankStatement.objects.exists()
    assert not Event.objects.filter(verb="bank_statement.imported").exists()


def test_a_huge_xml_statement_is_refused_before_it_is_parsed_and_saves_nothing(creditor, write):
    sample = (SHARED_DATA / "camt/OCA_test-camt053.xml").read_bytes()
    # Valid XML all the same: 60 MB of spaces between two elements.
    at = sample.index(b"</GrpHdr>")
    huge = write("huge.xml", sample[:at] + b" " * (60 * 2**20) + sample[at:])
    tracemalloc.start()
    result = relance("import", "statement", str(huge))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert result.exit_code == 1
    assert "huge.xml: the XML file is 60.0 MB: over the 50 MB" in result.stderr
    assert peak < 200 * 2**20  # read once and refused: no copies of it kept
    assert not BankStatement.objects.exists()


def test_an_unknown_file_asks_for_the_format(creditor, write):
    result = relance("import", "statement", str(write("notes.txt", "hello\n")))
    assert result.exit_code == 1
    assert "--format" in result.stderr
