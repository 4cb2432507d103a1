"""Payment-term caps between French businesses, per sector (C. com. L441-10 I and
L441-11; LAW.md section 1, "Payment terms"): which cap applies and by how many days a due
date passes it."""

from __future__ import annotations

from datetime import date

import pytest

from relance.core.law import Sector, for_country
from relance.core.law.france import term_limit

FR = for_country("FR")
D = date.fromisoformat


@pytest.mark.parametrize(
    ("sector", "issued", "delivered", "due", "latest", "over"),
    [
        # general: 60 days from the invoice, or 45 days end of month (either reading)
        (Sector.GENERAL, "2026-01-10", None, "2026-03-17", "2026-03-17", 0),
        (Sector.GENERAL, "2026-01-10", None, "2026-04-30", "2026-03-17", 44),
        (Sector.GENERAL, "2026-03-02", "2026-02-01", "2026-05-16", "2026-05-15", 1),  # EOM + 45
        # perishable food: 30 days after delivery
        (Sector.PERISHABLE_FOOD, "2026-03-02", "2026-02-27", "2026-03-29", "2026-03-29", 0),
        (Sector.PERISHABLE_FOOD, "2026-03-02", "2026-02-27", "2026-04-01", "2026-03-29", 3),
        # ... from the invoice date when the delivery date is unknown
        (Sector.PERISHABLE_FOOD, "2026-03-02", None, "2026-04-01", "2026-04-01", 0),
        (Sector.PERISHABLE_FOOD, "2026-03-02", None, "2026-05-01", "2026-04-01", 30),
        # live cattle and fresh meat: 20 days after delivery
        (Sector.LIVESTOCK_MEAT, "2026-03-02", "2026-03-01", "2026-03-21", "2026-03-21", 0),
        (Sector.LIVESTOCK_MEAT, "2026-03-02", "2026-03-01", "2026-03-31", "2026-03-21", 10),
        # excise-liable alcohol: 30 days after the end of the delivery month
        (Sector.ALCOHOL, "2026-03-02", "2026-02-27", "2026-03-30", "2026-03-30", 0),
        (Sector.ALCOHOL, "2026-03-02", "2026-02-27", "2026-04-15", "2026-03-30", 16),
        (Sector.ALCOHOL, "2026-03-02", "2026-03-02", "2026-04-30", "2026-04-30", 0),
        (Sector.ALCOHOL, "2024-02-10", "2024-02-10", "2024-04-01", "2024-03-30", 2),  # leap
        # non-perishable food: 60 days from the invoice
        (Sector.NON_PERISHABLE_FOOD, "2026-01-10", None, "2026-03-17", "2026-03-11", 6),
        # transport: 30 days from the invoice date, no derogation (delivery irrelevant)
        (Sector.TRANSPORT, "2026-01-31", "2026-01-15", "2026-03-02", "2026-03-02", 0),
        (Sector.TRANSPORT, "2026-01-31", "2026-01-15", "2026-03-31", "2026-03-02", 29),
    ],
)
def test_each_sector_has_its_cap_and_the_days_past_it(  # type: ignore[no-untyped-def]
    sector, issued, delivered, due, latest, over
):
    limit = FR.term_limit(D(issued), "b2b", sector, D(delivered) if delivered else None)
    assert limit is not None
    assert (limit.sector, limit.latest, limit.days_over(D(due))) == (sector, D(latest), over)


@pytest.mark.parametrize(
    ("sector", "basis"),
    [(Sector.GENERAL, "C. com. L441-10 I")]
    + [(s, "C. com. L441-11") for s in Sector if s is not Sector.GENERAL],
)
def test_every_cap_names_its_article(sector, basis):  # type: ignore[no-untyped-def]
    assert term_limit(date(2026, 1, 10), sector).basis == basis


@pytest.mark.parametrize(("country", "debtor"), [("FR", "b2c"), ("FR", "public"), ("DE", "b2b")])
def test_no_cap_where_the_law_sets_none(country, debtor):  # type: ignore[no-untyped-def]
    rules = for_country(country)
    assert rules.term_limit(date(2026, 1, 10), debtor, Sector.TRANSPORT, None) is None
