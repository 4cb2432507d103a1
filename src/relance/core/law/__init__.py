"""Late-payment law per jurisdiction, one module each, one protocol.

A jurisdiction says, for a debtor kind (b2b, b2c, public), which rate runs on which day
(`rate_at`), the fixed recovery indemnity per late invoice, and the prescription period.
The creditor's country chooses the module (`for_country`); a contract rate replaces the
default where the law allows it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from relance.core.penalties import RateAt
from relance.core.rates import RateTables, next_semester


@dataclass(frozen=True)
class Claim:
    """What the law needs to know about one late invoice."""

    debtor: str  # b2b, b2c, public
    currency: str
    amount: int  # minor units, the invoice total incl. tax
    due: date
    contract_rate: Decimal | None = None  # percent a year, when the contract sets one
    formal_notice: date | None = None  # mise en demeure (consumers: interest runs from it)


class Sector(StrEnum):
    """What the creditor sells, where the law caps payment terms by sector (France,
    C. com. L441-11); `general` is everyone else."""

    GENERAL = "general"
    PERISHABLE_FOOD = "perishable_food"  # perishable food, frozen meat/fish, ready meals
    LIVESTOCK_MEAT = "livestock_meat"  # live cattle and fresh meat
    ALCOHOL = "alcohol"  # excise-liable alcoholic drinks
    NON_PERISHABLE_FOOD = "non_perishable_food"  # wine included
    TRANSPORT = "transport"  # road haulage, vehicle rental, freight forwarding, customs agents


@dataclass(frozen=True)
class TermLimit:
    """The latest due date the law allows an invoice, and the rule that sets it."""

    sector: Sector
    latest: date
    rule: str  # the cap in words, for reports: "30 days after delivery"
    basis: str  # the article: "C. com. L441-11"

    def days_over(self, due: date) -> int:
        """How many days `due` is past the limit; 0 when within it."""
        return max(0, (due - self.latest).days)


class Jurisdiction(Protocol):
    code: str

    def rate_at(self, claim: Claim, tables: RateTables) -> RateAt | None:
        """The rate function for this claim; None when no interest runs (yet)."""

    def start(self, claim: Claim) -> date:
        """The last day without interest (the due date, or the formal notice)."""

    def indemnity(self, claim: Claim) -> int:
        """The fixed recovery indemnity for this late invoice, in the claim's currency."""

    def prescription_years(self, debtor: str) -> int | None:
        """None where Relance's sources give no figure: set it by hand."""

    def term_limit(
        self, issue_date: date, debtor: str, sector: Sector, delivery: date | None
    ) -> TermLimit | None:
        """The payment-term cap for an invoice issued then (delivered then, when known)
        in that sector; None: the law sets no cap."""


def flat(rate: Decimal) -> RateAt:
    return lambda day: (rate, None)


def per_semester(rate_of: Callable[[date], Decimal]) -> RateAt:
    """A rate set for each semester (1 January, 1 July)."""
    return lambda day: (rate_of(day), next_semester(day) - timedelta(days=1))


EUR_40 = 4000  # the EU's fixed recovery indemnity, in euro cents


def eur_indemnity(claim: Claim) -> int:
    """40 EUR per late invoice from a business or public debtor. Claims in another
    currency get none here: the two amounts cannot be added."""
    return EUR_40 if claim.debtor != "b2c" and claim.currency == "EUR" else 0


def for_country(country: str) -> Jurisdiction:
    from relance.core.law import belgium, eu, france, germany, italy, spain, uk

    modules: dict[str, Jurisdiction] = {
        "FR": france.RULES, "DE": germany.RULES, "GB": uk.RULES, "BE": belgium.RULES,
        "ES": spain.RULES, "IT": italy.RULES,
    }  # fmt: skip
    return modules.get(country, eu.RULES)


def add_years(day: date, years: int) -> date:
    """
    >>> add_years(date(2024, 2, 29), 5)
    datetime.date(2029, 2, 28)
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def shortest_prescription(rules: Jurisdiction) -> int | None:
    """The shortest prescription period, in years, over the debtor kinds; None: unknown."""
    periods = [y for y in map(rules.prescription_years, ("b2b", "b2c", "public")) if y]
    return min(periods) if periods else None


def deadline(
    rules: Jurisdiction, debtor: str, start: date, acknowledgements: list[date]
) -> date | None:
    """The invoice's prescription deadline under `rules`; None where the period is unknown."""
    years = rules.prescription_years(debtor)
    return None if years is None else prescription_deadline(start, years, acknowledgements)


def alert_months(last_day: date, today: date) -> int | None:
    """The worklist warns 6, 3 and 1 months before a prescription deadline.

    >>> alert_months(date(2026, 4, 20), date(2026, 3, 2)), alert_months(date(2027, 1, 1), date(2026, 3, 2))
    (3, None)
    """
    left = (last_day - today).days
    if not 0 <= left <= 31 * 6:
        return None
    return 1 if left <= 31 else 3 if left <= 92 else 6


def prescription_deadline(start: date, years: int, acknowledgements: list[date]) -> date:
    """The last day a claim can be pursued: `years` after the delivery (or the invoice),
    restarted by each acknowledgement of the debt (a partial payment, a signed plan).
    A formal notice does not restart it (Com. 18 May 2022, 20-23.204).

    >>> prescription_deadline(date(2021, 3, 1), 5, [date(2023, 6, 1)])
    datetime.date(2028, 6, 1)
    """
    return add_years(max([start, *acknowledgements]), years)
