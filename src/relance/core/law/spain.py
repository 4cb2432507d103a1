"""Spain (Ley 3/2004): the ECB rate of the last operation before the semester + 8
points; 40 EUR per invoice. LAW.md section 6."""

from datetime import date, timedelta
from decimal import Decimal

from relance.core.law.eu import EuropeanUnion
from relance.core.rates import RateTables, semester_start


class Spain(EuropeanUnion):
    code = "ES"

    def reference(self, tables: RateTables, day: date) -> Decimal:
        return tables.ecb_on(semester_start(day) - timedelta(days=1))


RULES = Spain()
