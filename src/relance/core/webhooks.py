"""Webhook rules: the signature, the retry schedule and which addresses are refused.

Pure functions: the caller passes the time, the secret and the resolved addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress

EVENTS = (
    "action.sent",
    "promise.broken",
    "dispute.opened",
    "payment.matched",
    "plan.defaulted",
)
MAX_ATTEMPTS = 8
FIRST_DELAY_SECONDS = 30


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Relance-Signature` header: HMAC-SHA256 over "timestamp.body", in hex.

    >>> signature("s3cret", 1767225600, b'{"event": "dispute.opened"}')[:16]
    't=1767225600,v1='
    """
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does: recompute the signature and refuse an old timestamp.

    >>> header = signature("s3cret", 1000, b"{}")
    >>> verify("s3cret", header, b"{}", now=1010)
    True
    >>> verify("s3cret", header, b"{ }", now=1010), verify("s3cret", header, b"{}", now=2000)
    (False, False)
    """
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header)


def retry_delay(attempts: int) -> int | None:
    """Seconds before the next attempt after `attempts` failed ones; None: give up.

    Doubles from 30 seconds: 30 s, 1 min, 2 min ... about an hour for the last one.

    >>> [retry_delay(n) for n in (1, 2, 3, 7, 8)]
    [30, 60, 120, 1920, None]
    """
    if attempts >= MAX_ATTEMPTS:
        return None
    return int(FIRST_DELAY_SECONDS * 2 ** (attempts - 1))


def refused_address(address: str) -> str | None:
    """Why a webhook may not be sent to this IP address (SSRF), or None when it may.

    >>> refused_address("93.184.216.34") is None
    True
    >>> [refused_address(a) for a in ("127.0.0.1", "10.1.2.3", "169.254.169.254", "::1")]
    ['loopback', 'private', 'link-local', 'loopback']
    """
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for reason, flag in (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("private", ip.is_private),
        ("multicast", ip.is_multicast),
        ("reserved", ip.is_reserved or ip.is_unspecified),
    ):
        if flag:
            return reason
    return None
