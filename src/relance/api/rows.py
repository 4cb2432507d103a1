"""POSTed customers, invoices and payments go through the CSV importers, so that they are
checked, deduplicated and audited exactly like a file (a re-post changes nothing)."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

from relance.imports.services import import_file
from relance.ledger.models import Creditor


def import_rows(
    kind: str, rows: list[dict[str, Any]], creditor: Creditor, actor: str
) -> dict[str, Any]:
    columns: list[str] = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{kind}.csv"
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({k: "" if v is None else str(v) for k, v in row.items()})
        result = import_file(path, kind, creditor=creditor, actor=actor, fmt="csv").as_json()
    # The temporary file means nothing to the client: rows are numbered from 1.
    result.pop("file", None)
    result.pop("reject_file", None)
    for error in result["errors"]:
        error["row"] = error.pop("line") - 1
    return result
