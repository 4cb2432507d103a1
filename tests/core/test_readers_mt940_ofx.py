"""The MT940 and OFX readers on the real sample files of /work/shared/data."""

from datetime import date
from pathlib import Path

import pytest

from relance.core.errors import DomainError
from relance.core.readers import mt940, ofx

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def statements(reader: str, name: str):
    module = mt940 if reader == "mt940" else ofx
    return module.read((DATA / reader / name).read_bytes())


@pytest.mark.parametrize(
    ("reader", "name", "entries_per_statement"),
    [
        ("mt940", "betterplace_sepa_snippet.sta", [4, 7]),
        ("mt940", "jejik_abnamro.sta", [8, 2]),
        ("mt940", "jejik_ing.sta", [7]),
        ("ofx", "OCA_test_ofx.ofx", [4, 0]),
        ("ofx", "ofxparse_bank_medium.ofx", [3]),
        ("ofx", "ofxparse_checking.ofx", [3]),
    ],
)
def test_every_sample_file_gives_its_statements_and_entries(reader, name, entries_per_statement):
    read = statements(reader, name)
    assert [len(s.entries) for s in read] == entries_per_statement
    for s in read:
        assert all(e.currency == s.currency for e in s.entries)


def test_every_sample_file_is_covered():
    tested = {
        "betterplace_sepa_snippet.sta",
        "jejik_abnamro.sta",
        "jejik_ing.sta",
        "OCA_test_ofx.ofx",
        "ofxparse_bank_medium.ofx",
        "ofxparse_checking.ofx",
    }
    on_disk = {p.name for d in ("mt940", "ofx") for p in (DATA / d).iterdir() if p.suffix != ".md"}
    assert on_disk == tested


def test_german_mt940_statements_keep_their_balances_and_dates():
    first, second = statements("mt940", "betterplace_sepa_snippet.sta")
    assert (first.account, first.bank_id) == (
        "50880050/0194787400888",
        "T089414086000001 00004/00001",
    )
    assert (first.opening, first.closing, first.balanced) == (76665649, 112525040, True)
    assert (first.start, first.end) == (date(2007, 9, 3), date(2007, 9, 4))
    assert (second.opening, second.closing) == (-197043187, -447204909)  # debit balances
    assert second.account == "50880050/0194791600888"


def test_german_sepa_credit_gives_end_to_end_id_counterparty_and_purpose():
    entry = statements("mt940", "betterplace_sepa_snippet.sta")[0].entries[0]
    assert entry.amount == 5099005
    assert (entry.value_date, entry.booked) == (date(2007, 9, 7), date(2007, 9, 4))
    assert entry.end_to_end_id == "EndToEndId TFNR 22 004 00001"
    assert entry.text == "Verw CTSc-01 BC-PPP TFNr 22 004"
    assert entry.counterparty_name == "KARL KAUFMANN"
    assert entry.counterparty_iban == "DE14508800500194785000"
    assert entry.bank_reference == "0724710333343453"
    assert entry.return_reason == ""


def test_german_debit_is_money_out_and_keeps_its_customer_reference_in_the_text():
    entry = statements("mt940", "betterplace_sepa_snippet.sta")[0].entries[3]
    assert entry.amount == -150000
    assert entry.text.startswith("KREF+TFNr 01022 MSGID")
    assert "SEPA-Ueberweisungsauftrag Datei mit 0000001 Zahlungen" in entry.text


def test_german_sepa_return_gives_its_reason_and_bank_message():
    returned = statements("mt940", "betterplace_sepa_snippet.sta")[1].entries[5]
    assert returned.amount == 91531155
    assert returned.return_reason == "901"  # ?34: IBAN invalid
    assert returned.end_to_end_id == "TFNR 44001 00002"
    assert returned.text == "IBAN ungueltig Rueckueberweisung aus SEPA-Ueberweisungsauftrag"
    assert returned.bank_reference == "R724710351063405"
    ordinary = statements("mt940", "betterplace_sepa_snippet.sta")[1].entries[3]
    assert ordinary.return_reason == ""


def test_dutch_mt940_reads_old_tags_intermediate_balances_and_wrapped_free_text():
    first, second = statements("mt940", "jejik_abnamro.sta")
    assert first.bank_id == "ABN AMRO BANK NV 19321/1"  # :28: rather than :28C:
    assert (second.opening, second.closing) == (287684, 184975)  # :60M: and :62M:
    assert first.entries[0].text == (
        "GIRO 428428 KPN - DIGITENNE BETALINGSKENM. 0000000421886595314606715 "
        "BETREFT FACTUUR D.D. 20-05-2011 INCL. 1,44 BTW"
    )
    assert first.entries[6].amount == -10700  # "107," has no cents
    assert first.entries[1].booked == date(2011, 5, 23)


def test_ing_mt940_skips_the_header_and_the_closing_statement_information():
    [s] = statements("mt940", "jejik_ing.sta")
    assert (s.account, s.opening, s.closing) == ("0001234567", 0, 347)
    assert [e.amount for e in s.entries] == [-2503, -303, -111, -2000, -110, 368, 100]
    assert s.entries[-1].text == (
        "0111111111 Hr S Marechal ROSMALEN Hr S Marechal ROSMALEN "
        "Betaling transactiedatum: 22-07-2010"
    )
    assert s.entries[2].bank_reference == "TMG TANGO"


def test_free_text_starting_with_three_digits_is_not_read_as_german_fields():
    assert mt940.details("123 MAIN STREET ?20 X") == {"text": "123 MAIN STREET ?20 X"}


def test_dutch_structured_information_gives_return_reason_and_reference():
    fields = mt940.details(
        "/RTRN/AC04/EREF/INV-7/IBAN/NL91ABNA0417164300/BIC/ABNANL2A/NAME/Jansen BV"
        "/REMI/STRD/CUR/RF18539007547034/"
    )
    assert fields == {
        "return_reason": "AC04",
        "end_to_end_id": "INV-7",
        "counterparty_name": "Jansen BV",
        "counterparty_iban": "NL91ABNA0417164300",
        "reference": "RF18539007547034",
    }


def test_a_year_end_booking_takes_the_year_of_its_booking_date():
    sta = b":20:X\n:25:1\n:60F:C251231EUR0,\n:61:2601021231C5,NTRFNONREF\n:62F:C251231EUR5,\n-"
    [s] = mt940.read(sta)
    assert (s.entries[0].value_date, s.entries[0].booked) == (date(2026, 1, 2), date(2025, 12, 31))
    assert s.balanced


def test_a_reversed_credit_is_money_out():
    sta = b":20:X\n:25:1\n:60F:C260301EUR10,\n:61:2603020302RC4,NTRFNONREF\n:62F:C260302EUR6,\n-"
    [s] = mt940.read(sta)
    assert s.entries[0].amount == -400
    assert s.balanced


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b":20:X\n:25:1\n:60F:C260301EUR1,\n:61:260302C1,00\n-", "MT940 line 4: unreadable :61:"),
        (b":20:X\n:25:1\n:60F:X260301EUR1,\n-", "MT940 line 3: unreadable :60F: balance"),
        (b":20:X\n:60F:C260301EUR1,\n:61:2613020302C1,NTRFX\n-", "MT940 line 3: impossible date"),
        (b"hello\n", "MT940: no statement found"),
        (b":25:1\n:20:X\n-", "MT940 line 1: :25: before any :20:"),
    ],
)
def test_malformed_mt940_is_refused_with_its_line(content, message):
    with pytest.raises(DomainError, match=message):
        mt940.read(content)


def test_ofx_2_file_gives_a_bank_and_a_credit_card_statement():
    bank, card = statements("ofx", "OCA_test_ofx.ofx")
    assert (bank.account, bank.currency, bank.opening, bank.closing) == (
        "123456",
        "USD",
        None,
        215656,
    )
    assert bank.balanced is None  # OFX gives no opening balance
    # four transaction lists in one statement, all kept
    assert [e.amount for e in bank.entries] == [-8000, -9000, -10000, -9000]
    assert [e.counterparty_name for e in bank.entries][:2] == ["Agrolait", "China Export"]
    assert bank.entries[0].bank_reference == "219378"
    assert (card.account, card.closing, card.entries) == ("123412341234", -56200, ())


def test_ofx_dates_stay_in_the_time_zone_the_bank_wrote():
    bank = statements("ofx", "OCA_test_ofx.ofx")[0]
    # 20130831165153.000[-8:PST] is 1 September in UTC, but the bank's day is 31 August
    assert (bank.start, bank.end) == (date(2013, 8, 1), date(2013, 8, 31))
    late = ofx.read(
        b"<OFX><STMTRS><CURDEF>EUR<BANKACCTFROM><ACCTID>1</BANKACCTFROM><STMTTRN>"
        b"<DTPOSTED>20260302230000[-5:EST]<TRNAMT>1,5<FITID>F</STMTTRN></STMTRS></OFX>"
    )
    assert late[0].entries[0].booked == date(2026, 3, 2)
    assert late[0].entries[0].amount == 150  # a decimal comma


def test_ofx_1_sgml_without_end_tags_gives_memo_fitid_and_ledger_balance():
    [s] = statements("ofx", "ofxparse_bank_medium.ofx")
    assert (s.account, s.currency, s.closing) == ("12300 000012345678", "CAD", 38234)
    assert s.bank_id == "20090523122017"
    assert (s.start, s.end) == (date(2009, 4, 1), date(2009, 5, 23))
    first = s.entries[0]
    assert (first.booked, first.amount) == (date(2009, 4, 1), -660)
    assert first.counterparty_name == "MCDONALD'S #112"
    assert first.text == "POS MERCHANDISE;MCDONALD'S #112"
    assert first.bank_reference == "0000123456782009040100001"
    assert s.entries[1].text == "MISCELLANEOUS PAYMENTS;Joe's Bald Hairstyles"  # CHECKNUM 0: none


def test_ofx_check_number_joins_the_memo_and_a_credit_is_money_in():
    [s] = statements("ofx", "ofxparse_checking.ofx")
    assert [e.amount for e in s.entries] == [1, -3451, -2500]
    assert s.entries[2].text.endswith("ON 04/07/11 check 319")
    assert s.entries[0].booked == date(2011, 3, 31)
    assert s.closing == 10099  # the ledger balance, not the available 75.99


def test_ofx_payee_aggregate_and_counterparty_account_are_read():
    [s] = ofx.read(
        b"<OFX><STMTRS><CURDEF>EUR<BANKACCTFROM><ACCTID>1</BANKACCTFROM><STMTTRN>"
        b"<DTPOSTED>20260302<DTAVAIL>20260303<TRNAMT>+10.00<FITID>F<REFNUM>R-1"
        b"<PAYEE><NAME>ACME &amp; Co</PAYEE>"
        b"<BANKACCTTO><BANKID>X<ACCTID>FR7630006000011234567890189</BANKACCTTO>"
        b"</STMTTRN></STMTRS></OFX>"
    )
    e = s.entries[0]
    assert (e.amount, e.value_date, e.text) == (1000, date(2026, 3, 3), "ref R-1")
    assert (e.counterparty_name, e.counterparty_iban) == (
        "ACME & Co",
        "FR7630006000011234567890189",
    )


def test_ofx_entities_beyond_the_predefined_ones_are_never_resolved():
    [s] = ofx.read(
        b'<?xml version="1.0"?><!DOCTYPE OFX [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<OFX><STMTRS><CURDEF>EUR</CURDEF><BANKACCTFROM><ACCTID>1</ACCTID></BANKACCTFROM>"
        b"<STMTTRN><DTPOSTED>20260302</DTPOSTED><TRNAMT>1</TRNAMT><MEMO>&x;</MEMO>"
        b"</STMTTRN></STMTRS></OFX>"
    )
    assert s.entries[0].text == "&x;"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"just text", "OFX: no <OFX> element"),
        (b"<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>", "no bank or credit-card statement"),
        (
            b"<OFX><STMTRS><CURDEF>EUR\n<STMTTRN><DTPOSTED>2026-03-02<TRNAMT>1</STMTTRN></STMTRS></OFX>",
            "OFX line 2: unreadable DTPOSTED '2026-03-02'",
        ),
        (
            b"<OFX><STMTRS><CURDEF>EUR\n\n<STMTTRN><TRNAMT>1</STMTTRN></STMTRS></OFX>",
            "OFX line 3: transaction without DTPOSTED",
        ),
        (b"<OFX><STMTRS><CURDEF>XYZ</STMTRS></OFX>", "OFX line 1: unknown currency 'XYZ'"),
        (
            b"<OFX><STMTRS><CURDEF>EUR<STMTTRN><DTPOSTED>20260230<TRNAMT>1</STMTTRN></STMTRS></OFX>",
            "unreadable DTPOSTED '20260230'",
        ),
    ],
)
def test_malformed_ofx_is_refused_with_its_line(content, message):
    with pytest.raises(DomainError, match=message):
        ofx.read(content)
