"""A disk that fills up while reminders are stored: nothing half-written, nothing lost,
everything sent once the room is back."""

from __future__ import annotations

import resource
import signal
from contextlib import contextmanager
from hashlib import sha256
from pathlib import Path

from typer.testing import CliRunner

from relance.channels import outbox
from relance.channels.models import Message
from relance.cli import app

from .conftest import MONDAY, queue


@contextmanager
def full_disk(room: int = 16 * 1024):  # type: ignore[no-untyped-def]
    """No file this process writes may grow past `room` bytes (RLIMIT_FSIZE): a letter's
    PDF fails as on a full disk (EFBIG rather than ENOSPC, the same OSError), while the
    test database (in memory, or a PostgreSQL server) goes on."""
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error, not a kill
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (room, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_full_disk_stops_the_send_leaves_no_partial_pdf_and_the_reminder_goes_later(
    creditor, billed, smtp, settings
):
    action = queue(billed, "second_reminder", ["email", "letter"])
    with full_disk():
        result = CliRunner().invoke(app, ["send"])

    said = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "could not store the reminder to C001: [Errno 27] File too large" in said
    assert "It waits in the queue" in said
    action.refresh_from_db()
    assert (action.status, action.claimed_by) == ("queued", "")
    assert not Message.objects.exists()
    assert smtp.received == []
    assert _files(Path(settings.MEDIA_ROOT)) == []  # not even a hidden partial file

    report = outbox.send(today=MONDAY)
    assert (report.sent, report.letters) == (1, 1)
    documents = sorted(Path(m.document.path) for m in Message.objects.all())
    assert _files(Path(settings.MEDIA_ROOT)) == documents  # the email's copy and the letter
    letter = Message.objects.get(channel="letter")
    pdf = Path(letter.document.path)
    assert sha256(pdf.read_bytes()).hexdigest() == letter.document_sha256
    assert pdf.stat().st_size > 16 * 1024  # it could not have been written before
