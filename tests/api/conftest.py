from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.members import member

from relance.api import tokens
from relance.ledger.models import Creditor


@pytest.fixture
def user(creditor: Creditor) -> Any:
    return member("alice", password="pw-alice-123")


@pytest.fixture
def ledger(load):  # type: ignore[no-untyped-def]
    """C1 with an overdue and a paid-later invoice, C2 with one invoice."""
    load("customers", "customer,name,segment\nC2,Beta,retail\n")
    load(
        "invoices",
        "number,customer,issue_date,due_date,amount\n"
        "F1,C1,2026-01-01,2026-01-31,1200.00\n"
        "F2,C1,2026-02-01,2099-03-03,300.50\n"
        "F3,C2,2026-01-05,2026-02-04,99.99\n",
    )
    return load


@pytest.fixture
def bearer(user: Any, creditor: Creditor):  # type: ignore[no-untyped-def]
    """bearer("read", "write") -> the Authorization header of a new token."""

    def _make(*scopes: str) -> dict[str, str]:
        _token, secret = tokens.create_token(user, creditor, scopes=scopes, actor="t")
        return {"Authorization": f"Bearer {secret}"}

    return _make


@pytest.fixture
def api(bearer):  # type: ignore[no-untyped-def]
    """A client sending a token with every scope."""

    class Api:
        def __init__(self) -> None:
            self.client = Client()
            self.headers = bearer("read", "write")

        def get(self, path: str, **params: Any) -> Any:
            return self.client.get(f"/api{path}", params, headers=self.headers)

        def post(self, path: str, body: Any, **headers: str) -> Any:
            return self.client.post(f"/api{path}", body, content_type="application/json",
                                    headers=self.headers | headers)  # fmt: skip

    return Api()
