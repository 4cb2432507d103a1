"""Importing customers, invoices and payments: upsert by natural key, nothing lost.

Rows are read, cleaned (imports.rows), then written in chunks, each chunk one
transaction with its audit events. A rejected row goes to the reject file with its line,
column and reason; the good rows are kept. Importing the same file again finds every
row unchanged and writes nothing.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from relance import audit
from relance.bulk import Inserter, analyze
from relance.core.law import Jurisdiction, Sector, for_country
from relance.core.ledger import OpenItem, allocate, settle
from relance.core.money import format_minor
from relance.imports import rows as layouts
from relance.imports.fields import CellError, Options
from relance.imports.models import ImportRun
from relance.imports.readers import FileError, detect_format, read_table
from relance.ledger import balances
from relance.ledger.models import Allocation, Creditor, Customer, Invoice, Payment
from relance.ledger.services import allocate_payment

CHUNK = 2000
SHOWN_WARNINGS = 20  # warnings of one kind listed one by one; the rest are counted
# A fresh table's statistics are refreshed as it grows (see relance.bulk.analyze).
ANALYZE_AFTER_CHUNKS = frozenset({5, 50, 500})
Progress = Callable[[int], None]


Reject = tuple[int, str | None, str, dict[str, Any]]  # line, column, reason, raw row


@dataclass
class RowError:
    line: int
    column: str | None
    reason: str


@dataclass
class ImportResult:
    file: str
    format: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    reject_file: str | None = None
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dry_run: bool = False
    fec: dict[str, Any] | None = None  # a FEC's counts by kind (see imports.fec)
    einvoice: dict[str, Any] | None = None  # the e-invoice read (see imports.einvoice)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["errors"] = [asdict(e) for e in self.errors]
        return data

    @property
    def ok(self) -> bool:
        return not self.errors

    def keep_rejects(
        self, path: Path, raw_header: list[str], header: list[str], rejects: list[Reject]
    ) -> None:
        self.reject_file = _write_rejects(path, raw_header, header, rejects)
        if self.reject_file is None:
            self.warnings.append(
                f"cannot write {reject_path(path).name}: the rejected rows are only listed here"
            )


class _Reject(Exception):
    def __init__(self, column: str | None, reason: str) -> None:
        self.column = column
        self.reason = reason


def import_file(
    path: Path,
    kind: str,
    *,
    creditor: Creditor,
    actor: str,
    fmt: str | None = None,
    options: Options | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    today: date | None = None,
) -> ImportResult:
    """Import `path` as `kind` (customers, invoices, payments) into `creditor`'s ledger."""
    today = today or timezone.localdate()
    layout = layouts.LAYOUTS[kind]
    options = options or Options(
        default_currency=creditor.currency, default_country=creditor.country
    )
    started = timezone.now()
    path = path.resolve()
    detected = fmt or detect_format(path)
    if detected in ("facturx", "ubl", "cii", "xml"):
        if kind != "invoices":
            error = RowError(0, None, "an e-invoice is imported with `import invoices`")
            return ImportResult(file=str(path), format=detected, errors=[error])
        from relance.imports.einvoice import import_einvoice

        return import_einvoice(
            path, creditor=creditor, actor=actor, options=options, fmt=fmt,
            dry_run=dry_run, today=today,
        )  # fmt: skip
    if detected == "fec":
        if kind != "invoices":
            error = RowError(0, None, "a FEC is imported with `import invoices`")
            return ImportResult(file=str(path), format="fec", errors=[error])
        from relance.imports.fec import import_fec

        return import_fec(
            path, creditor=creditor, actor=actor, options=options, dry_run=dry_run, today=today
        )
    result = ImportResult(file=str(path), dry_run=dry_run)
    try:
        table = read_table(path, fmt)
    except FileError as exc:
        result.errors.append(RowError(0, None, str(exc)))
        return result
    result.format = fmt or ("xlsx" if table.encoding == "xlsx" else "csv")
    rejects: list[tuple[int, str | None, str, dict[str, Any]]] = []

    missing = [c for c in layout.required if c not in table.header]
    unknown = [
        raw
        for raw, c in zip(table.raw_header, table.header, strict=True)
        if c not in layout.columns
    ]
    if unknown:
        result.warnings.append(f"unknown columns ignored: {', '.join(unknown)}")
    if missing:
        for column in missing:
            result.errors.append(RowError(1, column, "required column missing"))
        for line, row in table.rows:
            result.rows += 1
            rejects.append((line, missing[0], "required column missing", row))
        result.rejected = result.rows
        result.keep_rejects(path, table.raw_header, table.header, rejects)
        return result

    importer = _IMPORTERS[kind](creditor, actor, options, set(table.header))
    # Each chunk commits on its own, so a large import interrupted half-way keeps what it
    # wrote and a re-run finds it unchanged; a dry run holds them all and rolls back.
    guard = transaction.atomic() if dry_run else balances.updating(creditor, today)
    with guard as touched:
        if touched is not None:
            importer.touched = touched
        for n, chunk in enumerate(_chunks(table.rows, CHUNK), start=1):
            result.rows += len(chunk)
            with transaction.atomic():
                for line, column, reason, row in importer.write(chunk, result):
                    rejects.append((line, column, reason, row))
                    result.errors.append(RowError(line, column, reason))
            if n in ANALYZE_AFTER_CHUNKS:
                analyze(Invoice, Customer, Payment)
            if progress:
                progress(len(chunk))
        if dry_run:
            transaction.set_rollback(True)
    result.rejected = len(rejects)
    extra = getattr(importer, "past_legal_terms", 0) - SHOWN_WARNINGS
    if extra > 0:
        result.warnings.append(f"and {extra} more invoices past the legal payment terms")
    if result.rows == 0:
        result.warnings.append("the file has a header but no data rows")
    if rejects:
        result.keep_rejects(path, table.raw_header, table.header, rejects)
    if not dry_run:
        ImportRun.objects.create(
            creditor=creditor, kind=kind, format=result.format, filename=str(path), started_at=started,
            sha256=_sha256(path), actor=actor, rows=result.rows, created=result.created,
            updated=result.updated, unchanged=result.unchanged, rejected=result.rejected,
            reject_file=result.reject_file or "", finished_at=timezone.now(),
        )  # fmt: skip
    result.errors.sort(key=lambda e: e.line)
    return result


def _chunks(
    rows: Iterator[tuple[int, dict[str, Any]]], size: int
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    chunk: list[tuple[int, dict[str, Any]]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def reject_path(path: Path) -> Path:
    return path.with_name(f"{path.stem}.rejected.csv")


def _write_rejects(
    path: Path,
    raw_header: list[str],
    header: list[str],
    rejects: list[tuple[int, str | None, str, dict[str, Any]]],
) -> str | None:
    """The rejected rows as they were read, with line, column and reason in front; None
    when the folder cannot be written (the errors are still reported)."""
    target = reject_path(path)
    try:
        with target.open("w", encoding="utf-8", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["line", "column", "reason", *raw_header])
            for line, column, reason, row in sorted(rejects, key=lambda r: r[0]):
                out.writerow(
                    [line, column or "", reason, *(_plain(row.get(c, "")) for c in header)]
                )
    except OSError:
        # A disk that filled up midway leaves part of a file: none is better than a
        # reject file that looks complete.
        if target.is_file():
            with contextlib.suppress(OSError):
                target.unlink()
        return None
    return str(target)


def _plain(value: Any) -> str:
    return "" if value is None else str(value)


class _Importer:
    key_column: str | None = None
    # A payment naming no invoice goes to the oldest open ones; a FEC says by its
    # lettering which it settles, and an unlettered payment stays unapplied.
    allocate_unnamed = True
    # The columns a field is read from, where they are not named alike.
    SOURCES: dict[str, tuple[str, ...]] = {}

    def __init__(self, creditor: Creditor, actor: str, options: Options, header: set[str]) -> None:
        self.creditor = creditor
        self.actor = actor
        self.options = options
        self.header = header
        # customers whose open items the import changed (see ledger.balances)
        self.touched: set[int] = set()
        # natural key -> (line, fingerprint of the cleaned row), for the whole file
        self.seen: dict[str, tuple[int, bytes]] = {}

    def first_seen(self, key: str, line: int, clean: dict[str, Any]) -> bool:
        """True the first time `key` appears; raises when it reappears with other data."""
        fingerprint = hashlib.blake2b(
            json.dumps(clean, sort_keys=True, default=str).encode(), digest_size=16
        ).digest()
        earlier = self.seen.get(key)
        if earlier is None:
            self.seen[key] = (line, fingerprint)
            return True
        if earlier[1] != fingerprint:
            raise _Reject(
                self.key_column, f"{key!r} already on line {earlier[0]} with different data"
            )
        return False

    def write(self, chunk: list[tuple[int, dict[str, Any]]], result: ImportResult) -> list[Reject]:
        raise NotImplementedError

    def clean(
        self, chunk: list[tuple[int, dict[str, Any]]], result: ImportResult, key: str
    ) -> tuple[list[tuple[int, dict[str, Any], dict[str, Any]]], list[Reject]]:
        """The chunk's rows made typed (line, values, raw row), first occurrences only,
        and the rejects; identical repeats of a key count as unchanged."""
        clean, rejects = [], []
        for line, row in chunk:
            try:
                if "__error__" in row:
                    raise _Reject(None, row["__error__"])
                values = self.clean_row(row)
                if self.first_seen(values[key], line, values):
                    clean.append((line, values, row))
                else:
                    result.unchanged += 1
            except (CellError, _Reject) as exc:
                rejects.append((line, exc.column, exc.reason, row))
        return clean, rejects

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def in_file(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The fields the file has columns for: a re-import of a file with fewer columns
        updates those and leaves the others as they are."""
        return {
            name: value
            for name, value in fields.items()
            if any(c in self.header for c in self.SOURCES.get(name, (name,)))
        }


class _CustomerImporter(_Importer):
    key_column = "customer"
    SOURCES = {"code": ("customer",), "scenario_id": ("scenario",)}

    def __init__(self, creditor: Creditor, actor: str, options: Options, header: set[str]) -> None:
        super().__init__(creditor, actor, options, header)
        self.scenarios = dict(creditor.scenarios.values_list("key", "id"))

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return layouts.customer(row, self.options, self.scenarios)

    def write(self, chunk: list[tuple[int, dict[str, Any]]], result: ImportResult) -> list[Reject]:
        clean, rejects = self.clean(chunk, result, "code")
        existing = {
            c.code: c
            for c in Customer.objects.filter(
                creditor=self.creditor, code__in=[v["code"] for _, v, _ in clean]
            )
        }
        new: list[Customer] = []
        changed: list[Customer] = []
        events: list[audit.Event] = []
        fields: set[str] = set()
        now = timezone.now()
        for _line, values, _row in clean:
            current = existing.get(values["code"])
            if current is None:
                new.append(Customer(creditor=self.creditor, **values))
                continue
            diff = audit.changes(current, self.in_file(values))
            if not diff:
                result.unchanged += 1
                continue
            for name in diff:
                setattr(current, name, values[name])
            current.updated_at = now  # bulk_update does not apply auto_now
            fields.update(diff)
            changed.append(current)
            events.append(audit.event(self.actor, "customer.updated", current, {"changes": diff}))
        Customer.objects.bulk_create(new)
        if changed:
            Customer.objects.bulk_update(changed, [*fields, "updated_at"])
        events += [
            audit.event(self.actor, "customer.created", c, {"source": "import"}) for c in new
        ]
        audit.Event.objects.bulk_create(events)
        result.created += len(new)
        result.updated += len(changed)
        return rejects


class _InvoiceImporter(_Importer):
    key_column = "number"
    COMPARED = (
        "customer_id", "kind", "issue_date", "delivery_date", "due_date", "payment_terms",
        "currency", "amount", "amount_excl_tax", "reported_open_amount", "po_number",
        "payment_reference", "contract_rate", "payment_terms_text", "early_discount_percent",
        "early_discount_days",
    )  # fmt: skip
    NEW = ("creditor_id", "number", *COMPARED, "settled_elsewhere", "open_amount", "status")
    SOURCES = {
        "customer_id": ("customer",),
        "kind": ("amount",),
        "due_date": ("due_date", "payment_terms"),
        "reported_open_amount": ("open_amount",),
        "early_discount_percent": ("discount_percent",),
        "early_discount_days": ("discount_days",),
    }

    def clean_row(self, row: dict[str, Any]) -> dict[str, Any]:
        return layouts.invoice(row, self.options)

    past_legal_terms = 0

    @cached_property
    def law(self) -> Jurisdiction:
        return for_country(self.creditor.country)

    def write(self, chunk: list[tuple[int, dict[str, Any]]], result: ImportResult) -> list[Reject]:
        clean, rejects = self.clean(chunk, result, "number")
        customers = self._customers(clean, rejects)
        existing = {
            i.number: i
            for i in Invoice.objects.filter(
                creditor=self.creditor, number__in=[v["number"] for _, v, _ in clean]
            )
        }
        new: list[dict[str, Any]] = []
        changed: list[Invoice] = []
        events: list[tuple[str, int, dict[str, Any]]] = []  # (verb, id, data)
        for line, values, row in clean:
            customer_id, terms, debtor, sector = customers[values["customer_code"]]
            fields = {k: values.get(k) for k in self.COMPARED} | {"customer_id": customer_id}
            if fields["due_date"] is None:
                try:
                    fields["due_date"] = layouts.derive_due_date(
                        values["issue_date"], terms, self.creditor.default_payment_terms
                    )
                except ValueError as exc:
                    rejects.append((line, "payment_terms", str(exc), row))
                    continue
            limit = self.law.term_limit(
                fields["issue_date"], debtor, sector, fields.get("delivery_date")
            )
            if limit is not None and (over := limit.days_over(fields["due_date"])):
                self.past_legal_terms += 1
                if self.past_legal_terms <= SHOWN_WARNINGS:
                    result.warnings.append(
                        f"line {line}: {values['number']} is due {fields['due_date']}, {over} "
                        f"days past the legal limit {limit.latest} ({self.law.code} "
                        f"payment terms, {limit.sector}: {limit.rule}, {limit.basis})"
                    )
            current = existing.get(values["number"])
            if current is None:
                done = settle(fields["amount"], 0, fields["reported_open_amount"])
                new.append(
                    fields
                    | {"creditor_id": self.creditor.pk, "number": values["number"]}
                    | {"settled_elsewhere": done.settled_elsewhere, "open_amount": done.open_amount}
                    | {"status": str(done.status)}
                )
                continue
            diff = audit.changes(current, self.in_file(fields))
            if not diff:
                result.unchanged += 1
                continue
            allocated = current.amount - current.open_amount - current.settled_elsewhere
            if allocated and (conflict := _allocated_conflict(diff, allocated)):
                rejects.append((line, *conflict, row))
                continue
            self.touched.update((current.customer_id, customer_id))
            for name in diff:
                setattr(current, name, fields[name])
            current.updated_at = timezone.now()  # bulk_update does not apply auto_now
            done = settle(current.amount, allocated, current.reported_open_amount)
            current.settled_elsewhere, current.open_amount = (
                done.settled_elsewhere,
                done.open_amount,
            )
            current.status = str(done.status)
            changed.append(current)
            events.append(("invoice.updated", current.pk, {"changes": diff}))
        if changed:
            Invoice.objects.bulk_update(
                changed,
                [*self.COMPARED, "settled_elsewhere", "open_amount", "status", "updated_at"],
            )
        self.touched.update(inv["customer_id"] for inv in new)
        ids = self._insert(new)
        events += [
            ("invoice.created", ids[inv["number"]], {"source": "import", "amount": inv["amount"]})
            for inv in new
        ]
        _insert_events(self.actor, self.creditor.pk, "invoice", events)
        result.created += len(new)
        result.updated += len(changed)
        return rejects

    def _insert(self, new: list[dict[str, Any]]) -> dict[str, int]:
        """Write the new invoices (the hot path of a large import); their ids by number."""
        if not new:
            return {}
        Inserter(Invoice, self.NEW).insert(tuple(inv[f] for f in self.NEW) for inv in new)
        numbers = [inv["number"] for inv in new]
        found = Invoice.objects.filter(creditor=self.creditor, number__in=numbers)
        return dict(found.values_list("number", "id"))

    def _customers(
        self, clean: list[tuple[int, dict[str, Any], dict[str, Any]]], rejects: list[Reject]
    ) -> dict[str, tuple[int, str, str, Sector]]:
        """(id, payment terms) of the chunk's customers, creating those named by
        `customer_name`; rows for an unknown customer without a name are rejected."""
        codes = {v["customer_code"] for _, v, _ in clean}
        found = {
            code: (pk, terms, kind, Sector(sector or self.creditor.sector))
            for pk, code, terms, kind, sector in Customer.objects.filter(
                creditor=self.creditor, code__in=codes
            ).values_list("id", "code", "payment_terms", "kind", "sector")
        }
        for line, values, row in list(clean):
            code = values["customer_code"]
            if code in found:
                continue
            if not values["customer_name"]:
                reason = f"unknown customer {code!r}: import it first or give customer_name"
                rejects.append((line, "customer", reason, row))
                clean.remove((line, values, row))
                # A repeat of this row further on is rejected too, not counted unchanged.
                self.seen.pop(values["number"], None)
                continue
            cust = Customer.objects.create(
                creditor=self.creditor,
                code=code,
                name=values["customer_name"],
                country=self.options.default_country,
            )
            audit.record(self.actor, "customer.created", cust, {"source": "invoice import"})
            found[code] = (cust.pk, "", cust.kind, Sector(self.creditor.sector))
        return found


def _allocated_conflict(diff: dict[str, list[Any]], allocated: int) -> tuple[str, str] | None:
    """(column, reason) when a change would contradict the payments already allocated."""
    for name, column in (("customer_id", "customer"), ("currency", "currency"), ("kind", "kind")):
        if name in diff:
            return column, f"cannot change the {column}: payments are already allocated"
    if "amount" in diff and abs(diff["amount"][1]) < abs(allocated):
        return "amount", "is less than the payments already allocated to the invoice"
    return None


_EVENT_FIELDS = ("actor", "creditor_id", "verb", "subject_type", "subject_id", "data")


def _insert_events(
    actor: str, creditor_id: int, subject_type: str, events: list[tuple[str, int, dict[str, Any]]]
) -> None:
    """Audit events of a large write, inserted in bulk (the same rows audit.record writes)."""
    Inserter(audit.Event, _EVENT_FIELDS).insert(
        (actor, creditor_id, verb, subject_type, pk, json.dumps(data, cls=DjangoJSONEncoder))
        for verb, pk, data in events
    )


class _PaymentImporter(_Importer):
    def write(self, chunk: list[tuple[int, dict[str, Any]]], result: ImportResult) -> list[Reject]:
        rejects: list[Reject] = []
        for line, row in chunk:
            try:
                if "__error__" in row:
                    raise _Reject(None, row["__error__"])
                values = layouts.payment(row, self.options)
                key = self._key(values)
                existing = Payment.objects.filter(creditor=self.creditor, key=key).first()
                if existing is not None:
                    self._same_payment(existing, values)
                    result.unchanged += 1
                    continue
                self._create(key, values)
                result.created += 1
            except (CellError, _Reject) as exc:
                rejects.append((line, exc.column, exc.reason, row))
        return rejects

    def _key(self, values: dict[str, Any]) -> str:
        """The payment's natural key: its bank reference, date, amount and currency, or
        without a reference a fingerprint of the whole row. The same key twice in one
        file is two payments (two equal transfers on one day), told apart by an ordinal."""
        identity = (
            [values["reference"], values["date"], values["amount"], values["currency"]]
            if values["reference"]
            else values
        )
        text = json.dumps(identity, sort_keys=True, default=str)
        base = hashlib.sha256(text.encode()).hexdigest()[:32]
        n = self.seen.get(base, (0, b""))[0] + 1
        self.seen[base] = (n, b"")
        return f"{base}-{n}"

    def _same_payment(self, existing: Payment, values: dict[str, Any]) -> None:
        """A payment already imported may come back with more details, never another payer."""
        code = values["customer_code"]
        if code and (existing.customer is None or existing.customer.code != code):
            payer = existing.customer.code if existing.customer else "no customer"
            raise _Reject("customer", f"payment already imported for {payer} on {existing.date}")

    def _create(self, key: str, values: dict[str, Any]) -> None:
        invoices = {
            i.number: i
            for i in Invoice.objects.filter(
                creditor=self.creditor, number__in=values["hints"]
            ).select_related("customer")
        }
        unknown = [n for n in values["hints"] if n not in invoices]
        if unknown:
            raise _Reject("invoices", f"unknown invoice {unknown[0]!r}")
        cust: Customer | None = None
        if values["customer_code"]:
            cust = Customer.objects.filter(
                creditor=self.creditor, code=values["customer_code"]
            ).first()
            if cust is None:
                raise _Reject("customer", f"unknown customer {values['customer_code']!r}")
        elif invoices:
            owners = {i.customer for i in invoices.values()}
            if len(owners) > 1:
                raise _Reject("invoices", "the invoices belong to several customers; give customer")
            cust = owners.pop()
        for inv in invoices.values():
            if cust and inv.customer_id != cust.pk:
                raise _Reject("invoices", f"invoice {inv.number!r} is not {cust.code}'s")
            if inv.currency != values["currency"]:
                raise _Reject("invoices", f"invoice {inv.number!r} is in {inv.currency}")
        payment = Payment.objects.create(
            creditor=self.creditor,
            customer=cust,
            key=key,
            date=values["date"],
            amount=values["amount"],
            currency=values["currency"],
            reference=values["reference"],
            method=values["method"],
            unapplied=values["amount"],
        )
        audit.record(
            self.actor,
            "payment.created",
            payment,
            {
                "amount": format_minor(payment.amount, payment.currency),
                "currency": payment.currency,
            },
        )
        if cust is not None and (values["hints"] or self.allocate_unnamed):
            apply_payment(payment, hints=values["hints"], actor=self.actor)
            self.touched.add(cust.pk)


def apply_payment(payment: Payment, *, hints: list[str], actor: str) -> list[Allocation]:
    """Allocate what is unapplied of `payment` to its customer's open items (core.allocate)."""
    candidates = Invoice.objects.select_for_update().filter(
        customer_id=payment.customer_id, currency=payment.currency, open_amount__gt=0
    )
    if hints:
        candidates = candidates.filter(number__in=hints)
    by_number = {i.number: i for i in candidates}
    items = [OpenItem(i.number, i.due_date, i.open_amount) for i in by_number.values()]
    parts = allocate(payment.unapplied, items, hints)
    return allocate_payment(payment, parts, actor=actor)


_IMPORTERS: dict[str, type[_Importer]] = {
    "customers": _CustomerImporter,
    "invoices": _InvoiceImporter,
    "payments": _PaymentImporter,
}
