"""A disk that fills up while reminders are stored: nothing half-written, nothing lost,
everything sent once the room is back."""

from __future__ import annotations

import resource
import signal
from contextlib import contextmanager
from hashlib import sha256
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relance.channels import outbox
from relance.channels.models import Message
from relance.cli import app
from relance.core.errors import DomainError

from .conftest import MONDAY, free_port, queue

ROOM = 24 * 1024  # a letter's PDF fits (about 18 KB), an email's copy does not (32 KB)


@contextmanager
def full_disk(room: int = ROOM):  # type: ignore[no-untyped-def]
    """No file this process writes may grow past `room` bytes (RLIMIT_FSIZE): what does
    not fit fails as on a full disk (EFBIG rather than ENOSPC, the same OSError), while
    the test database (in memory, or a PostgreSQL server) goes on."""
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


def test_a_full_disk_stops_the_send_leaves_no_file_and_the_reminder_goes_later(
    creditor, billed, smtp, settings
):
    # The letter is stored first, then the email's copy fails: the letter goes too.
    action = queue(billed, "second_reminder", ["letter", "email"])
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
    assert len(smtp.received) == 1
    documents = sorted(Path(m.document.path) for m in Message.objects.all())
    assert _files(Path(settings.MEDIA_ROOT)) == documents  # the email's copy and the letter
    letter = Message.objects.get(channel="letter")
    pdf = Path(letter.document.path)
    assert sha256(pdf.read_bytes()).hexdigest() == letter.document_sha256
    email = Path(Message.objects.get(channel="email").document.path)
    assert pdf.stat().st_size < ROOM < email.stat().st_size  # as the test supposes


def test_a_letter_that_cannot_replace_a_refused_email_leaves_the_email_to_try_again(
    creditor, billed, smtp, settings
):
    from django.utils import timezone

    billed.email = "bounce@martin.example"  # refused for good (550)
    billed.save()
    queue(billed, "first_reminder", ["email"])
    server = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # down: the email is prepared and waits
    outbox.send(today=MONDAY)
    settings.EMAIL_PORT = server
    Message.objects.update(next_attempt_at=timezone.now())  # its retry is due

    with full_disk(room=16 * 1024), pytest.raises(DomainError) as refused:
        outbox.send(today=MONDAY)  # refused: its letter (18 KB) does not fit

    assert "could not store the letter replacing the email to C001" in str(refused.value)
    email = Message.objects.get()
    assert (email.channel, email.status, email.claimed_by) == ("email", "retry", "")
    assert _files(Path(settings.MEDIA_ROOT)) == [Path(email.document.path)]

    report = outbox.send(today=MONDAY)  # room again: refused again, and replaced
    assert (report.failed, report.letters) == (1, 1)
    assert Message.objects.get(channel="email").status == "failed"
    assert Message.objects.get(channel="letter").status == "to_print"
