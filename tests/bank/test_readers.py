"""The statement readers on the real sample files (camt, CFONB 120) and on bad input."""

from __future__ import annotations

from datetime import date

import pytest
from tests.conftest import SHARED_DATA

from relance.core import readers
from relance.core.errors import DomainError

CAMT = SHARED_DATA / "camt"
CFONB = SHARED_DATA / "cfonb120"


def statements(path):  # type: ignore[no-untyped-def]
    data = path.read_bytes()
    return readers.read(data, readers.detect(data, path.name))


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("camt/OCA_test-camt053.xml", "camt053"),
        ("camt/OCA_test-camt053-txdtls.xml", "camt053"),
        ("camt/OCA_test-camt054.xml", "camt054"),
        ("camt/genkgo_camt054.v4.xml", "camt054"),
        ("cfonb120/silarhi_complex-test.txt", "cfonb120"),
    ],
)
def test_the_format_is_recognised_from_the_content(name, fmt, tmp_path):
    copy = tmp_path / "statement.dat"  # an extension that says nothing
    copy.write_bytes((SHARED_DATA / name).read_bytes())
    assert readers.detect(copy.read_bytes(), copy.name) == fmt


def test_camt053_reads_every_entry_with_its_counterparty_and_return_reason():
    [s] = statements(CAMT / "OCA_test-camt053.xml")
    assert (s.account, s.currency, s.bank_id) == ("NL77ABNA0574908765", "EUR", "1234Test/1")
    assert (s.opening, s.closing, s.start) == (1556827, 1512112, date(2014, 1, 5))
    assert [e.amount for e in s.entries] == [-75425, -56405, -10000, 140531]
    insurance, returned, _, credit = s.entries
    # Debits name the creditor; credits the debtor.
    assert (insurance.counterparty_name, insurance.counterparty_iban) == (
        "INSURANCE COMPANY TESTX",
        "NL46ABNA0499998748",
    )
    assert (credit.counterparty_name, credit.counterparty_iban, credit.end_to_end_id) == (
        "3rd party Media",
        "NL69ABNA0522123643",
        "115",
    )
    assert returned.return_reason == "AC06"
    assert returned.text == "Direct Debit S14 0410"


def test_the_sample_camt053_does_not_balance():
    [s] = statements(CAMT / "OCA_test-camt053.xml")
    assert s.balanced is False
    assert s.opening + s.movements == 1555528  # the file says 15121.12


def test_a_batch_booking_is_split_into_payments_that_sum_to_the_booking():
    [s] = statements(CAMT / "OCA_test-camt053-txdtls.xml")
    assert [e.amount for e in s.entries] == [218700, 129600]
    assert sum(e.amount for e in s.entries) == 348300  # the Ntry's 3483.00 CHF
    assert {e.batch for e in s.entries} == {"20170323001234567891234567891234"}
    assert [e.reference for e in s.entries] == [
        "302388292000011111111111111",
        "302388292000022222222222222",
    ]
    assert s.balanced is True


def test_camt054_notifications_have_no_balances_but_their_references():
    [s] = statements(CAMT / "OCA_test-camt054.xml")
    assert s.balanced is None
    [e] = s.entries
    assert (e.amount, e.reference, e.end_to_end_id, e.bank_reference) == (
        500,
        "000000000000000000000000003",
        "ENDTOENDID-01",
        "15180015077602405",
    )
    [n] = statements(CAMT / "genkgo_camt054.v4.xml")
    assert len(n.entries) == 3
    assert [e.reference for e in n.entries] == [
        "ISR ref number V1",
        "ISR ref number V2",
        "Ref number V3 block 1",
    ]


def test_cfonb120_reads_each_day_with_signed_overpunched_amounts():
    days = statements(CFONB / "silarhi_complex-test.txt")
    assert len(days) == 8
    assert [len(d.entries) for d in days] == [1, 2, 0, 1, 0, 1, 0, 0]
    assert all(d.balanced for d in days)
    first = days[0]
    assert (first.account, first.opening, first.closing) == (
        "102780220400012345603",
        1669565,
        1667286,
    )
    [prlv] = first.entries
    assert (prlv.amount, prlv.text) == (-2279, "PRLV SEPA ONLINE SAS DEDIBOX 3706114")
    invoice = days[3].entries[0]
    assert (invoice.booked, invoice.value_date, invoice.amount) == (
        date(2020, 4, 10),
        date(2020, 4, 1),
        -11775,
    )
    assert days[-1].entries == ()
    assert days[-1].opening == 58435302


def test_a_csv_of_movements_reads_with_its_header():
    data = (
        b"date;amount;currency;reference;text;counterparty;iban\n"
        b"2026-03-02;1200.50;EUR;RF18539007547034;F2026-001;Alpha SA;FR76 3000 6000 0112 3456 7890 189\n"
        b"2026-03-03;-15;EUR;;Frais;;\n"
    )
    assert readers.detect(data, "bank.txt") == "csv"
    [s] = readers.read(data, "csv")
    alpha, fees = s.entries
    assert (alpha.amount, alpha.reference, alpha.counterparty_iban) == (
        120050,
        "RF18539007547034",
        "FR7630006000011234567890189",
    )
    assert fees.amount == -1500


def test_a_csv_without_the_amount_column_names_the_header_it_needs():
    with pytest.raises(DomainError, match=r"missing column.*amount"):
        readers.read(b"date,currency\n2026-03-02,EUR\n", "csv")


def test_a_csv_line_with_a_bad_date_gives_its_line():
    with pytest.raises(DomainError, match="line 3"):
        readers.read(b"date,amount,currency\n2026-03-02,1,EUR\n02/03/2026,1,EUR\n", "csv")


def test_an_xml_entity_is_refused_without_being_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-VALUE")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        "<Stmt><Id>&x;&b;</Id></Stmt></BkToCstmrStmt></Document>"
    ).encode()
    assert readers.detect(xxe, "x.xml") == "camt053"
    with pytest.raises(DomainError, match="DOCTYPE") as refused:
        readers.read(xxe, "camt053")
    assert "TOP-SECRET" not in str(refused.value)


def test_a_truncated_camt_file_says_where_it_breaks():
    data = (CAMT / "OCA_test-camt053.xml").read_bytes()[:4000]
    with pytest.raises(DomainError, match=r"malformed XML: .*line \d+"):
        readers.read(data, "camt053")


def test_a_camt_entry_without_its_amount_names_the_element():
    data = (
        (CAMT / "OCA_test-camt054.xml").read_bytes().replace(b'<Amt Ccy="EUR">5.00</Amt>', b"", 1)
    )
    with pytest.raises(DomainError, match=r"<Ntry> line \d+"):
        readers.read(data, "camt054")


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        (slice(0, 3), "ends without the 07"),  # 01, 04, 05: the statement never closes
        (slice(1, 4), "outside a statement"),  # starts with a 04
    ],
)
def test_a_broken_cfonb120_file_gives_the_line(cut, message):
    lines = (CFONB / "silarhi_complex-test.txt").read_bytes().splitlines(keepends=True)
    with pytest.raises(DomainError, match=message):
        readers.read(b"".join(lines[cut]), "cfonb120")


def test_a_cfonb120_amount_with_a_bad_sign_character_gives_the_line():
    lines = (CFONB / "silarhi_complex-test.txt").read_bytes().splitlines(keepends=True)
    lines[1] = lines[1][:103] + b"X" + lines[1][104:]
    with pytest.raises(DomainError, match="line 2: bad amount"):
        readers.read(b"".join(lines), "cfonb120")
