"""Relance killed (SIGKILL) at random points of an import, a collection run and a
statement import with matching, then run again: the end state is the one an
uninterrupted run gives, row for row. And two runs, or a run and an import, at once:
they wait for each other, never duplicate. On SQLite and, in CI's second pass, on
PostgreSQL (each command a real `relance` process on a shared database)."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .faults import (
    RELANCE,
    Scratch,
    env,
    kill_at_random,
    kill_count,
    kill_seed,
    ledger_files,
    relance,
    state,
    timed,
)

pytestmark = pytest.mark.slow
DAY = "2026-12-01"
KILLS = kill_count(4)
INVOICES = 8000


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faults")


@pytest.fixture(scope="module")
def scratch(workdir: Path) -> Iterator[Scratch]:
    """Two bases the tests clone: `people` (migrated, 250 customers) and `ledger` (the
    same with the invoices imported); the files are written beside them."""
    made = Scratch(workdir)
    people_csv, invoices_csv = ledger_files(workdir, customers=250, invoices=INVOICES, seed=7)
    people = made.new("people")
    for args in (("init",), ("import", "customers", str(people_csv))):
        assert relance(people, workdir, *args).returncode == 0
    ledger = made.clone("people", "ledger")
    assert relance(ledger, workdir, "import", "invoices", str(invoices_csv)).returncode == 1
    yield made
    made.drop()


def startup(url: str, workdir: Path) -> float:
    """What a `relance` process takes before it works: killing it sooner tests nothing."""
    return timed(url, workdir, "report", "reasons", "--json")


def clean_and_killed(
    scratch: Scratch, source: str, workdir: Path, args: tuple[str, ...], seed: int
) -> tuple[str, str, int]:
    """Two clones of `source`: `args` run once on the first, killed at random then run
    to the end on the second. Their urls, and how many kills landed."""
    clean, killed = (
        scratch.clone(source, f"{args[1].strip('-')}_clean"),
        scratch.clone(source, f"{args[1].strip('-')}_killed"),
    )
    start = startup(clean, workdir)
    took = timed(clean, workdir, *args)
    # Not up to the very end: a command that gets to finish leaves little or nothing for
    # the next ones to do, and they end too soon to be killed. The first half: a busy
    # machine (two test suites at once) makes the clean run's time vary by a third.
    window = (start, start + 0.5 * (took - start))
    kills = kill_at_random(killed, workdir, args, window, KILLS, random.Random(kill_seed(seed)))
    assert relance(killed, workdir, *args).returncode in (0, 1)
    return clean, killed, kills


def test_an_import_killed_anywhere_keeps_every_good_row_once(scratch, workdir):
    args = ("import", "invoices", str(workdir / "invoices.csv"), "--json")
    clean, killed, kills = clean_and_killed(scratch, "people", workdir, args, seed=1)
    assert kills >= 2, "the import ended before it could be killed: make it larger"
    after = state(killed, workdir)
    assert after == state(clean, workdir)
    assert len(after["invoices"]) == INVOICES
    assert [kept for _sums, kept in after["flows"]] == [True]  # the triggers' flows


def test_a_collection_run_killed_anywhere_plans_each_action_once(scratch, workdir):
    args = ("run", "--date", DAY, "--json")
    clean, killed, kills = clean_and_killed(scratch, "ledger", workdir, args, seed=2)
    assert kills >= 2, "the run ended before it could be killed: make the ledger larger"
    after = state(killed, workdir)
    assert after["actions"], "the run planned nothing: the test proves nothing"
    assert after == state(clean, workdir)
    assert after["run_dates"] == [DAY]


def test_a_statement_import_killed_while_matching_applies_each_payment_once(scratch, workdir):
    lines = [row.split(",") for row in (workdir / "invoices.csv").read_text().splitlines()[1:600]]
    statement = workdir / "statement.csv"
    statement.write_text(
        "date,amount,currency,reference,text,counterparty,iban\n"
        + "".join(
            f"2026-11-{1 + i % 28:02d},{row[4]},EUR,,VIR {row[0]},Client,\n"
            for i, row in enumerate(lines)
            if row[0].startswith("F")
        )
    )
    args = ("import", "statement", str(statement), "--json")
    clean, killed, kills = clean_and_killed(scratch, "ledger", workdir, args, seed=3)
    assert kills >= 2, "the import ended before it could be killed: make it larger"
    after = state(killed, workdir)
    assert after["allocations"], "nothing was matched: the test proves nothing"
    assert after == state(clean, workdir)
    assert [kept for _sums, kept in after["flows"]] == [True]


def _together(
    url: str, workdir: Path, *commands: tuple[str, ...]
) -> list[subprocess.CompletedProcess[str]]:
    processes = [subprocess.Popen([*RELANCE, *args], env=env(url, workdir), cwd=workdir,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for args in commands]  # fmt: skip
    done = []
    for p, args in zip(processes, commands, strict=True):
        out, err = p.communicate(timeout=300)
        done.append(subprocess.CompletedProcess(args, p.returncode, out, err))
    return done


def test_two_runs_for_the_same_date_at_once_plan_each_action_once(scratch, workdir):
    alone = scratch.clone("ledger", "alone")
    assert relance(alone, workdir, "run", "--date", DAY).returncode == 0
    both = scratch.clone("ledger", "both")

    first, second = _together(both, workdir, ("run", "--date", DAY), ("run", "--date", DAY))

    assert (first.returncode, second.returncode) == (0, 0), first.stderr + second.stderr
    assert state(both, workdir) == state(alone, workdir)
    # The one that waited says so.
    waited = [p for p in (first, second) if "Another run for" in p.stderr]
    assert len(waited) == 1, first.stderr + second.stderr
    assert "this one waited for it to finish" in waited[0].stderr


def test_an_import_during_a_run_waits_and_loses_nothing(scratch, workdir):
    url = scratch.clone("people", "busy")
    head = (workdir / "invoices.csv").read_text().splitlines()
    cut = len(head) * 3 // 4
    (workdir / "first.csv").write_text("\n".join(head[:cut]) + "\n")
    (workdir / "later.csv").write_text("\n".join([head[0], *head[cut:]]) + "\n")
    relance(url, workdir, "import", "invoices", str(workdir / "first.csv"))

    run, imported = _together(url, workdir, ("run", "--date", DAY),
                              ("import", "invoices", str(workdir / "later.csv")))  # fmt: skip

    assert run.returncode == 0, run.stderr
    assert imported.returncode == 1, imported.stderr  # its bad rows are reported
    after = state(url, workdir)
    assert len(after["invoices"]) == INVOICES
    assert [kept for _sums, kept in after["flows"]] == [True]
    keys = [(a[0], a[2], tuple(a[6])) for a in after["actions"]]
    assert len(keys) == len(set(keys))


def test_a_run_that_finds_the_database_locked_stops_with_a_clear_error_and_writes_nothing(
    scratch, workdir
):
    if not scratch.sqlite:
        pytest.skip("SQLite's lock; on PostgreSQL a run waits for the other's row locks")
    url = scratch.clone("ledger", "locked")
    holder = sqlite3.connect(workdir / "locked.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer, holding on
    try:
        done = subprocess.run([*RELANCE, "run", "--date", DAY], cwd=workdir, text=True,
                              env=env(url, workdir, RELANCE_DB_TIMEOUT="1"),
                              capture_output=True)  # fmt: skip
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert done.returncode == 1
    assert "the database failed: database is locked (another process" in done.stderr
    assert "Traceback" not in done.stderr
    stopped = state(url, workdir)
    assert (stopped["run_dates"], stopped["actions"]) == ([], [])
    assert relance(url, workdir, "run", "--date", DAY).returncode == 0
    clean = scratch.clone("ledger", "unlocked")
    assert relance(clean, workdir, "run", "--date", DAY).returncode == 0
    assert state(url, workdir) == state(clean, workdir)


def test_a_run_whose_database_goes_away_stops_with_a_clear_error_and_writes_nothing(
    scratch, workdir
):
    if scratch.sqlite:
        pytest.skip("a server's connection cut; SQLite is a file in the process")
    clean = scratch.clone("ledger", "steady")
    assert relance(clean, workdir, "run", "--date", DAY).returncode == 0
    url, start = scratch.clone("ledger", "cut"), startup(clean, workdir)
    process = subprocess.Popen([*RELANCE, "run", "--date", DAY], env=env(url, workdir),
                               cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    time.sleep(start)
    while process.poll() is None:  # cut its connections until it stops
        scratch.terminate(url)
        time.sleep(0.2)
    _out, cut = process.communicate()
    assert process.returncode == 1, "the run ended before its connection was cut"
    assert "the database failed" in cut
    assert "Traceback" not in cut
    stopped = state(url, workdir)
    assert (stopped["run_dates"], stopped["actions"]) == ([], [])
    assert relance(url, workdir, "run", "--date", DAY).returncode == 0
    assert state(url, workdir) == state(clean, workdir)
