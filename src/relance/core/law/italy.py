"""Italy (D.Lgs. 231/2002): the ECB rate on 1 January / 1 July + 8 points; the EU's
40 EUR. LAW.md section 6."""

from relance.core.law.eu import EuropeanUnion


class Italy(EuropeanUnion):
    code = "IT"


RULES = Italy()
