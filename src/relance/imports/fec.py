"""Importing a FEC: its customers, invoices and payments through the same importers as
the CSV files, its lettering turned into allocations (the decisions: relance.core.fec).

Each FEC line becomes a row of the canonical layout (customers, invoices, payments); the
rows go through the importers of relance.imports.services, so natural keys, audit events,
rejects and re-imports behave as for a CSV. A payment names the invoices of its letter,
oldest first, so it is allocated to exactly those.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from relance.core import fec
from relance.core.errors import DomainError
from relance.imports import services as s
from relance.imports.fields import Options
from relance.imports.models import ImportRun
from relance.ledger import balances
from relance.ledger.models import Allocation, Creditor, Invoice
from relance.ledger.services import apply_credit_note


def import_fec(
    path: Path,
    *,
    creditor: Creditor,
    actor: str,
    options: Options,
    dry_run: bool = False,
    today: date | None = None,
) -> s.ImportResult:
    today = today or timezone.localdate()
    started = timezone.now()
    result = s.ImportResult(file=str(path), format="fec", dry_run=dry_run)
    try:
        table = fec.parse(*fec.decode(path.read_bytes()))
    except (OSError, fec.FecFileError) as exc:
        result.errors.append(s.RowError(0, None, f"{path.name}: {exc}"))
        return result
    plan = fec.plan(table.entries)
    hints = fec.lettered_invoices(plan.invoices, plan.payments, plan.others, plan.opening_lines)
    # The FEC's amounts are already plain decimals once read; dates are typed.
    options = replace(options, decimal_comma=False, date_format=None)
    rejects: list[s.Reject] = [
        (e.line, e.column, e.reason, table.raw.get(e.line, {})) for e in table.errors
    ]
    counts: dict[str, Any] = {}
    rows = (
        ("customers", {"customer", "name"}, [
            (line, {"customer": code, "name": name})
            for code, (line, name) in plan.customers.items()
        ]),
        ("invoices", {"number", "customer", "issue_date", "amount", "customer_name"}, [
            (e.line, _invoice_row(e)) for e in plan.invoices
        ]),
        ("payments", {"date", "amount", "customer", "reference", "invoices", "method"}, [
            (e.line, _payment_row(e, hints.get(e.line, []))) for e in plan.payments
        ]),
    )  # fmt: skip
    guard = transaction.atomic() if dry_run else balances.updating(creditor, today)
    with guard as touched:
        allocations_before = Allocation.objects.filter(payment__creditor=creditor).count()
        for kind, header, kind_rows in rows:
            part = s.ImportResult(file=str(path))
            importer = s._IMPORTERS[kind](creditor, actor, options, header)
            if touched is not None:
                importer.touched = touched
            importer.allocate_unnamed = False  # unlettered payments stay unapplied
            for chunk in s._chunks(iter(kind_rows), s.CHUNK):
                part.rows += len(chunk)
                with transaction.atomic():
                    for line, column, reason, _row in importer.write(chunk, part):
                        rejects.append((line, column, reason, table.raw.get(line, {})))
            counts[kind] = {"created": part.created, "updated": part.updated,
                            "unchanged": part.unchanged}  # fmt: skip
            if kind == "invoices":  # credit notes settle their invoices before money does
                counts["credit_allocations"] = _apply_credit_notes(
                    creditor, fec.credit_lettering(plan.invoices), actor, touched
                )
            result.rows += part.rows
            result.created += part.created
            result.updated += part.updated
            result.unchanged += part.unchanged
            result.warnings += part.warnings
        counts["allocations"] = (
            Allocation.objects.filter(payment__creditor=creditor).count() - allocations_before
        )
        if dry_run:
            transaction.set_rollback(True)
    counts["skipped"] = plan.skipped
    counts["opening"] = plan.opening
    result.fec = counts
    result.warnings.append(
        "the FEC has no due dates: each invoice is due by its customer's payment terms, "
        f"else the default terms ({creditor.default_payment_terms})"
    )
    if plan.skipped:
        result.warnings.append(
            f"{plan.skipped} lines on customer accounts are neither a sale, an opening balance "
            "nor money received (refunds, miscellaneous entries): not imported"
        )
    result.errors = sorted(
        (s.RowError(line, column, reason) for line, column, reason, _ in rejects),
        key=lambda e: e.line,
    )
    result.rejected = len(rejects)
    if rejects:
        result.keep_rejects(path, list(fec.COLUMNS), list(fec.COLUMNS), rejects)
    if not dry_run:
        ImportRun.objects.create(
            creditor=creditor, kind="invoices", format="fec", filename=str(path),
            started_at=started, sha256=s._sha256(path), actor=actor, rows=result.rows,
            created=result.created, updated=result.updated, unchanged=result.unchanged,
            rejected=result.rejected, reject_file=result.reject_file or "",
            finished_at=timezone.now(),
        )  # fmt: skip
    return result


def _apply_credit_notes(
    creditor: Creditor, lettering: list[tuple[str, str, int]], actor: str, touched: set[int] | None
) -> int:
    """Apply each lettered credit note to the invoices of its letter (once: a credit note
    already applied is left as it is, so a re-import changes nothing)."""
    numbers = {n for note, invoice, _ in lettering for n in (note, invoice)}
    by_number = {i.number: i for i in Invoice.objects.filter(creditor=creditor, number__in=numbers)}
    applied = set(
        Allocation.objects.filter(credit_note__in=[i.pk for i in by_number.values()]).values_list(
            "credit_note__number", flat=True
        )
    )
    made = 0
    for note_number, number, cents in lettering:
        note, invoice = by_number.get(note_number), by_number.get(number)
        if note is None or invoice is None or note_number in applied:
            continue  # rejected lines, or applied by an earlier import
        try:
            amount = apply_credit_note(
                note, invoice, on=note.issue_date, actor=actor, at_most=cents
            )
        except DomainError:
            continue  # lettered with another customer's invoice: left unapplied
        if amount and touched is not None:
            touched.add(invoice.customer_id)
        made += bool(amount)
    return made


def _invoice_row(e: fec.Entry) -> dict[str, Any]:
    code, name = e.customer
    return {
        "number": e.piece_ref,
        "customer": code,
        "customer_name": name,
        "issue_date": fec.issue_date(e),
        "amount": str(e.debit - e.credit),
    }


def _payment_row(e: fec.Entry, invoices: list[str]) -> dict[str, Any]:
    # The reference carries the line's fingerprint: the payment's natural key, the same
    # when the file is imported again (even lettered since).
    return {
        "date": e.booked,
        "amount": str(e.credit - e.debit),
        "customer": e.customer[0],
        "reference": f"FEC {e.journal} {e.number} {e.piece_ref} #{e.fingerprint}",
        "invoices": ";".join(invoices),
        "method": "",
    }
