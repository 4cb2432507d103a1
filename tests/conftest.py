from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from relance.ledger.models import Creditor
from relance.ledger.services import create_creditor

# Hypothesis's deadline per example is a timed assertion: on a loaded machine it failed
# right properties (a pure sum over 30 claims took over 200 ms once).
hypothesis_settings.register_profile("relance", deadline=None)
hypothesis_settings.load_profile("relance")

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Rate limits (portal, login) count in the cache: each test starts from zero."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def creditor(db: None) -> Creditor:
    return create_creditor(
        actor="test",
        name="Atelier Test SAS",
        country="FR",
        currency="EUR",
        iban="FR7630006000011234567890189",
        registration_number="732829320",
    )


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a file in a fresh folder: write("invoices.csv", text, encoding=...)."""

    def _write(name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding=encoding, newline="")
        return path

    return _write


@pytest.fixture
def load(creditor, write):  # type: ignore[no-untyped-def]
    """Customer C1 imported; load(kind, csv_text) imports more of the ledger."""
    from relance.imports.services import import_file

    def _load(kind: str, text: str):  # type: ignore[no-untyped-def]
        return import_file(write(f"{kind}.csv", text), kind, creditor=creditor, actor="t")

    _load("customers", "customer,name\nC1,Alpha\n")
    return _load


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Chromium through Playwright (tests.chromium): pair with `live_server`."""
    from django.db import connections
    from playwright.sync_api import sync_playwright
    from tests.chromium import CHROMIUM

    # Playwright's sync API runs an event loop in this thread; the test's own database
    # calls are plain synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()
        # Database calls made while Playwright's loop runs get connections of their own
        # (Django keeps them per context): closed here, or PostgreSQL keeps the test
        # database busy at teardown.
        connections.close_all()
