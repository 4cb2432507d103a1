"""What Relance's logs may not hold: a debtor's portal token is a key to their account,
and Django logs the path of every request it answers with a 4xx or 5xx."""

from __future__ import annotations

import logging
import re

# /portal/<token>/...: the token is everything up to the next slash (or the end).
_PORTAL = re.compile(r"(/portal/)(?!manage/)[^/\s]+")


def redact(text: str) -> str:
    """The text with portal tokens replaced.

    >>> redact("Not Found: /portal/AbC.123-x/invoices/7/")
    'Not Found: /portal/[token]/invoices/7/'
    >>> redact("/portal/manage/new/C1")
    '/portal/manage/new/C1'
    """
    return _PORTAL.sub(r"\1[token]", text)


class PortalTokens(logging.Filter):
    """Rewrites a record's message and arguments without portal tokens."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True
