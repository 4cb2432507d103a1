"""The receivables' flows, kept by the database as the ledger is written.

A flow is an amount added to what customers owe from a date on (core.indicators.Flow):
an invoice or a credit note from its issue date, less what was allocated, written off,
settled elsewhere or paid on account from the date it was. Summed per currency, start
and due date, the whole history of a million-invoice ledger is a few tens of thousands
of rows, from which the receivables of any date and the credit sales of any period
come in milliseconds (the DSO, its trend, the CEI). Summing them from the ledger itself
took seconds (bench/README.md).

Triggers keep the `ledger_flow` table: every insert, update or delete of an invoice, a
payment or an allocation adds the difference it makes, whatever wrote it (a service, a
bulk import, COPY, a raw UPDATE in a test), in the writer's own transaction. So the
table is right after every statement, with no writer to remember it. The rows are
deltas, appended without locking anything another writer needs; `compact` sums them
up again (after large writes and once a day, with the customers' balances).

The triggers are written once as SELECTs over a relation of changed rows: SQLite's are
row triggers over `NEW` and `OLD`, PostgreSQL's statement triggers over the transition
tables, which turn a COPY of 2,000 invoices into one grouped insert. The table has no
index: most writes append to it, and what it holds, summed up, is small. What they add up
to is tested against `history` (the same flows read from the ledger) after every kind
of write (tests/reports/test_flows.py). The triggers are created by a migration from
this module: a change to them needs a new migration that drops and creates them again
(`uninstall`, `install`) and rebuilds the table.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from relance.core.indicators import Flow

INVOICE = ("id", "creditor_id", "currency", "kind", "issue_date", "due_date", "amount",
           "settled_elsewhere", "written_off", "written_off_on")  # fmt: skip
ALLOCATION = ("id", "invoice_id", "credit_note_id", "payment_id", "date", "amount")
PAYMENT = ("id", "creditor_id", "customer_id", "currency", "date", "unapplied")
# The columns whose change changes the row's own flows, and those the flows of the
# allocations that point to the row read.
INVOICE_OWN = INVOICE[1:]
INVOICE_LINKED = ("creditor_id", "currency", "kind", "issue_date", "due_date")
PAYMENT_OWN = PAYMENT[1:]
PAYMENT_LINKED = ("creditor_id", "customer_id", "currency", "date")
NO_DUE = "CAST(NULL AS DATE)"  # typed, or PostgreSQL takes a lone NULL for text


def _later(a: str, b: str) -> str:
    return f"CASE WHEN {a} > {b} THEN {a} ELSE {b} END"


def _select(creditor: str, currency: str, sale: str, start: str, due: str, amount: str) -> str:
    # Named, since the first SELECT of a UNION names its columns.
    return (
        f"SELECT {creditor} AS creditor_id, {currency} AS currency, {sale} AS sale, "
        f"{start} AS start, {due} AS due, {amount} AS amount"
    )


def _invoice(r: str, sign: int) -> list[str]:
    """An invoice's or credit note's flows: its amount from its issue date (a sale when
    an invoice), less what was settled elsewhere from its due date (an accounting export
    said so, undated: relance.law.interest counts it so too) and written off."""
    due = "CASE WHEN r.kind = 'invoice' THEN r.due_date END"
    return [
        _select(
            "r.creditor_id",
            "r.currency",
            "r.kind = 'invoice'",
            "r.issue_date",
            due,
            f"{sign} * r.amount",
        )
        + f" FROM {r} r",
        _select(
            "r.creditor_id",
            "r.currency",
            "FALSE",
            _later("r.due_date", "r.issue_date"),
            due,
            f"{-sign} * r.settled_elsewhere",
        )
        + f" FROM {r} r WHERE r.settled_elsewhere <> 0",
        _select(
            "r.creditor_id",
            "r.currency",
            "FALSE",
            _later("r.written_off_on", "r.issue_date"),
            due,
            f"{-sign} * r.written_off",
        )
        + f" FROM {r} r WHERE r.written_off <> 0",
    ]


def _allocated(a: str, i: str, sign: int) -> list[str]:
    """What an allocation takes off the invoice it settles, from its date (not before
    the invoice's); when dated after the due date it never touched the part not yet
    due, and leaving the due date out lets a day's late payments group together."""
    due = "CASE WHEN i.kind = 'invoice' AND a.date <= i.due_date THEN i.due_date END"
    return [
        _select(
            "i.creditor_id",
            "i.currency",
            "FALSE",
            _later("a.date", "i.issue_date"),
            due,
            f"{-sign} * a.amount",
        )
        + f" FROM {a} a JOIN {i} i ON i.id = a.invoice_id"
    ]


def _credited(a: str, c: str, sign: int) -> list[str]:
    """What an allocation takes off the credit note it spends (a credit is negative)."""
    return [
        _select(
            "c.creditor_id",
            "c.currency",
            "FALSE",
            _later("a.date", "c.issue_date"),
            NO_DUE,
            f"{sign} * a.amount",
        )
        + f" FROM {a} a JOIN {c} c ON c.id = a.credit_note_id"
    ]


def _paid(a: str, p: str, sign: int) -> list[str]:
    """A payment counts on account from its date: an allocation dated later was on
    account in between (the payment's own flow holds only what is unapplied today)."""
    join = (
        f"FROM {a} a JOIN {p} p ON p.id = a.payment_id "
        "WHERE p.customer_id IS NOT NULL AND a.date > p.date"
    )
    return [
        _select("p.creditor_id", "p.currency", "FALSE", "p.date", NO_DUE, f"{-sign} * a.amount")
        + f" {join}",
        _select("p.creditor_id", "p.currency", "FALSE", "a.date", NO_DUE, f"{sign} * a.amount")
        + f" {join}",
    ]


def _payment(p: str, sign: int) -> list[str]:
    """A payment of a known customer holds what it has unapplied on account."""
    return [
        _select("p.creditor_id", "p.currency", "FALSE", "p.date", NO_DUE, f"{-sign} * p.unapplied")
        + f" FROM {p} p WHERE p.customer_id IS NOT NULL AND p.unapplied <> 0"
    ]


def _grouped(selects: list[str]) -> str:
    union = "\n    UNION ALL ".join(selects)
    return (
        "SELECT f.creditor_id, f.currency, f.sale, f.start, f.due, SUM(f.amount) FROM (\n"
        f"    {union}\n"
        ") f\n"
        "GROUP BY f.creditor_id, f.currency, f.sale, f.start, f.due HAVING SUM(f.amount) <> 0"
    )


INSERT = "INSERT INTO ledger_flow (creditor_id, currency, sale, start, due, amount)\n"


def _insert(selects: list[str]) -> str:
    return INSERT + _grouped(selects)


Build = Callable[[str, str], list[str]]


# What each write adds, as (table, event, columns whose change matters on UPDATE,
# the flows' SELECTs over the old and new relations).
def _effects() -> list[tuple[str, str, tuple[str, ...], Build]]:
    inv, alloc, pay = "ledger_invoice", "ledger_allocation", "ledger_payment"
    return [
        (inv, "INSERT", (), lambda old, new: _invoice(new, 1)),
        (inv, "DELETE", (), lambda old, new: _invoice(old, -1)),
        (inv, "UPDATE", INVOICE_OWN, lambda old, new: _invoice(old, -1) + _invoice(new, 1)),
        (inv, "UPDATE", INVOICE_LINKED, lambda old, new: (
            _allocated(alloc, old, -1) + _allocated(alloc, new, 1)
            + _credited(alloc, old, -1) + _credited(alloc, new, 1))),
        (alloc, "INSERT", (), lambda old, new: (
            _allocated(new, inv, 1) + _credited(new, inv, 1) + _paid(new, pay, 1))),
        (alloc, "DELETE", (), lambda old, new: (
            _allocated(old, inv, -1) + _credited(old, inv, -1) + _paid(old, pay, -1))),
        (alloc, "UPDATE", ALLOCATION[1:], lambda old, new: (
            _allocated(old, inv, -1) + _credited(old, inv, -1) + _paid(old, pay, -1)
            + _allocated(new, inv, 1) + _credited(new, inv, 1) + _paid(new, pay, 1))),
        (pay, "INSERT", (), lambda old, new: _payment(new, 1)),
        (pay, "DELETE", (), lambda old, new: _payment(old, -1)),
        (pay, "UPDATE", PAYMENT_OWN, lambda old, new: _payment(old, -1) + _payment(new, 1)),
        (pay, "UPDATE", PAYMENT_LINKED,
         lambda old, new: _paid(alloc, old, -1) + _paid(alloc, new, 1)),
    ]  # fmt: skip


COLUMNS = {"ledger_invoice": INVOICE, "ledger_allocation": ALLOCATION, "ledger_payment": PAYMENT}


def _sqlite_row(alias: str, table: str) -> str:
    """The OLD or NEW row of a SQLite row trigger as a one-row relation."""
    return "(SELECT " + ", ".join(f"{alias}.{c} AS {c}" for c in COLUMNS[table]) + ")"


def _changed(columns: tuple[str, ...], old: str, new: str, vendor: str) -> str:
    if vendor == "sqlite":
        return " OR ".join(f"{old}.{c} IS NOT {new}.{c}" for c in columns)
    pairs = ", ".join(f"{{0}}.{c}" for c in columns)
    return f"({pairs.format(old)}) IS DISTINCT FROM ({pairs.format(new)})"


def _name(table: str, event: str, index: int) -> str:
    return f"{table}_flow_{event.lower()}_{index}"


def install_sql(vendor: str) -> list[str]:
    """The statements that create the triggers on `vendor` (sqlite or postgresql)."""
    statements = []
    for index, (table, event, columns, build) in enumerate(_effects()):
        name = _name(table, event, index)
        if vendor == "sqlite":
            old, new = _sqlite_row("OLD", table), _sqlite_row("NEW", table)
            when = f"WHEN {_changed(columns, 'OLD', 'NEW', vendor)}" if columns else ""
            body = _insert(build(old, new))
            statements.append(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW {when}\n"
                f"BEGIN\n{body};\nEND"
            )
            continue
        # Rows whose listed columns changed, before and after the statement.
        changed = _changed(columns, "o", "n", vendor)
        old = f"(SELECT o.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed})"
        new = f"(SELECT n.* FROM old_rows o JOIN new_rows n ON n.id = o.id WHERE {changed})"
        if not columns:
            old, new = "old_rows", "new_rows"
        body = _insert(build(old, new))
        referencing = {
            "INSERT": "NEW TABLE AS new_rows",
            "DELETE": "OLD TABLE AS old_rows",
            "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        }[event]
        statements += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body};\nRETURN NULL;\nEND $$",
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}\n"
            f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
        ]
    return statements


def drop_sql(vendor: str) -> list[str]:
    statements = []
    for index, (table, event, _columns, _build) in enumerate(_effects()):
        name = _name(table, event, index)
        if vendor == "sqlite":
            statements.append(f"DROP TRIGGER IF EXISTS {name}")
        else:
            statements += [
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"DROP FUNCTION IF EXISTS {name}()",
            ]
    return statements


def install(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in install_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def uninstall(schema_editor: BaseDatabaseSchemaEditor) -> None:
    for statement in drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def _history() -> list[str]:
    inv, alloc, pay = "ledger_invoice", "ledger_allocation", "ledger_payment"
    return (_invoice(inv, 1) + _allocated(alloc, inv, 1) + _credited(alloc, inv, 1)
            + _paid(alloc, pay, 1) + _payment(pay, 1))  # fmt: skip


def history_sql() -> str:
    """Every flow of the ledger as it stands, read from the ledger itself, into the
    table: how `rebuild` starts it afresh."""
    return _insert(_history())


def history(creditor_id: int) -> list[tuple[str, bool, date, date | None, int]]:
    """The creditor's flows summed from the ledger itself, as `sums` gives them from
    the table: what the triggers' rows must add up to (tests/reports/test_flows.py)."""
    sql = f"SELECT * FROM ({_grouped(_history())}) h WHERE h.creditor_id = %s"
    with connection.cursor() as cursor:
        cursor.execute(sql, [creditor_id])
        return sorted((_row(row[1:]) for row in cursor.fetchall()), key=_order)


def sums(creditor_id: int) -> list[tuple[str, bool, date, date | None, int]]:
    """The table's rows of the creditor summed per currency, kind, start and due date."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT currency, sale, start, due, SUM(amount) FROM ledger_flow "
            "WHERE creditor_id = %s GROUP BY currency, sale, start, due "
            "HAVING SUM(amount) <> 0",
            [creditor_id],
        )
        return sorted((_row(row) for row in cursor.fetchall()), key=_order)


def as_date(value: Any) -> date:
    """A date read by a raw query: SQLite gives it as text."""
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _order(row: tuple[str, bool, date, date | None, int]) -> tuple[Any, ...]:
    return (*row[:3], row[3] or date.min, row[4])


def _row(row: tuple[Any, ...]) -> tuple[str, bool, date, date | None, int]:
    currency, sale, start, due, amount = row
    return currency, bool(sale), as_date(start), as_date(due) if due else None, int(amount)


@contextmanager
def paused() -> Iterator[None]:
    """Without the triggers, then with them back and the table rebuilt: for a writer
    that replaces the whole ledger (a restore), whose flows the triggers would only write
    to throw away. Inside the caller's transaction, so that a failure brings the
    triggers back with the rollback, and no other writer goes by meanwhile."""
    if not connection.in_atomic_block:
        raise RuntimeError("flows.paused() needs a transaction")
    with connection.cursor() as cursor:
        for statement in drop_sql(connection.vendor):
            cursor.execute(statement)
    yield
    with connection.cursor() as cursor:
        for statement in install_sql(connection.vendor):
            cursor.execute(statement)
    rebuild()


def rebuild() -> None:
    """The table afresh from the ledger, for every creditor (after a restore, which
    loads the tables in any order, and when the triggers are first installed)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_flow")
        cursor.execute(history_sql())


def compact(creditor_id: int) -> int:
    """Sum the creditor's rows up again, one per currency, kind, start and due date, in
    the database. Returns how many rows are left."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Exactly the rows this statement deleted are summed: a row that another
            # transaction writes meanwhile stays as it is.
            cursor.execute(
                "WITH gone AS (DELETE FROM ledger_flow WHERE creditor_id = %s RETURNING *) "
                + _insert(["SELECT * FROM gone"]),
                [creditor_id],
            )
        else:
            # SQLite's transactions here take the write lock as they begin (config.py:
            # IMMEDIATE), so no row can come in between these statements.
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM ledger_flow")
            (last,) = cursor.fetchone()
            mine = f"FROM ledger_flow WHERE creditor_id = %s AND id <= {int(last)}"
            cursor.execute(_insert([f"SELECT * {mine}"]), [creditor_id])
            cursor.execute(f"DELETE {mine}", [creditor_id])
        cursor.execute("SELECT COUNT(*) FROM ledger_flow WHERE creditor_id = %s", [creditor_id])
        (left,) = cursor.fetchone()
    return int(left)


def read(creditor_id: int) -> tuple[list[Flow], dict[str, dict[date, int]]]:
    """The creditor's flows, and its credit sales per currency and day."""
    found: list[Flow] = []
    sales: dict[str, dict[date, int]] = defaultdict(dict)
    for currency, sale, start, due, amount in sums(creditor_id):
        found.append(Flow(currency, start, due, amount))
        if sale:
            daily = sales[currency]
            daily[start] = daily.get(start, 0) + amount
    return found, sales
