"""Germany (BGB §288): the base rate + 9 points between businesses, + 5 points
otherwise; 40 EUR flat (§288(5), not against consumers). LAW.md section 6."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance.core.law import Claim, eur_indemnity, per_semester
from relance.core.penalties import RateAt
from relance.core.rates import RateTables


class Germany:
    code = "DE"

    def start(self, claim: Claim) -> date:
        return claim.due

    def rate_at(self, claim: Claim, tables: RateTables) -> RateAt | None:
        points = Decimal(5) if claim.debtor == "b2c" else Decimal(9)
        return per_semester(lambda day: tables.de_base_on(day) + points)

    def indemnity(self, claim: Claim) -> int:
        return eur_indemnity(claim)

    def prescription_years(self, debtor: str) -> int | None:
        return None

    def latest_due_date(self, issue_date: date, debtor: str) -> date | None:
        return None


RULES = Germany()
