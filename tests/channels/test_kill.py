"""The sender killed (SIGKILL) at random points of a batch, then started again: every
email reaches the real SMTP server at most once, and none is lost: each is either
delivered (once) or, when the kill fell inside the exchange with the server, held as
"interrupted" for a person, never resent blindly. Two senders started together share
the batch: each email leaves once."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from tests.faults import RELANCE, Scratch, kill_count, kill_seed

from .conftest import Inbox, free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def database(tmp_path):  # type: ignore[no-untyped-def]
    """A database the subprocesses share (tests.faults.Scratch)."""
    scratch = Scratch(tmp_path)
    yield scratch.new("kill")
    scratch.drop()


@pytest.fixture
def queued(database, tmp_path):  # type: ignore[no-untyped-def]
    """A real SMTP server, and the environment of a demo ledger whose day's run queued
    its emails."""
    inbox = Inbox()
    port = free_port()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    env = {
        **os.environ, "RELANCE_DATABASE_URL": database, "RELANCE_EMAIL_HOST": "127.0.0.1",
        "RELANCE_EMAIL_PORT": str(port), "RELANCE_MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "relance.settings",
    }  # fmt: skip
    try:
        subprocess.run([*RELANCE, "demo", "--customers", "150"], env=env, check=True,
                       capture_output=True, cwd=tmp_path)  # fmt: skip
        subprocess.run([*RELANCE, "run"], env=env, check=True, capture_output=True, cwd=tmp_path)
        yield inbox, env
    finally:
        server.stop()


def test_a_sender_killed_anywhere_neither_loses_nor_duplicates_an_email(queued, tmp_path):
    inbox, env = queued
    rng = random.Random(kill_seed(2026))
    killed = 0
    for _ in range(kill_count(8)):
        sender = subprocess.Popen([*RELANCE, "send"], env=env, cwd=tmp_path,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(1.0, 3.5))
        if sender.poll() is None:
            sender.send_signal(signal.SIGKILL)
            killed += 1
        sender.wait()
    final = subprocess.run([*RELANCE, "send", "--json"], env=env, cwd=tmp_path,
                           capture_output=True, text=True)  # fmt: skip
    assert final.returncode == 0, final.stderr
    status = _statuses(env, tmp_path)
    received = Counter(m["Message-ID"] for m in inbox.received)
    assert killed >= 3, "the batch ended before the sender could be killed: make it larger"
    assert received
    assert max(received.values()) == 1
    # Never lost: each email was delivered, or is held for a person (at most one per kill).
    assert status["queued"] == status["sending"] == 0
    assert set(received) <= status["sent"] | status["interrupted"]
    assert status["sent"] <= set(received)
    assert len(status["interrupted"]) <= killed


def test_two_senders_started_together_send_each_email_once(queued, tmp_path):
    inbox, env = queued
    command = [*RELANCE, "send", "--json"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    senders = [
        subprocess.Popen(command, env=env, cwd=tmp_path, text=True, **pipes) for _ in range(2)
    ]
    reports = []
    for sender in senders:
        out, err = sender.communicate(timeout=600)
        assert sender.returncode == 0, err
        reports.append(json.loads(out))
    status = _statuses(env, tmp_path)

    received = Counter(m["Message-ID"] for m in inbox.received)
    assert received
    assert max(received.values()) == 1
    assert status["queued"] == status["sending"] == 0
    assert status["sent"] == set(received)
    assert not status["interrupted"]
    # They shared the batch: each prepared part of it, and together sent all of it once
    # (emails and text messages).
    assert all(r["prepared"] > 0 for r in reports), reports
    assert sum(r["sent"] for r in reports) == status["sent_any_channel"]


def _statuses(env: dict[str, str], cwd: Path) -> dict[str, object]:
    script = (
        "import django, json; django.setup()\n"
        "from relance.channels.models import Message\n"
        "from relance.collection.models import Action\n"
        "by = {}\n"
        "for s, mid in Message.objects.filter(channel='email').values_list('status', 'message_id'):\n"
        "    by.setdefault(s, []).append(mid)\n"
        "print(json.dumps({'messages': by, 'queued': Action.objects.filter(status='queued')"
        ".exclude(channel='handoff').count(), 'sending': Action.objects.filter(status='sending').count(),"
        " 'sent_any_channel': Message.objects.filter(status='sent').count()}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=cwd, check=True,
                         capture_output=True, text=True).stdout  # fmt: skip
    data = json.loads(out)
    return {
        "sent": set(data["messages"].get("sent", [])),
        "interrupted": set(data["messages"].get("interrupted", [])),
        "queued": data["queued"],
        "sending": data["sending"],
        "sent_any_channel": data["sent_any_channel"],
    }
