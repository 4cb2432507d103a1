"""The EU default (Directive 2011/7/EU): ECB reference rate + 8 points, 40 EUR per late
invoice, for business and public debtors. LAW.md section 6."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from relance.core.law import Claim, Sector, TermLimit, eur_indemnity, per_semester
from relance.core.penalties import RateAt
from relance.core.rates import RateTables, semester_start


class EuropeanUnion:
    code = "EU"
    POINTS = Decimal(8)

    def start(self, claim: Claim) -> date:
        return claim.due

    def rate_at(self, claim: Claim, tables: RateTables) -> RateAt | None:
        if claim.debtor == "b2c":
            return None  # the directive is for commercial transactions
        if claim.contract_rate is not None:
            return per_semester(lambda day: claim.contract_rate or Decimal(0))
        return per_semester(lambda day: self.reference(tables, day) + self.POINTS)

    def reference(self, tables: RateTables, day: date) -> Decimal:
        return tables.ecb_on(semester_start(day))

    def indemnity(self, claim: Claim) -> int:
        return eur_indemnity(claim)

    def prescription_years(self, debtor: str) -> int | None:
        return None

    def term_limit(
        self, issue_date: date, debtor: str, sector: Sector, delivery: date | None
    ) -> TermLimit | None:
        return None  # the directive's 60 days may be exceeded by express agreement


RULES = EuropeanUnion()
