"""Backup and restore: every table and every stored file in one ZIP, on any database.

The archive holds one JSON-lines file per table (`tables/<table>.jsonl`, a row per line,
the columns named in the manifest), the files under MEDIA_ROOT (`media/...`: evidence,
messages as sent, penalty invoices) and `manifest.json` (the migrations the data belongs
to, and per table and file its row count or size and SHA-256). Rows are read through the
models, so a backup made on SQLite restores on PostgreSQL and back.

A backup reads one snapshot of the database, taken while others keep writing: a
repeatable-read transaction on PostgreSQL, a deferred read transaction on SQLite (WAL
lets writers go on; Django's IMMEDIATE transactions would lock them out for the whole
backup). A restore checks the whole archive first, then replaces every table in one
transaction: it ends with the backup's data or, on any error, with the data it started
from.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from relance import audit
from relance.ledger import flows

FORMAT = 1
BATCH = 2000
Progress = Callable[[str, int], None]


class BackupError(Exception):
    """The archive cannot be restored here: nothing was changed."""


@dataclass(frozen=True, slots=True)
class Summary:
    tables: dict[str, int]  # rows per table
    files: int


# Kept by triggers from the other tables, and rebuilt from them on restore.
DERIVED = {"ledger_flow"}


def _models() -> list[type[models.Model]]:
    """Every table Django manages (many-to-many tables included) but the derived ones,
    in a stable order."""
    found = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and m._meta.db_table not in DERIVED
    ]
    return sorted(found, key=lambda m: m._meta.db_table)


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return list(model._meta.concrete_fields)


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot back up a {type(value).__name__}")


def _migrations() -> list[str]:
    applied = MigrationRecorder(connection).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


@contextmanager
def _snapshot() -> Iterator[None]:
    """One consistent view of the database for all the reads inside."""
    if connection.in_atomic_block:  # already one transaction, hence one view
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("COMMIT")


def _media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def backup(target: Path, progress: Progress | None = None) -> Summary:
    """Write the archive to `target` (replaced only once complete)."""
    partial = target.with_name(target.name + ".partial")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "vendor": connection.vendor,
        "tables": {},
        "files": {},
    }
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive, _snapshot():
        manifest["migrations"] = _migrations()
        for model in _models():
            table = model._meta.db_table
            fields = _columns(model)
            digest, count = hashlib.sha256(), 0
            rows = model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
            with archive.open(f"tables/{table}.jsonl", "w") as out:
                for row in rows.iterator(chunk_size=BATCH):
                    line = json.dumps(row, default=_encode, ensure_ascii=False).encode() + b"\n"
                    digest.update(line)
                    out.write(line)
                    count += 1
            manifest["tables"][table] = {
                "columns": [f.attname for f in fields],
                "rows": count,
                "sha256": digest.hexdigest(),
            }
            if progress:
                progress(table, count)
        root = _media_root()
        for path in sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []:
            name = path.relative_to(root).as_posix()
            manifest["files"][name] = hashlib.sha256(path.read_bytes()).hexdigest()
            archive.write(path, f"media/{name}")
        archive.writestr("manifest.json", json.dumps(manifest, indent=1))
    partial.replace(target)
    return _summary(manifest)


def _summary(manifest: dict[str, Any]) -> Summary:
    return Summary({t: v["rows"] for t, v in manifest["tables"].items()}, len(manifest["files"]))


def _manifest(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads(archive.read("manifest.json"))
    except KeyError:
        raise BackupError("not a Relance backup: manifest.json is missing") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup format {manifest.get('format')!r}: this Relance reads {FORMAT}")
    return manifest


def _check(archive: zipfile.ZipFile, manifest: dict[str, Any]) -> None:
    """Refuse an archive that is damaged or from another version, before any write."""
    here = _migrations()
    if manifest["migrations"] != here:
        theirs, ours = set(manifest["migrations"]), set(here)
        raise BackupError(
            "the backup belongs to another version of Relance: migrations only in the backup "
            f"{sorted(theirs - ours) or 'none'}, only here {sorted(ours - theirs) or 'none'} "
            "(run `relance init` to migrate, or restore with the matching version)"
        )
    known = {m._meta.db_table: m for m in _models()}
    for table, meta in manifest["tables"].items():
        model = known.get(table)
        if model is None or meta["columns"] != [f.attname for f in _columns(model)]:
            raise BackupError(f"table {table}: its columns differ from this version's")
        if _sha256(archive, f"tables/{table}.jsonl") != meta["sha256"]:
            raise BackupError(f"table {table}: the archive is damaged (checksum differs)")
    root = _media_root().resolve()
    for name, digest in manifest["files"].items():
        # A name from the archive must stay under MEDIA_ROOT, whatever it says.
        if not (root / name).resolve().is_relative_to(root):
            raise BackupError(f"file {name}: outside the media folder")
        if _sha256(archive, f"media/{name}") != digest:
            raise BackupError(f"file {name}: the archive is damaged (checksum differs)")


def _sha256(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    try:
        with archive.open(name) as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
    except (KeyError, zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{name}: {exc}") from None
    return digest.hexdigest()


def is_empty() -> bool:
    """No creditor yet: a fresh database a restore may fill without --force."""
    from relance.ledger.models import Creditor

    return not Creditor.objects.exists()


def restore(
    source: Path, actor: str, *, force: bool = False, progress: Progress | None = None
) -> Summary:
    """Replace the database's data and the stored files by the archive's; each creditor's
    trail then says when and from which backup."""
    from relance.ledger.models import Creditor

    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{source}: {exc}") from None
    with archive:
        manifest = _manifest(archive)
        _check(archive, manifest)
        if not force and not is_empty():
            raise BackupError(
                "this database already holds data: restore replaces all of it; say --force to go on"
            )
        known = {m._meta.db_table: m for m in _models()}
        with transaction.atomic():
            with connection.cursor() as cursor:
                flush = connection.ops.sql_flush(
                    no_style(), list(known), reset_sequences=False, allow_cascade=True
                )
                if connection.vendor == "postgresql":
                    # TRUNCATE refuses tables with foreign-key checks still pending in the
                    # transaction; the rows then go in any order, checked at commit.
                    flush = [
                        "SET CONSTRAINTS ALL IMMEDIATE",
                        *flush,
                        "SET CONSTRAINTS ALL DEFERRED",
                    ]
                for statement in flush:
                    cursor.execute(statement)
            # The tables go in one by one, allocations perhaps before their invoices, so
            # the flows are rebuilt from the whole ledger once it is in, rather than kept
            # by the triggers row by row (most of a restore's time).
            with flows.paused():
                for table, meta in manifest["tables"].items():
                    with archive.open(f"tables/{table}.jsonl") as stream:
                        _insert(known[table], stream)
                    if progress:
                        progress(table, meta["rows"])
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), known.values()):
                    cursor.execute(statement)
            data = {"file": source.name, "backup_created_at": manifest["created_at"]}
            for creditor in Creditor.objects.all():
                audit.record(actor, "restored", creditor, data)
        _restore_files(archive, manifest["files"])
    return _summary(manifest)


def _insert(model: type[models.Model], stream: IO[bytes]) -> None:
    """Insert the rows as stored: no field's pre_save (auto_now) may change them."""
    fields = _columns(model)
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        connection.ops.quote_name(model._meta.db_table),
        ", ".join(connection.ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        batch: list[list[Any]] = []
        for line in stream:
            values = json.loads(line)
            batch.append(
                [
                    f.get_db_prep_save(f.to_python(v), connection) if v is not None else None
                    for f, v in zip(fields, values, strict=True)
                ]
            )
            if len(batch) == BATCH:
                cursor.executemany(sql, batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)


def _restore_files(archive: zipfile.ZipFile, files: dict[str, str]) -> None:
    root = _media_root()
    for name in files:
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with archive.open(f"media/{name}") as stream, open(target, "wb") as out:
            shutil.copyfileobj(stream, out)
