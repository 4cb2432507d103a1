"""Measuring matching against known answers through the real shell (imports, statement
import, bank.matching): used by bench/matching.py and by the test on the real FEC.

The FEC's lettering is the answer: its invoices are imported without the money received
(so without the lettering of payments; credit notes keep theirs), its bank-journal lines
on customer accounts become a CSV statement (date, amount and the line's label as the
bank text), and what matching applies or proposes is compared with what the lettering
settles (core.fec.settle_lettering).
"""

from __future__ import annotations

import csv
from pathlib import Path

from relance.bank.models import MatchStatus, StatementLine
from relance.bank.services import import_statement
from relance.core import fec, matching
from relance.imports.services import import_file
from relance.ledger.models import Allocation, Creditor

STATEMENT_HEADER = ("date", "amount", "currency", "reference", "text", "counterparty", "iban")
Row = tuple[str, str, str, str, str, str, str]


def write_statement(path: Path, rows: list[Row]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(STATEMENT_HEADER)
        out.writerows(rows)
    return path


def outcome(
    creditor: Creditor, first_line_id: int = 0
) -> tuple[dict[int, set[tuple[str, int]]], dict[int, set[tuple[str, int]]]]:
    """(applied, proposed): the parts of each money-in line (keyed by its rank among the
    creditor's lines created after `first_line_id`, in file order)."""
    lines = list(
        StatementLine.objects.filter(creditor=creditor, id__gt=first_line_id).order_by("id")
    )
    allocated: dict[int, set[tuple[str, int]]] = {}
    for payment_id, number, amount in Allocation.objects.filter(
        payment__in=[line.payment_id for line in lines if line.payment_id]
    ).values_list("payment_id", "invoice__number", "amount"):
        allocated.setdefault(payment_id, set()).add((number, amount))
    applied: dict[int, set[tuple[str, int]]] = {}
    proposed: dict[int, set[tuple[str, int]]] = {}
    for rank, line in enumerate(lines):
        if line.match_status == MatchStatus.MATCHED and line.payment_id:
            applied[rank] = allocated.get(line.payment_id, set())
        elif line.match_status == MatchStatus.PROPOSED:
            proposed[rank] = {(n, a) for n, a in line.proposal.get("parts", [])}
    return applied, proposed


def fec_against_lettering(path: Path, creditor: Creditor, workdir: Path) -> matching.Quality:
    """Import the FEC's invoices, then its bank lines as a statement; compare the matches
    with the lettering."""
    data = path.read_bytes()
    text, encoding = fec.decode(data)
    table = fec.parse(text, encoding)
    plan = fec.plan(table.entries)
    _sales, bank = fec.journal_kinds(table.entries)
    received = [p for p in plan.payments if p.journal in bank]
    dropped = {p.line for p in received}
    lines = text.lstrip("\ufeff").splitlines()
    ledger = workdir / f"ledger-{path.name}"
    ledger.write_text(
        "\n".join(line for n, line in enumerate(lines, start=1) if n not in dropped) + "\n",
        encoding="utf-8",
    )
    result = import_file(ledger, "invoices", creditor=creditor, actor="bench", fmt="fec")
    if result.errors:
        raise ValueError(f"{path.name}: {result.errors[:3]}")
    answers: dict[int, set[tuple[str, int]]] = {p.line: set() for p in received}
    for line, number, cents in fec.settle_lettering(
        plan.invoices, received, plan.others, plan.opening_lines
    ):
        answers[line].add((number, cents))
    received.sort(key=lambda p: (p.booked, p.line))
    rows: list[Row] = [
        (p.booked.isoformat(), str(p.credit - p.debit), "EUR", "", p.label, "", "")
        for p in received
    ]
    first = StatementLine.objects.filter(creditor=creditor).order_by("-id").first()
    import_statement(write_statement(workdir / "statement.csv", rows), creditor, "bench")
    applied, proposed = outcome(creditor, first.pk if first else 0)
    truth = {rank: answers[p.line] for rank, p in enumerate(received)}
    return matching.measure(truth, applied, proposed)
