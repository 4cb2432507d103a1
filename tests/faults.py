"""Shared by the fault tests: scratch databases that `relance` subprocesses share, a
ledger written as files, and the state of a database in words that compare.

Each test builds one base database, clones it (a file copy on SQLite, a template on
PostgreSQL), runs a command to the end on one clone and kills it at random points on
another before letting it finish, then compares the two."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.conf import settings

RELANCE = [sys.executable, "-m", "relance.cli"]
DUMP = Path(__file__).with_name("dump_state.py")


@dataclass
class Scratch:
    """Databases for subprocesses: files on SQLite, databases on PostgreSQL when the
    suite runs there."""

    workdir: Path
    made: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        db = settings.DATABASES["default"]
        self.sqlite = db["ENGINE"].endswith("sqlite3")
        self.server = None if self.sqlite else (db["USER"], db["HOST"], db["PORT"])

    def _admin(self, *sql: str) -> None:
        assert self.server
        user, host, port = self.server
        with psycopg.connect(f"host={host} port={port} user={user} dbname=postgres",
                             autocommit=True) as conn:  # fmt: skip
            for statement in sql:
                conn.execute(statement)  # type: ignore[arg-type]

    def url(self, name: str) -> str:
        if self.server is None:
            return f"sqlite:///{self.workdir / f'{name}.sqlite3'}"
        user, host, port = self.server
        return f"postgresql://{user}@{host}:{port}/{self._name(name)}"

    def _name(self, name: str) -> str:
        return f"relance_fault_{os.getpid()}_{name}"

    def new(self, name: str) -> str:
        if self.server:
            self._admin(f"DROP DATABASE IF EXISTS {self._name(name)}",
                        f"CREATE DATABASE {self._name(name)}")  # fmt: skip
        self.made.append(name)
        return self.url(name)

    def clone(self, source: str, name: str) -> str:
        if self.server:
            self._admin(f"DROP DATABASE IF EXISTS {self._name(name)}",
                        f"CREATE DATABASE {self._name(name)} TEMPLATE {self._name(source)}")  # fmt: skip
        else:
            # The backup API copies what the WAL holds too.
            with (
                sqlite3.connect(self.workdir / f"{source}.sqlite3") as src,
                sqlite3.connect(self.workdir / f"{name}.sqlite3") as dst,
            ):
                src.backup(dst)
        self.made.append(name)
        return self.url(name)

    def terminate(self, url: str) -> None:
        """Cut every connection to the database of `url`, as a server restart would."""
        name = url.rsplit("/", 1)[1]
        self._admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")  # fmt: skip

    def drop(self) -> None:
        if self.server:
            self._admin(*(f"DROP DATABASE IF EXISTS {self._name(n)} WITH (FORCE)"
                          for n in self.made))  # fmt: skip


def env(url: str, workdir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "RELANCE_DATABASE_URL": url,
        "RELANCE_MEDIA_ROOT": str(workdir / "media"),
        "DJANGO_SETTINGS_MODULE": "relance.settings",
        **extra,
    }


def relance(url: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*RELANCE, *args], env=env(url, workdir), cwd=workdir,
                          capture_output=True, text=True)  # fmt: skip


def timed(url: str, workdir: Path, *args: str) -> float:
    """Seconds `relance ARGS` takes from start to end (it must succeed)."""
    start = time.monotonic()
    done = relance(url, workdir, *args)
    assert done.returncode in (0, 1), done.stderr
    return time.monotonic() - start


def kill_count(quick: int) -> int:
    """How many times each command is killed: `quick` in the suite, more with `make kills`
    (RELANCE_KILLS)."""
    return int(os.environ.get("RELANCE_KILLS", str(quick)))


def kill_seed(seed: int) -> int:
    """The suite's fixed seed, moved by RELANCE_KILL_SEED (`make kills` draws one and
    prints it, to replay a failure)."""
    return seed + int(os.environ.get("RELANCE_KILL_SEED", "0"))


def kill_at_random(
    url: str,
    workdir: Path,
    args: tuple[str, ...],
    window: tuple[float, float],
    times: int,
    rng: random.Random,
) -> int:
    """Start `relance ARGS` `times` times, each killed (SIGKILL) at a random moment
    unless it ended before; how many were killed. The first moment is drawn from
    `window` (seconds after start), the next ones from its first half, third...: an
    import keeps what it committed, so each start has less left to do."""
    kills = 0
    low, high = window
    for n in range(times):
        process = subprocess.Popen([*RELANCE, *args], env=env(url, workdir), cwd=workdir,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(low, low + (high - low) / (n + 1)))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.wait()
    return kills


def state(url: str, workdir: Path) -> dict[str, Any]:
    """The ledger, bank and collection tables by natural keys (no ids, no clocks)."""
    done = subprocess.run([sys.executable, str(DUMP)], env=env(url, workdir), cwd=workdir,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def ledger_files(workdir: Path, customers: int, invoices: int, seed: int) -> tuple[Path, Path]:
    """customers.csv and invoices.csv (a few bad rows among them)."""
    rng = random.Random(seed)
    people = workdir / "customers.csv"
    people.write_text(
        "customer,name,email\n"
        + "".join(
            f"C{i:04d},Client {i} SARL,compta{i}@client{i}.example\n" for i in range(customers)
        )
    )
    rows = []
    for n in range(invoices):
        month, day = rng.randint(6, 11), rng.randint(1, 28)
        amount = f"{rng.randint(5000, 500000) / 100:.2f}"
        rows.append(f"F{n:05d},C{rng.randrange(customers):04d},2026-{month:02d}-{day:02d},"
                    f"2026-{month + 1:02d}-{day:02d},{amount}\n")  # fmt: skip
        if n % 300 == 150:  # a bad row now and then: rejected, never blocking the rest
            rows.append(f"X{n:05d},C9999,2026-06-01,2026-07-01,{amount}\n")
    bills = workdir / "invoices.csv"
    bills.write_text("number,customer,issue_date,due_date,amount\n" + "".join(rows))
    return people, bills
