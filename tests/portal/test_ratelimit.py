"""The sliding one-minute window of relance.portal.ratelimit."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.core.cache import cache

from relance.portal.ratelimit import allowed

MINUTE = 60 * 29_000_000  # any whole minute


@pytest.fixture(autouse=True)
def empty_cache():  # type: ignore[no-untyped-def]
    cache.clear()
    yield
    cache.clear()


def test_the_limit_holds_across_a_minute_boundary():
    assert [allowed("t", "k", 3, now=MINUTE - 1) for _ in range(3)] == [True] * 3
    assert allowed("t", "k", 3, now=MINUTE + 1) is False


def test_the_previous_minute_weighs_less_as_it_slides_out():
    for _ in range(3):
        allowed("t", "k", 3, now=MINUTE - 30)
    # 45 s into the new minute a quarter of the previous one is still in reach: 0.75.
    assert [allowed("t", "k", 3, now=MINUTE + 45) for _ in range(3)] == [True, True, False]


def test_a_minute_after_the_last_burst_the_count_is_fresh():
    for _ in range(4):
        allowed("t", "k", 3, now=MINUTE)
    assert allowed("t", "k", 3, now=MINUTE + 30) is False
    assert allowed("t", "k", 3, now=MINUTE + 120) is True


def test_keys_and_kinds_are_counted_apart():
    for _ in range(3):
        allowed("t", "k", 3, now=MINUTE)
    assert allowed("t", "other", 3, now=MINUTE) is True
    assert allowed("u", "k", 3, now=MINUTE) is True


def test_with_a_redis_cache_several_processes_share_one_count():
    """As `relance serve --workers` with RELANCE_CACHE_URL: the Redis server on
    localhost holds the count, so a second process finds the limit already reached."""
    key = secrets.token_hex(8)
    script = (
        "import django; django.setup(); from relance.portal.ratelimit import allowed; "
        f"print(sum(allowed('test', '{key}', 2, now={MINUTE}) for _ in range(2)))"
    )
    env = os.environ | {
        "RELANCE_CACHE_URL": "redis://127.0.0.1:6379/0",
        "DJANGO_SETTINGS_MODULE": "relance.settings",
    }
    passed = [
        subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                       text=True, check=True).stdout.strip()
        for _ in range(2)
    ]  # fmt: skip
    assert passed == ["2", "0"]
