from datetime import date

from relance.imports.services import import_file
from relance.ledger import balances
from relance.ledger.models import Customer


def test_balances_follow_imports_and_payments(creditor, write):
    today = date(2026, 3, 1)
    import_file(
        write("c.csv", "customer,name\nC1,Alpha\nC2,Beta\n"),
        "customers",
        creditor=creditor,
        actor="t",
        today=today,
    )
    invoices = "number,customer,issue_date,due_date,amount\nF1,C1,2026-01-01,2026-01-31,100\nF2,C1,2026-02-01,2026-03-15,50\nF3,C2,2026-01-01,2026-02-01,30\n"
    import_file(write("i.csv", invoices), "invoices", creditor=creditor, actor="t", today=today)
    totals = dict(Customer.objects.values_list("code", "open_total"))
    assert totals == {"C1": 15000, "C2": 3000}
    assert Customer.objects.get(code="C1").overdue_total == 10000

    import_file(
        write("p.csv", "date,amount,customer,invoices\n2026-03-01,100,C1,F1\n"),
        "payments",
        creditor=creditor,
        actor="t",
        today=today,
    )
    c1 = Customer.objects.get(code="C1")
    assert (c1.open_total, c1.overdue_total) == (5000, 0)


def test_overdue_totals_move_with_the_date_without_any_write(creditor, write):
    import_file(
        write("c.csv", "customer,name\nC1,Alpha\n"), "customers", creditor=creditor, actor="t"
    )
    import_file(
        write(
            "i.csv", "number,customer,issue_date,due_date,amount\nF1,C1,2026-01-01,2026-03-15,50\n"
        ),
        "invoices",
        creditor=creditor,
        actor="t",
        today=date(2026, 3, 1),
    )
    assert Customer.objects.get().overdue_total == 0
    balances.ensure_current(creditor, date(2026, 3, 16))
    assert Customer.objects.get().overdue_total == 5000
    assert creditor.balances_as_of == date(2026, 3, 16)
