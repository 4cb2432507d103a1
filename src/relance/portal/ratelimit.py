"""How often one address, and one link, may ask for a portal page: a fixed one-minute
window counted in Django's cache.

A dozen lines do it, so no dependency (django-ratelimit would bring decorators and
settings for this one use). The cache is Django's default: per process unless CACHES
names a shared one (docs/portal.md).
"""

from __future__ import annotations

from hashlib import sha256

from django.core.cache import cache

WINDOW_SECONDS = 60


def allowed(kind: str, key: str, limit: int, *, window: int) -> bool:
    """Count one request for (`kind`, `key`) in the minute `window` (a number that
    changes every minute: the caller passes it, so this reads no clock); False once the
    count passes `limit`. The key is hashed: no address or token is kept as such."""
    name = f"portal-rate:{kind}:{window}:{sha256(key.encode()).hexdigest()[:32]}"
    # add() sets the counter only if absent; incr() is atomic in every Django cache.
    cache.add(name, 0, timeout=WINDOW_SECONDS * 2)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=WINDOW_SECONDS * 2)
        count = 1
    return count <= limit
