"""France: Code de commerce L441-10 (business debtors), Code de la commande publique
R2192-31 (public buyers), Code civil 1231-6 / 1344-1 (consumers). LAW.md section 1.

>>> from datetime import date
>>> from relance.core.rates import RateTables
>>> tables = RateTables(ecb=((date(2024, 6, 12), Decimal("4.25")), (date(2025, 1, 1), Decimal("3.15"))))
>>> rate_at = RULES.rate_at(Claim("b2b", "EUR", 100000, date(2024, 12, 1)), tables)
>>> rate_at(date(2024, 12, 31)), rate_at(date(2025, 1, 1))
((Decimal('14.25'), datetime.date(2024, 12, 31)), (Decimal('13.15'), datetime.date(2025, 6, 30)))
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from relance.core.law import Claim, Sector, TermLimit, eur_indemnity, flat, per_semester
from relance.core.penalties import RateAt
from relance.core.rates import RateTables, semester_start
from relance.core.terms import end_of_month


class France:
    code = "FR"
    B2B_POINTS = Decimal(10)  # ECB + 10 points (L441-10 II)
    PUBLIC_POINTS = Decimal(8)  # ECB + 8 points (R2192-31)
    FLOOR_TIMES_LEGAL = Decimal(3)  # a contract rate never below 3x the legal rate

    def start(self, claim: Claim) -> date:
        if claim.debtor == "b2c":
            return claim.formal_notice or date.max
        return claim.due

    def rate_at(self, claim: Claim, tables: RateTables) -> RateAt | None:
        if claim.debtor == "public":
            started = claim.due + timedelta(days=1)
            return flat(tables.ecb_on(semester_start(started)) + self.PUBLIC_POINTS)
        if claim.debtor == "b2c":
            if claim.formal_notice is None:
                return None  # interest at the legal rate only from a formal notice
            # The creditor is a business: the legal rate of "all other cases".
            return per_semester(lambda day: tables.fr_legal(day, individual=False))
        if claim.contract_rate is not None:
            contract = claim.contract_rate

            def floored(day: date) -> Decimal:
                floor = self.FLOOR_TIMES_LEGAL * tables.fr_legal(day, individual=False)
                return max(contract, floor)

            return per_semester(floored)
        return per_semester(lambda day: tables.ecb_on(semester_start(day)) + self.B2B_POINTS)

    def indemnity(self, claim: Claim) -> int:
        return eur_indemnity(claim)

    def prescription_years(self, debtor: str) -> int | None:
        return 2 if debtor == "b2c" else 5  # C. conso L218-2; C. com. L110-4

    def term_limit(
        self, issue_date: date, debtor: str, sector: Sector, delivery: date | None
    ) -> TermLimit | None:
        return term_limit(issue_date, sector, delivery) if debtor == "b2b" else None


RULES = France()


def latest_due_date(issue_date: date) -> date:
    """The latest due date C. com. L441-10 I allows between businesses: 60 days from the
    invoice, or by derogation 45 days end of month (either reading).

    >>> latest_due_date(date(2026, 1, 10))  # end of January + 45 days
    datetime.date(2026, 3, 17)
    """
    sixty = issue_date + timedelta(days=60)
    eom_after = end_of_month(issue_date + timedelta(days=45))
    after_eom = end_of_month(issue_date) + timedelta(days=45)
    return max(sixty, eom_after, after_eom)


GENERAL = "C. com. L441-10 I"
SECTORS = "C. com. L441-11"


def term_limit(issue_date: date, sector: Sector, delivery: date | None = None) -> TermLimit:
    """The payment-term cap between French businesses: the general rule of L441-10 I, or
    the sector's cap of L441-11 (LAW.md section 1, "Payment terms").

    Caps counted from the delivery use the invoice date when the delivery date is not
    known: goods are rarely delivered after they are invoiced, so the flag it gives is
    never a false alarm. (Periodic invoices of perishable food, 30 days after the end of
    the delivery ten-day period, are read as single invoices: the later bound.)

    >>> term_limit(date(2026, 3, 2), Sector.PERISHABLE_FOOD, date(2026, 2, 27)).latest
    datetime.date(2026, 3, 29)
    >>> term_limit(date(2026, 3, 2), Sector.ALCOHOL, date(2026, 2, 27)).latest
    datetime.date(2026, 3, 30)
    >>> term_limit(date(2026, 3, 2), Sector.TRANSPORT).rule
    '30 days from the invoice date, no derogation'
    """
    delivered = delivery or issue_date
    match sector:
        case Sector.PERISHABLE_FOOD:
            return TermLimit(
                sector, delivered + timedelta(days=30), "30 days after delivery", SECTORS
            )
        case Sector.LIVESTOCK_MEAT:
            return TermLimit(
                sector, delivered + timedelta(days=20), "20 days after delivery", SECTORS
            )
        case Sector.ALCOHOL:
            return TermLimit(
                sector, end_of_month(delivered) + timedelta(days=30),
                "30 days after the end of the delivery month", SECTORS,
            )  # fmt: skip
        case Sector.NON_PERISHABLE_FOOD:
            return TermLimit(
                sector, issue_date + timedelta(days=60), "60 days from the invoice date", SECTORS
            )
        case Sector.TRANSPORT:
            return TermLimit(
                sector, issue_date + timedelta(days=30),
                "30 days from the invoice date, no derogation", SECTORS,
            )  # fmt: skip
    return TermLimit(
        Sector.GENERAL, latest_due_date(issue_date),
        "60 days from the invoice or 45 days end of month", GENERAL,
    )  # fmt: skip
