"""`relance backup` and `relance restore`: a round trip gives back every table and file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from typer.testing import CliRunner

from relance import backup
from relance.audit import Event
from relance.cli import app
from relance.collection.services import run_collection
from relance.demo import build_demo
from relance.ledger import flows
from relance.ledger.models import Customer, Invoice
from relance.ledger.services import add_evidence

DAY = date(2026, 11, 16)


def relance(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def tables() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table Django manages, read through the models."""
    return {
        model._meta.db_table: list(
            model._base_manager.order_by("pk").values_list(
                *(f.attname for f in model._meta.concrete_fields)
            )
        )
        for model in backup._models()
    }


@pytest.fixture
def ledger(db: None, settings: Any, tmp_path: Path) -> Path:
    """A demo ledger with a run's actions and one evidence file on disk."""
    settings.MEDIA_ROOT = tmp_path / "media"
    build_demo(customers=12, invoices_per_customer=4, seed=3, today=DAY)
    creditor = Customer.objects.first().creditor  # type: ignore[union-attr]
    run_collection(creditor, DAY, actor="test")
    order = ContentFile(b"%PDF-1.4 signed order", name="order.pdf")
    add_evidence(creditor.invoices.first(), order, kind="purchase_order", actor="test")
    return Path(settings.MEDIA_ROOT)


def test_restore_gives_back_every_table_and_file_as_backed_up(ledger: Path, tmp_path: Path):
    before = tables()
    archive = tmp_path / "relance.zip"
    assert relance("backup", str(archive)).exit_code == 0
    # Lose data and a file after the backup: the restore brings them back.
    Customer.objects.filter(code__in=["C000001", "C000002"]).update(name="changed")
    (evidence,) = [p for p in ledger.rglob("*") if p.is_file()]
    evidence.unlink()

    result = relance("restore", str(archive), "--force")

    assert result.exit_code == 0, result.output
    after = tables()
    events, old = after.pop("relance_event"), before.pop("relance_event")
    assert events[: len(old)] == old
    assert after == before
    assert set(Event.objects.filter(pk__gt=old[-1][0]).values_list("verb", flat=True)) == {
        "restored"
    }
    assert evidence.read_bytes() == b"%PDF-1.4 signed order"
    # The receivables' flows, not in the archive, are the restored ledger's.
    creditor_id = before["ledger_creditor"][0][0]
    assert flows.sums(creditor_id) == flows.history(creditor_id) != []
    # The database's counters go on after the restored rows.
    created = Customer.objects.create(creditor_id=before["ledger_customer"][0][1], code="NEW")
    assert created.pk > max(row[0] for row in before["ledger_customer"])
    # The triggers the restore set aside are back: a new invoice has its flows.
    Invoice.objects.create(
        creditor_id=creditor_id, customer=created, number="AFTER", issue_date=date(2026, 3, 2),
        due_date=date(2026, 4, 1), amount=12345, open_amount=12345, status="open",
    )  # fmt: skip
    assert flows.sums(creditor_id) == flows.history(creditor_id)


def test_restore_writes_on_each_creditors_trail_which_backup_it_came_from(
    ledger: Path, tmp_path: Path
):
    archive = tmp_path / "relance.zip"
    backup.backup(archive)
    backup.restore(archive, "cli", force=True)
    event = Event.objects.get(verb="restored")
    assert event.actor == "cli"
    assert event.data["file"] == "relance.zip"
    assert event.subject_type == "creditor"


def test_restore_refuses_a_database_that_holds_data_unless_forced(ledger: Path, tmp_path: Path):
    archive = tmp_path / "relance.zip"
    backup.backup(archive)
    result = relance("restore", str(archive))
    assert result.exit_code == 1
    assert "already holds data" in result.stderr
    assert "--force" in result.stderr


def _rewrite(archive: Path, change: Any) -> Path:
    """A copy of `archive` with `change(name, data)` applied to every member."""
    damaged = archive.with_name("damaged.zip")
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(damaged, "w") as out:
        for info in src.infolist():
            out.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return damaged


def _edit_manifest(archive: Path, edit: Any) -> Path:
    def change(name: str, data: bytes) -> bytes:
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        edit(manifest)
        return json.dumps(manifest).encode()

    return _rewrite(archive, change)


def test_a_damaged_archive_is_refused_before_anything_changes(ledger: Path, tmp_path: Path):
    archive = tmp_path / "relance.zip"
    backup.backup(archive)
    before = tables()

    def damage(name: str, data: bytes) -> bytes:
        return data.replace(b"C000003", b"C000099") if name.endswith("customer.jsonl") else data

    with pytest.raises(backup.BackupError, match="ledger_customer: the archive is damaged"):
        backup.restore(_rewrite(archive, damage), "test", force=True)
    assert tables() == before


def test_a_backup_of_another_version_is_refused(ledger: Path, tmp_path: Path):
    archive = tmp_path / "relance.zip"
    backup.backup(archive)

    def newer(manifest: dict[str, Any]) -> None:
        manifest["migrations"].append("ledger.9999_from_the_future")

    with pytest.raises(backup.BackupError, match=r"only in the backup \['ledger.9999"):
        backup.restore(_edit_manifest(archive, newer), "test", force=True)


def test_an_archive_cannot_write_outside_the_media_folder(ledger: Path, tmp_path: Path):
    archive = tmp_path / "relance.zip"
    backup.backup(archive)

    def escape(manifest: dict[str, Any]) -> None:
        manifest["files"] = {"../outside.txt": manifest["files"].popitem()[1]}

    with pytest.raises(backup.BackupError, match="outside the media folder"):
        backup.restore(_edit_manifest(archive, escape), "test", force=True)
    assert not (ledger.parent / "outside.txt").exists()


def test_a_file_that_is_not_a_backup_gets_a_clear_error(db: None, tmp_path: Path):
    bogus = tmp_path / "notes.zip"
    bogus.write_text("not a zip")
    result = relance("restore", str(bogus))
    assert result.exit_code == 1
    assert "nothing restored" in result.stderr


def test_a_backup_made_on_sqlite_restores_on_this_database(db: None, tmp_path: Path):
    """On the PostgreSQL run of the suite, this moves a ledger from SQLite to PostgreSQL."""
    env = os.environ | {
        "RELANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'source.sqlite3'}",
        "RELANCE_MEDIA_ROOT": str(tmp_path / "source-media"),
    }
    command = [sys.executable, "-m", "relance.cli"]
    subprocess.run([*command, "demo", "--customers", "8"], env=env, check=True, capture_output=True)
    source = tmp_path / "source.zip"
    subprocess.run([*command, "backup", str(source)], env=env, check=True, capture_output=True)

    backup.restore(source, "test")
    again = tmp_path / "again.zip"
    backup.backup(again)

    with zipfile.ZipFile(source) as a, zipfile.ZipFile(again) as b:
        for name in json.loads(a.read("manifest.json"))["tables"]:
            rows_a = [json.loads(line) for line in a.read(f"tables/{name}.jsonl").splitlines()]
            rows_b = [json.loads(line) for line in b.read(f"tables/{name}.jsonl").splitlines()]
            if name == "relance_event":
                rows_b = rows_b[: len(rows_a)]  # and the restore's own event
            assert rows_b == rows_a, name
