"""Gunicorn run from `relance serve --workers N`: several processes, so one machine's
cores all serve pages (waitress, one process, is held to one core by Python's lock).

Gunicorn's own command works as well (`gunicorn relance.wsgi`); this spares a second
configuration: the same options, the migrations and the secret key check of
`relance serve`.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication


class Gunicorn(BaseApplication):
    def __init__(self, application: Any, **options: Any) -> None:
        self.application = application
        # Kept-alive connections wait in a poller, not a thread: long enough that a
        # client (or a proxy) reusing one after a pause does not find it closed.
        self.options = options | {"worker_class": "gthread", "keepalive": 30}
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application
