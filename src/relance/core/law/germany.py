"""Germany (BGB §288): the base rate + 9 points between businesses, + 5 points
otherwise; 40 EUR flat (§288(5), not against consumers). LAW.md section 6."""

from __future__ import annotations

from decimal import Decimal

from relance.core.law import Claim, per_semester
from relance.core.law.eu import EuropeanUnion
from relance.core.penalties import RateAt
from relance.core.rates import RateTables


class Germany(EuropeanUnion):
    code = "DE"

    def rate_at(self, claim: Claim, tables: RateTables) -> RateAt | None:
        points = Decimal(5) if claim.debtor == "b2c" else Decimal(9)
        return per_semester(lambda day: tables.de_base_on(day) + points)


RULES = Germany()
