"""A ledger small enough to age by hand (EUR unless said), imported and changed through
the services:

| item | customer | issued | due | amount | what happens |
|---|---|---|---|---|---|
| F1 | C1 | 01-05 | 02-04 | 1000.00 | P1 pays 400.00 on 03-10 |
| F2 | C1 | 02-10 | 03-12 | 500.00 | P4 (700.00, 03-15) pays it; 200.00 stays on account |
| F3 | C2 | 01-15 | 01-31 | 2400.00 | credit note of 400.00 on 03-05; P2 pays 2000.00 on 04-05 |
| F4 | C2 | 02-01 | 03-03 | USD 300.00 | written off on 04-20 |
| F5 | C2 | 04-10 | 05-10 | 700.00 | |
| F6 | C1 | 01-10 | 02-09 | 800.00 | the export says 300.00 open: 500.00 settled elsewhere |
| AV1 | C1 | 03-01 | 03-01 | -100.00 | a credit note not yet applied |
"""

from __future__ import annotations

from datetime import date

import pytest

from relance.ledger.models import Invoice
from relance.ledger.services import credit_invoice, write_off


@pytest.fixture
def ledger(creditor, load):  # type: ignore[no-untyped-def]
    load("customers", "customer,name,segment\nC1,Alpha,PME\nC2,=Beta,ETI\n")
    load(
        "invoices",
        "number,customer,issue_date,due_date,currency,amount,open_amount\n"
        "F1,C1,2026-01-05,2026-02-04,EUR,1000.00,\n"
        "F2,C1,2026-02-10,2026-03-12,EUR,500.00,\n"
        "F3,C2,2026-01-15,2026-01-31,EUR,2400.00,\n"
        "F4,C2,2026-02-01,2026-03-03,USD,300.00,\n"
        "F5,C2,2026-04-10,2026-05-10,EUR,700.00,\n"
        "F6,C1,2026-01-10,2026-02-09,EUR,800.00,300.00\n"
        "AV1,C1,2026-03-01,2026-03-01,EUR,-100.00,\n",
    )
    credit_invoice(Invoice.objects.get(number="F3"), 40000, on=date(2026, 3, 5), actor="t")
    load(
        "payments",
        "date,amount,currency,customer,reference,invoices\n"
        "2026-03-10,400.00,EUR,C1,P1,F1\n"
        "2026-04-05,2000.00,EUR,C2,P2,F3\n"
        "2026-03-15,700.00,EUR,C1,P4,F2\n",
    )
    write_off(Invoice.objects.get(number="F4"), on=date(2026, 4, 20), actor="t")
    return creditor
