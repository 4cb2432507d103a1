"""core.matching: which open items a statement line pays, with what score and why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relance.core.identifiers import rf_reference
from relance.core.matching import (
    AUTO_APPLY,
    MAX_PARTS,
    Book,
    Item,
    Line,
    Payer,
    name_key,
    name_words,
    number_key,
    subset_summing_to,
)

ITEMS = [
    Item("F2026-0042", "C1", "EUR", 12000),
    Item("F2026-0043", "C1", "EUR", 3000),
    Item("F2026-0050", "C2", "EUR", 5000),
    Item("F2026-0051", "C2", "EUR", 7000),
    Item("F2026-0060", "C3", "USD", 12000),
]
PAYERS = [
    Payer("C1", rf_reference("C1"), names=frozenset({"ALPHA"})),
    Payer("C2", rf_reference("C2"), ibans=frozenset({"FR7630006000011234567890189"})),
    Payer("C3", rf_reference("C3")),
]


def best(line: Line):  # type: ignore[no-untyped-def]
    found = Book(ITEMS, PAYERS).propose(line)
    return found[0] if found else None


@pytest.mark.parametrize(
    ("line", "customer", "parts", "reasons", "automatic"),
    [
        # the customer's RF reference and the exact amount
        (Line(12000, "EUR", reference=rf_reference("C1")), "C1",
         (("F2026-0042", 12000),), ("reference", "amount"), True),
        # the RF reference written in the free text, with spaces
        (Line(3000, "EUR", text="virement RF" + rf_reference("C1")[2:4] + " C1"), "C1",
         (("F2026-0043", 3000),), ("reference", "amount"), True),
        # invoice number with another case, dashes, leading zeros, O for 0
        (Line(12000, "EUR", text="PAIEMENT FACT f 2026 - 42"), "C1",
         (("F2026-0042", 12000),), ("invoice_number", "amount"), True),
        (Line(12000, "EUR", text="fact F2O26-OO42"), "C1",
         (("F2026-0042", 12000),), ("invoice_number", "amount"), True),
        # two invoices named, their sum paid
        (Line(15000, "EUR", text="F2026-42 F2026-43"), "C1",
         (("F2026-0042", 12000), ("F2026-0043", 3000)), ("invoice_number", "amount"), True),
        # a known IBAN and two open items summing to the amount
        (Line(12000, "EUR", counterparty_iban="FR76 3000 6000 0112 3456 7890 189"), "C2",
         (("F2026-0050", 5000), ("F2026-0051", 7000)), ("iban", "amount_sum"), True),
        # the invoice named by a known payer, short by a bank fee: applied to it, the
        # rest left open
        (Line(11985, "EUR", text="F2026-0042", counterparty_name="Alpha"), "C1",
         (("F2026-0042", 11985),), ("invoice_number", "name", "amount_part"), True),
        # the invoice named by a known payer, paid in part
        (Line(4000, "EUR", text="acompte F2026-0042", counterparty_name="Alpha"), "C1",
         (("F2026-0042", 4000),), ("invoice_number", "name", "amount_part"), True),
        # a number alone and an amount that does not confirm it: maybe mistyped, reviewed
        (Line(4000, "EUR", text="acompte F2026-0042"), "C1",
         (("F2026-0042", 4000),), ("invoice_number", "amount_part", "ambiguous"), False),
        # short by a bank fee, no invoice named: for review
        (Line(11985, "EUR", counterparty_name="Alpha SARL"), "C1",
         (("F2026-0042", 11985),), ("name", "amount_close"), False),
        # a learned payer name (only C1 has it) and the exact amount
        (Line(3000, "EUR", counterparty_name="Alpha SARL"), "C1",
         (("F2026-0043", 3000),), ("name", "amount"), True),
        # the amount alone, one item of that amount in the currency: review
        (Line(7000, "EUR"), "C2", (("F2026-0051", 7000),), ("amount",), False),
        # the reference but an amount that fits nothing: part of one of two items, review
        (Line(100, "EUR", reference=rf_reference("C2")), "C2",
         (("F2026-0050", 100),), ("reference", "amount_part", "ambiguous"), False),
    ],
)  # fmt: skip
def test_a_line_gets_the_proposal_its_evidence_supports(line, customer, parts, reasons, automatic):
    found = best(line)
    assert found is not None
    assert (found.customer, found.parts, found.reasons) == (customer, parts, reasons)
    assert found.automatic is automatic
    assert (found.score >= AUTO_APPLY) is automatic


@pytest.mark.parametrize(
    "line",
    [
        Line(12000, "EUR", text="nothing useful"),  # two items of 12000, in EUR and USD: one EUR
        Line(-12000, "EUR", reference=rf_reference("C1")),  # money out
        Line(5000, "GBP", reference=rf_reference("C2")),  # no item in that currency
        Line(999, "EUR", text="F2026-421"),  # another number
    ],
)
def test_lines_without_evidence_give_no_automatic_match(line):
    found = best(line)
    assert found is None or not found.automatic


def test_an_amount_that_two_items_share_is_not_proposed_on_the_amount_alone():
    items = [Item("A1", "C1", "EUR", 500), Item("B1", "C2", "EUR", 500)]
    assert Book(items, []).propose(Line(500, "EUR")) == []


def test_paid_items_are_not_proposed_again():
    book = Book(ITEMS, PAYERS)
    line = Line(12000, "EUR", reference=rf_reference("C1"))
    book.paid(book.propose(line)[0].parts)
    again = book.propose(line)[0]
    assert again.parts == (("F2026-0043", 3000),)
    assert not again.automatic


@pytest.mark.parametrize(
    ("a", "b"),
    [("F2026-0042", "f2026 42"), ("INV-0001", "inv1"), ("FA-OO12", "FA12"), ("2026/I0", "2026-10")],
)
def test_invoice_numbers_compare_without_their_noise(a, b):
    assert number_key(a) == number_key(b)


amounts = st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=12)


@given(amounts, st.data())
def test_the_subset_found_always_sums_to_the_amount(values, data):
    chosen = data.draw(
        st.lists(st.sampled_from(range(len(values))), unique=True, max_size=MAX_PARTS)
    )
    target = sum(values[i] for i in chosen) or values[0]
    found = subset_summing_to(values, target)
    assert found is not None
    assert sum(values[i] for i in found) == target
    assert len(set(found)) == len(found) <= MAX_PARTS


@given(amounts, st.integers(min_value=1, max_value=10**8))
def test_a_subset_is_only_found_when_it_sums_to_the_amount(values, target):
    found = subset_summing_to(values, target)
    assert found is None or sum(values[i] for i in found) == target


def test_an_invoice_paid_by_an_earlier_line_is_not_named_again():
    book = Book(ITEMS, PAYERS)
    line = Line(12000, "EUR", text="F2026-0042")
    book.paid(book.propose(line)[0].parts)
    assert book.propose(line) == []


# --- evidence added for the quality targets (issue 7) ---

D = date(2026, 3, 1)


def test_the_invoices_own_payment_reference_names_it_even_spaced_out():
    items = [Item("F1", "C1", "EUR", 5000, payment_reference="RF18 5390 0754 7034")]
    book = Book(items, [Payer("C1", "RF00C1")])
    for line in (
        Line(5000, "EUR", reference="RF18539007547034"),
        Line(5000, "EUR", text="paiement rf18 5390 0754 7034 merci"),
    ):
        found = book.propose(line)[0]
        assert (found.parts, found.reasons) == ((("F1", 5000),), ("payment_reference", "amount"))
        assert found.automatic


def test_an_invoice_number_written_without_separators_is_found():
    book = Book([Item("FA-2025-00370", "C1", "EUR", 900)], [Payer("C1", "RF00C1")])
    for text in ("VIR FA202500370", "FA 2025 00370", "fa-2O25-OO370"):
        assert book.propose(Line(900, "EUR", text=text))[0].reasons == ("invoice_number", "amount")


def test_the_number_without_its_letters_is_found_when_long_enough():
    book = Book([Item("FA 220036", "C1", "EUR", 900), Item("FA 42", "C2", "EUR", 700)],
                [Payer("C1", "RF00C1"), Payer("C2", "RF00C2")])  # fmt: skip
    assert book.propose(Line(900, "EUR", text="VIR LAURENT 220036"))[0].reasons == (
        "invoice_number", "amount",
    )  # fmt: skip
    assert book.propose(Line(700, "EUR", text="VIR 42"))[0].reasons == ("amount",)


def test_the_customers_name_in_the_text_with_the_amount_is_applied():
    payers = [Payer("P", "RF00P", name="PROSOL GESTION"), Payer("M", "RF00M", name="SAS MOURLHON")]
    book = Book([Item("F1", "P", "EUR", 717824), Item("F2", "M", "EUR", 802961)], payers)
    found = book.propose(Line(717824, "EUR", text="VIR PROSOL SAS SCT2109ZAP020163"))[0]
    assert (found.customer, found.reasons, found.automatic) == (
        "P", ("customer_name", "amount"), True,
    )  # fmt: skip


def test_a_name_alone_is_never_applied():
    payers = [Payer("P", "RF00P", name="PROSOL GESTION")]
    book = Book([Item("F1", "P", "EUR", 5000), Item("F2", "P", "EUR", 6000)], payers)
    for amount in (100, 10999, 20000):  # part of either, or more than all
        found = book.propose(Line(amount, "EUR", text="VIR PROSOL"))
        assert all(not p.automatic for p in found)


def test_a_surname_several_customers_share_tells_nobody_apart():
    payers = [Payer("A", "RF00A", name="Garage Martin SAS"),
              Payer("B", "RF00B", name="Martin Transports"),
              Payer("C", "RF00C", name="Boulangerie Martin Petit")]  # fmt: skip
    book = Book([Item("F1", "A", "EUR", 5000), Item("F2", "B", "EUR", 5000)], payers)
    found = book.propose(Line(5000, "EUR", counterparty_name="M. MARTIN JEAN"))
    assert found
    assert not any(p.automatic for p in found)
    # the whole name of one of them does
    found = book.propose(Line(5000, "EUR", counterparty_name="GARAGE MARTIN"))
    assert (found[0].customer, found[0].reasons) == ("A", ("customer_name", "amount"))
    assert found[0].automatic


def test_a_learned_name_two_customers_share_is_only_a_hint():
    payers = [Payer("A", "RF00A", names=frozenset({"HOLDING DUPONT"})),
              Payer("B", "RF00B", names=frozenset({"HOLDING DUPONT"}))]  # fmt: skip
    book = Book([Item("F1", "A", "EUR", 5000), Item("F2", "B", "EUR", 5000)], payers)
    found = book.propose(Line(5000, "EUR", counterparty_name="Holding Dupont SA"))
    assert found
    assert not found[0].automatic


def test_two_customers_each_sure_leave_the_line_for_review():
    payers = [Payer("A", "RF00A", ibans=frozenset({"FR761"})),
              Payer("B", "RF00B", name="Zeta Conseil")]  # fmt: skip
    book = Book([Item("F1", "A", "EUR", 5000), Item("F2", "B", "EUR", 5000)], payers)
    found = book.propose(Line(5000, "EUR", counterparty_name="ZETA", counterparty_iban="FR761"))
    assert [p.customer for p in found] == ["A", "B"]
    assert not any(p.automatic for p in found)


def test_an_item_issued_after_the_payment_is_not_a_candidate():
    book = Book([Item("F1", "C1", "EUR", 5000, issued=D)], [Payer("C1", "RF00C1", name="Zeta")])
    assert book.propose(Line(5000, "EUR", text="F1 ZETA", booked=D - timedelta(days=1))) == []
    assert book.propose(Line(5000, "EUR", text="ZETA", booked=D))[0].automatic


def test_two_items_of_the_amount_are_a_question_not_an_answer():
    payers = [Payer("C1", "RF00C1", name="Zeta")]
    book = Book([Item("F1", "C1", "EUR", 5000), Item("F2", "C1", "EUR", 5000)], payers)
    found = book.propose(Line(5000, "EUR", text="ZETA"))[0]
    assert (found.parts, found.automatic) == ((("F1", 5000),), False)
    assert "ambiguous" in found.reasons


def test_a_named_invoice_and_a_mistyped_one_are_completed_by_the_amount():
    payers = [Payer("C1", "RF00C1")]
    items = [Item("FA-1001", "C1", "EUR", 5000), Item("FA-1002", "C1", "EUR", 3000),
             Item("FA-1003", "C1", "EUR", 700)]  # fmt: skip
    found = Book(items, payers).propose(Line(8000, "EUR", text="FA-1001 FA-1092"))[0]
    assert (found.parts, found.reasons) == (
        (("FA-1001", 5000), ("FA-1002", 3000)), ("invoice_number", "amount_sum"),
    )  # fmt: skip
    assert found.automatic


def test_an_overpayment_pays_the_named_invoice_and_leaves_the_rest():
    payers = [Payer("C1", "RF00C1", name="Laurent Primeurs")]
    items = [Item("FA 220036", "C1", "EUR", 160782), Item("FA 220040", "C1", "EUR", 50000)]
    found = Book(items, payers).propose(Line(189584, "EUR", text="VIR LAURENT PRIMEURS 220036"))[0]
    assert found.parts == (("FA 220036", 160782),)  # 288,02 stays on account
    assert found.reasons == ("invoice_number", "customer_name", "amount_over")
    assert found.automatic
    # a rest that could pay another invoice in part: a person decides
    found = Book(items, payers).propose(Line(260782, "EUR", text="VIR LAURENT PRIMEURS 220036"))[0]
    assert not found.automatic


def test_part_of_the_one_item_big_enough_is_applied_to_it():
    payers = [Payer("C1", "RF00C1", name="Prosol")]
    items = [Item("RAN C1", "C1", "EUR", 3572495), Item("FA 4", "C1", "EUR", 101544)]
    found = Book(items, payers).propose(Line(717824, "EUR", text="VIR PROSOL"))[0]
    assert (found.parts, found.reasons) == ((("RAN C1", 717824),), ("customer_name", "amount_part"))
    assert found.automatic
    # two items it could be part of: the oldest, for review
    items.append(Item("FA 5", "C1", "EUR", 900000))
    assert not Book(items, payers).propose(Line(717824, "EUR", text="VIR PROSOL"))[0].automatic


def test_while_a_line_of_the_customer_awaits_review_the_oldest_items_are_unsure():
    payers = [Payer("C1", "RF00C1", name="Prosol")]
    items = [Item(f"F{n}", "C1", "EUR", 500) for n in range(1, 5)]
    book = Book(items, payers)
    assert book.propose(Line(1000, "EUR", text="PROSOL"))[0].automatic  # the two oldest
    book.held("C1")
    found = book.propose(Line(1000, "EUR", text="PROSOL"))[0]
    assert (found.automatic, found.reasons[-1]) == (False, "ambiguous")


def test_a_hint_of_a_name_and_an_amount_no_other_item_has_are_enough():
    payers = [Payer("A", "RF00A", name="Garage Martin SAS"),
              Payer("B", "RF00B", name="Martin Transports")]  # fmt: skip
    book = Book([Item("F1", "A", "EUR", 5000), Item("F2", "B", "EUR", 7000)], payers)
    found = book.propose(Line(5000, "EUR", counterparty_name="M. MARTIN JEAN"))[0]
    assert (found.customer, found.reasons) == (
        "A", ("customer_name_shared", "amount", "amount_unique"),
    )  # fmt: skip
    assert found.automatic


def test_names_lose_their_legal_forms_and_generic_words():
    assert name_words("SARL Les Jardins de Calixte") == ("JARDINS", "CALIXTE")
    assert name_key("Holding Dupont S.A.") == "DUPONT"
    assert name_key("SAS AB") == ""  # too short to tell a payer apart
