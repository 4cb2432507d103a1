"""How often one address, one link or one username may be served: a sliding one-minute
window counted in Django's cache.

Counts are kept per calendar minute; a request is weighed against this minute's count
plus the share of the previous minute's count still inside the last sixty seconds. A
plain fixed window would let twice the limit through across a minute boundary (and a
lock-out would end at the boundary rather than a minute later).

A dozen lines do it, so no dependency (django-ratelimit would bring decorators and
settings for this one use). The cache is Django's default: per process unless CACHES
names a shared one (docs/portal.md).
"""

from __future__ import annotations

from hashlib import sha256

from django.core.cache import cache

WINDOW_SECONDS = 60


def allowed(kind: str, key: str, limit: int, *, now: float) -> bool:
    """Count one request for (`kind`, `key`) at `now` (seconds since the epoch: the
    caller passes it, so this reads no clock); False once the sliding count passes
    `limit`. The key is hashed: no address or token is kept as such."""
    minute, elapsed = divmod(now, WINDOW_SECONDS)
    digest = sha256(key.encode()).hexdigest()[:32]
    name = f"portal-rate:{kind}:{int(minute)}:{digest}"
    # add() sets the counter only if absent; incr() is atomic in every Django cache.
    cache.add(name, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    previous = cache.get(f"portal-rate:{kind}:{int(minute) - 1}:{digest}", 0)
    return count + previous * (1 - elapsed / WINDOW_SECONDS) <= limit
