"""The migration that turns a plan's formatted JSON instalments into rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("collection", "0004_step_penalties_statement"), ("ledger", "0002_creditor_sender_email")]
AFTER = [("collection", "0006_payment_plans"), ("ledger", "0004_invoice_written_off")]


@pytest.fixture
def migrator():  # type: ignore[no-untyped-def]
    """Migrations run back and forth; the schema is left at the latest ones after."""
    yield MigrationExecutor(connection)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_json_instalments_become_rows_in_minor_units_with_the_down_payment_first(migrator):
    executor = migrator
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Creditor = old.get_model("ledger", "Creditor")
    Customer = old.get_model("ledger", "Customer")
    Invoice = old.get_model("ledger", "Invoice")
    Plan = old.get_model("collection", "PaymentPlan")
    creditor = Creditor.objects.create(name="A", country="FR", currency="KWD", sender_email="")
    customer = Customer.objects.create(creditor=creditor, code="C1", name="B")
    invoice = Invoice.objects.create(
        creditor=creditor, customer=customer, number="F1", issue_date=date(2026, 1, 1),
        due_date=date(2026, 2, 1), amount=1500, open_amount=1500, currency="KWD",
    )  # fmt: skip
    plan = Plan.objects.create(customer=customer, starts_on=date(2026, 3, 1), instalments=[
        {"date": "2026-03-10", "amount": "0.500"}, {"date": "2026-03-10", "amount": "0.500"},
        {"date": "2026-04-10", "amount": "0.500"},
    ])  # fmt: skip
    plan.invoices.set([invoice])
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    migrated = new.get_model("collection", "PaymentPlan").objects.get(pk=plan.pk)
    assert (migrated.currency, migrated.principal, migrated.status) == ("KWD", 1500, "proposed")
    rows = new.get_model("collection", "PlanInstalment").objects.filter(plan_id=plan.pk)
    assert [(r.number, r.due_date, r.amount, r.down_payment) for r in rows.order_by("number")] == [
        (1, date(2026, 3, 10), 500, True),
        (2, date(2026, 3, 10), 500, False),
        (3, date(2026, 4, 10), 500, False),
    ]
