"""core.matching: which open items a statement line pays, with what score and why."""

from __future__ import annotations

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
        # the invoice named, short by a bank fee: partial, for review
        (Line(11985, "EUR", text="F2026-0042"), "C1",
         (("F2026-0042", 11985),), ("invoice_number", "amount_close"), False),
        # a name alone, exact amount: review
        (Line(3000, "EUR", counterparty_name="Alpha SARL"), "C1",
         (("F2026-0043", 3000),), ("name", "amount"), False),
        # the amount alone, one item of that amount in the currency: review
        (Line(7000, "EUR"), "C2", (("F2026-0051", 7000),), ("amount",), False),
        # the reference but an amount that fits nothing: review
        (Line(100, "EUR", reference=rf_reference("C2")), "C2",
         (("F2026-0050", 100),), ("reference",), False),
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
