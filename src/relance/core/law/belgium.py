"""Belgium. Business debtors (loi du 2 août 2002): ECB + 8 points rounded up to the next
half point. Consumers (CDE Book XIX): interest at most that rate, and capped flat damages,
only after a free first reminder and 14 days; `formal_notice` is that reminder's date.
LAW.md section 6.

>>> from datetime import date
>>> RULES.consumer_damages(10000), RULES.consumer_damages(40000), RULES.consumer_damages(10**8)
(2000, 5500, 200000)
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from relance.core.law import Claim, per_semester
from relance.core.law.eu import EuropeanUnion
from relance.core.penalties import RateAt
from relance.core.rates import RateTables


class Belgium(EuropeanUnion):
    code = "BE"
    CONSUMER_WAIT_DAYS = 14

    def rate_at(self, claim: Claim, tables: RateTables) -> RateAt | None:
        if claim.debtor == "b2c" and claim.formal_notice is None:
            return None

        def rounded(day: date) -> Decimal:
            doubled = (self.reference(tables, day) + self.POINTS) * 2
            return doubled.to_integral_value(rounding=ROUND_CEILING) / 2

        return per_semester(rounded)

    def start(self, claim: Claim) -> date:
        if claim.debtor == "b2c":
            notice = claim.formal_notice
            return notice + timedelta(days=self.CONSUMER_WAIT_DAYS) if notice else date.max
        return claim.due

    def indemnity(self, claim: Claim) -> int:
        if claim.currency != "EUR":
            return 0
        if claim.debtor == "b2c":
            return self.consumer_damages(claim.amount) if claim.formal_notice else 0
        return super().indemnity(claim)

    @staticmethod
    def consumer_damages(amount: int) -> int:
        """The cap on flat damages from a consumer, in cents, for an amount in cents."""
        if amount <= 15000:
            return 2000
        if amount <= 50000:
            return 3000 + (amount - 15000) // 10
        return min(200000, 6500 + (amount - 50000) // 20)


RULES = Belgium()
