"""`relance backup FILE` and `relance restore FILE`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def backup(
    file: Annotated[Path, typer.Argument(help="The archive to write (a ZIP).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Back up every table and stored file into FILE, while Relance keeps running."""
    from relance.cli import emit, err, out, setup

    setup()
    from relance.backup import backup as run

    with err.status("Backing up...") as status:
        summary = run(file, progress=lambda table, rows: status.update(f"{table}: {rows} rows"))
    if as_json:
        emit({"file": str(file), "tables": summary.tables, "files": summary.files})
        return
    out.print(
        f"Backed up {sum(summary.tables.values())} rows of {len(summary.tables)} tables and "
        f"{summary.files} files to {file}.",
        highlight=False,
    )


def restore(
    file: Annotated[Path, typer.Argument(help="An archive written by `relance backup`.")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the data of a database that holds some.")
    ] = False,
) -> None:
    """Replace the database's data and stored files by FILE's (migrates an empty one first)."""
    from relance.cli import ACTOR, err, fail, out, setup

    setup()
    from django.core.management import call_command

    from relance.backup import BackupError
    from relance.backup import restore as run

    call_command("migrate", interactive=False, verbosity=0)
    try:
        with err.status("Restoring...") as status:
            summary = run(
                file,
                ACTOR,
                force=force,
                progress=lambda table, rows: status.update(f"{table}: {rows} rows"),
            )
    except BackupError as exc:
        raise fail(f"nothing restored: {exc}") from None
    out.print(
        f"Restored {sum(summary.tables.values())} rows of {len(summary.tables)} tables and "
        f"{summary.files} files from {file}.",
        highlight=False,
    )
