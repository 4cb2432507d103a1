"""What the aged balance says customers owed on a day, to check other reads against."""

from __future__ import annotations

from datetime import date

from relance.core.aging import parse_buckets
from relance.core.indicators import Snapshot
from relance.ledger.models import Creditor
from relance.reports import queries


def aged_totals(creditor: Creditor, day: date) -> dict[str, Snapshot]:
    """Per currency with something owed, the aged balance's total and `not_due` part."""
    return {
        a.currency: Snapshot(a.total, a.not_due)
        for a in queries.aging(creditor, day, parse_buckets(""))
        if a.total or a.not_due
    }


def nonzero(snapshots: dict[str, Snapshot]) -> dict[str, Snapshot]:
    return {c: s for c, s in snapshots.items() if s.total or s.current}
