"""`relance serve`: waitress in one process, gunicorn with several."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from tests.channels.conftest import free_port


def _served(tmp_path: Path, *options: str) -> tuple[int, str, list[str]]:
    """Start `relance serve` on a fresh database, wait for the login page, stop it with
    SIGTERM; the page's status and Server header, then what the process printed."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELANCE_")} | {
        "RELANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "RELANCE_SECRET_KEY": secrets.token_urlsafe(50),
    }
    command = [sys.executable, "-m", "relance.cli", "serve", "--port", str(port), *options]
    server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                    return r.status, r.headers["Server"], _stopped(server)
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"relance serve did not answer: {_stopped(server)}")
                time.sleep(0.2)
    finally:
        if server.poll() is None:
            server.kill()


def _stopped(server: subprocess.Popen[str]) -> list[str]:
    server.send_signal(signal.SIGTERM)
    output, _ = server.communicate(timeout=30)
    return output.splitlines()


def test_one_process_is_served_by_waitress(tmp_path):
    status, software, _ = _served(tmp_path)
    assert (status, software) == (200, "relance")


def test_several_processes_are_served_by_gunicorn_and_stop_on_sigterm(tmp_path):
    status, software, output = _served(tmp_path, "--workers", "2")
    assert (status, software) == (200, "gunicorn")
    booted = [line for line in output if "Booting worker" in line]
    assert len(booted) == 2, output
    assert any("Shutting down" in line for line in output), output
