"""The migration to fixed dispute reasons keeps what was typed before."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("collection", "0004_step_penalties_statement"), ("ledger", "0002_creditor_sender_email")]
AFTER = [("collection", "0005_disputes_promises_reasons"), ("ledger", "0004_invoice_written_off")]


@pytest.mark.django_db(transaction=True)
def test_free_text_dispute_reasons_become_the_fixed_list():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    creditor = old.get_model("ledger", "Creditor").objects.create(name="A", currency="EUR")
    customer = old.get_model("ledger", "Customer").objects.create(
        creditor=creditor, code="C1", name="C1"
    )
    Invoice = old.get_model("ledger", "Invoice")
    Dispute = old.get_model("collection", "Dispute")
    typed = {"F1": "Quantité livrée inférieure", "F2": "prix", "F3": "le client râle"}
    for number, reason in typed.items():
        invoice = Invoice.objects.create(
            creditor=creditor, customer=customer, number=number, issue_date=date(2026, 1, 1),
            due_date=date(2026, 2, 1), amount=10000, open_amount=10000, status="open",
        )  # fmt: skip
        closed = date(2026, 3, 10) if number == "F3" else None
        Dispute.objects.create(invoice=invoice, reason=reason, opened_on=date(2026, 3, 1),
                               closed_on=closed)  # fmt: skip
    promise = old.get_model("collection", "Promise").objects.create(
        customer=customer, promised_date=date(2026, 3, 20), recorded_on=date(2026, 3, 1)
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    rows = new.get_model("collection", "Dispute").objects.order_by("invoice__number")
    assert [(d.reason, d.description, d.status, d.due_on) for d in rows] == [
        ("quantity", typed["F1"], "open", date(2026, 3, 31)),
        ("price", "prix", "open", date(2026, 3, 31)),
        ("other", typed["F3"], "withdrawn", date(2026, 3, 31)),
    ]
    migrated = new.get_model("collection", "Promise").objects.get(pk=promise.pk)
    # Its target: what the customer's items due by the promised date owed.
    assert (migrated.status, migrated.currency, migrated.owed) == ("open", "EUR", 30000)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
