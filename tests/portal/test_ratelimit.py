"""The sliding one-minute window of relance.portal.ratelimit."""

from __future__ import annotations

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
