"""The UK, Late Payment of Commercial Debts (Interest) Act 1998: the Bank of England
reference rate of the semester the debt became overdue + 8 points, fixed for that debt;
fixed sums of 40, 70 or 100 GBP by the size of the debt. Business debtors only.
LAW.md section 6.

>>> RULES.fixed_sum(99999), RULES.fixed_sum(100000), RULES.fixed_sum(1000000)
(4000, 7000, 10000)
"""

from __future__ import annotations

from datetime import timedelta

from relance.core.law import Claim, flat
from relance.core.law.eu import EuropeanUnion
from relance.core.penalties import RateAt
from relance.core.rates import RateTables


class UnitedKingdom(EuropeanUnion):
    code = "GB"

    def rate_at(self, claim: Claim, tables: RateTables) -> RateAt | None:
        if claim.debtor == "b2c":
            return None
        if claim.contract_rate is not None:
            return flat(claim.contract_rate)  # a "substantial remedy" ousts the Act
        return flat(tables.uk_reference(claim.due + timedelta(days=1)) + self.POINTS)

    def indemnity(self, claim: Claim) -> int:
        if claim.debtor == "b2c" or claim.currency != "GBP":
            return 0
        return self.fixed_sum(claim.amount)

    @staticmethod
    def fixed_sum(amount: int) -> int:
        if amount < 100000:
            return 4000
        return 7000 if amount < 1000000 else 10000


RULES = UnitedKingdom()
