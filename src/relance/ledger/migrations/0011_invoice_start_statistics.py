"""Statistics on the invoices' start (delivery, or else invoice date) for PostgreSQL.

Without them PostgreSQL guesses that a third of the open invoices started before any
date, so the worklist's prescription query (index invoice_open_start) was planned for
tens of thousands of rows: a hash join over every customer, or a JIT compilation longer
than the query. SQLite has no such object and plans these queries well without.
"""

from django.db import migrations

STATISTICS = "invoice_start"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} "
            "ON (COALESCE(delivery_date, issue_date)) FROM ledger_invoice"
        )
        schema_editor.execute("ANALYZE ledger_invoice")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0010_worklist_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
