"""Importing a bank statement file: read it with the core's readers, store each
statement and each new line, in one transaction with its audit event.

De-duplication: each line gets a fingerprint of what the bank says of it (account,
dates, amount, references, counterparty, text) and of its rank among identical lines
of the same file (two equal transfers on the same day are two payments). The
fingerprint is unique per creditor, so an entry already imported - from this file or
from another one that repeats it - creates nothing and counts as a duplicate.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from relance import audit
from relance.bank.matching import match_lines
from relance.bank.models import BankStatement, StatementLine
from relance.core import readers
from relance.core.errors import DomainError
from relance.core.money import format_minor
from relance.core.statements import Entry, Statement
from relance.ledger.models import Creditor


@dataclass
class StatementImport:
    file: str
    format: str
    statements: list[Statement]
    created: int = 0
    duplicates: int = 0
    matched: int = 0
    warnings: list[str] = field(default_factory=list)


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _entry_key(account: str, e: Entry) -> str:
    return _digest(
        account,
        e.booked,
        e.value_date,
        e.amount,
        e.currency,
        e.bank_reference,
        e.end_to_end_id,
        e.reference,
        e.counterparty_iban,
        e.text,
        e.return_reason,
    )


def read_file(path: Path, fmt: str | None = None) -> tuple[str, list[Statement], bytes]:
    """The format and statements of a file; a DomainError naming the file otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DomainError(f"{path}: {exc.strerror}") from None
    fmt = fmt or readers.detect(data, path.name)
    try:
        return fmt, readers.read(data, fmt), data
    except DomainError as exc:
        raise DomainError(f"{path.name}: {exc}") from None


@transaction.atomic
def import_statement(
    path: Path, creditor: Creditor, actor: str, fmt: str | None = None
) -> StatementImport:
    fmt, statements, data = read_file(path, fmt)
    result = StatementImport(file=path.name, format=fmt, statements=statements)
    sha = hashlib.sha256(data).hexdigest()
    seen: Counter[str] = Counter()
    for s in statements:
        if s.balanced is False:
            assert s.opening is not None
            assert s.closing is not None
            opening, closing, movements = (
                format_minor(v, s.currency) for v in (s.opening, s.closing, s.movements)
            )
            result.warnings.append(
                f"{path.name}: statement {s.bank_id or s.account} does not balance: opening "
                f"{opening} + movements {movements} != closing {closing} {s.currency}"
            )
        keys = []
        for e in s.entries:
            key = _entry_key(s.account, e)
            seen[key] += 1
            keys.append(_digest(key, seen[key]))
        existing = set(
            StatementLine.objects.filter(creditor=creditor, fingerprint__in=keys).values_list(
                "fingerprint", flat=True
            )
        )
        statement_print = _digest(
            s.account, s.currency, s.opening, s.closing, s.start, s.end, s.bank_id, *keys
        )
        new = [(k, e) for k, e in zip(keys, s.entries, strict=True) if k not in existing]
        result.duplicates += len(keys) - len(new)
        if not new and (
            s.entries
            or BankStatement.objects.filter(creditor=creditor, fingerprint=statement_print).exists()
        ):
            continue
        stmt = BankStatement.objects.create(
            creditor=creditor,
            account=s.account,
            currency=s.currency,
            opening=s.opening,
            closing=s.closing,
            start=s.start,
            end=s.end,
            bank_id=s.bank_id,
            format=fmt,
            filename=path.name,
            sha256=sha,
            balanced=s.balanced,
            fingerprint=statement_print,
        )
        StatementLine.objects.bulk_create(
            StatementLine(
                creditor=creditor,
                statement=stmt,
                fingerprint=k,
                booked=e.booked,
                value_date=e.value_date,
                amount=e.amount,
                currency=e.currency,
                reference=e.reference,
                end_to_end_id=e.end_to_end_id,
                counterparty_name=e.counterparty_name,
                counterparty_iban=e.counterparty_iban,
                text=e.text,
                bank_reference=e.bank_reference,
                return_reason=e.return_reason,
                batch=e.batch,
            )
            for k, e in new
        )
        result.created += len(new)
    audit.record(
        actor,
        "bank_statement.imported",
        creditor,
        {
            "file": path.name,
            "sha256": sha,
            "format": fmt,
            "statements": len(statements),
            "created": result.created,
            "duplicates": result.duplicates,
        },
        creditor_id=creditor.pk,
    )
    # The new lines (and those still unmatched) are matched at once: see bank.matching.
    result.matched = match_lines(creditor, actor=actor, today=timezone.localdate()).matched
    return result


def result_json(result: StatementImport) -> dict[str, object]:
    """The `relance import statement --json` document."""

    def amount(minor: int | None, currency: str) -> str | None:
        return None if minor is None else format_minor(minor, currency)

    return {
        "file": result.file,
        "format": result.format,
        "statements": [
            {
                "account": s.account,
                "currency": s.currency,
                "opening": amount(s.opening, s.currency),
                "closing": amount(s.closing, s.currency),
                "entries": len(s.entries),
                "balanced": s.balanced,
            }
            for s in result.statements
        ],
        "created": result.created,
        "duplicates": result.duplicates,
        "matched": result.matched,
    }
