"""The API's report endpoints answer the CLI's JSON documents, on the ledger of
tests/reports/conftest.py, for a token with the `reports:read` scope."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from tests.members import member
from typer.testing import CliRunner

from relance.api import tokens
from relance.cli import app

PROBLEM = "application/problem+json"


@pytest.fixture
def bearer(ledger):  # type: ignore[no-untyped-def]
    """bearer("reports:read") -> the Authorization header of a new token of alice."""
    alice = member("alice", password="pw-alice-123")

    def _make(*scopes: str) -> dict[str, str]:
        _token, secret = tokens.create_token(alice, ledger, scopes=scopes, actor="t")
        return {"Authorization": f"Bearer {secret}"}

    return _make


def get(path: str, headers: dict[str, str], **params: Any) -> Any:
    return Client().get(f"/api/reports/{path}", params, headers=headers)


def cli(*args: str) -> Any:
    done = CliRunner().invoke(app, ["report", *args, "--json"])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_the_aged_balance_is_the_cli_document_with_the_right_figures(bearer):  # type: ignore[no-untyped-def]
    response = get("aging", bearer("reports:read"), date="2026-03-31")
    assert response.status_code == 200, response.content
    docs = response.json()
    assert docs == cli("aging", "--date", "2026-03-31")
    eur = docs[0]
    # F1 600.00 + F3 2000.00 + F6 300.00 - AV1 100.00 - P4's 200.00 on account
    assert (eur["currency"], eur["total"]) == ("EUR", "2600.00")
    assert [c["code"] for c in eur["customers"]] == ["C2", "C1"]
    assert eur["customers"][0]["buckets"][2] == {"label": "31-60", "amount": "2000.00", "count": 1}


def test_the_aged_balance_takes_bucket_limits_and_a_segment(bearer):  # type: ignore[no-untyped-def]
    response = get(
        "aging", bearer("reports:read"), date="2026-05-15", buckets="30,60,90,120", segment="PME"
    )
    assert response.status_code == 200, response.content
    doc = response.json()
    assert doc == cli("aging", "--date", "2026-05-15", "--buckets", "30,60,90,120",
                      "--segment", "PME")  # fmt: skip
    assert [b["label"] for b in doc["buckets"]] == [
        "not_due", "1-30", "31-60", "61-90", "91-120", "over_120", "credits",
    ]  # fmt: skip
    assert {c["code"] for c in doc["customers"]} == {"C1"}


def test_the_indicators_are_the_cli_document_with_the_customers_habits(bearer):  # type: ignore[no-untyped-def]
    response = get("dso", bearer("read"), date="2026-04-30", customer="C1")
    assert response.status_code == 200, response.content
    docs = response.json()
    assert docs == cli("dso", "--date", "2026-04-30", "--customer", "C1")
    assert docs[0]["currency"] == "EUR"
    assert len(docs[0]["trend"]) == 12
    assert docs[0]["customer"]["customer"] == "C1"
    without = get("dso", bearer("read"), date="2026-04-30", months=0).json()
    assert "customer" not in without[0]
    assert without[0]["trend"] == []
    assert without == cli("dso", "--date", "2026-04-30", "--months", "0")


def test_the_forecast_and_its_backtest_are_the_cli_documents(bearer):  # type: ignore[no-untyped-def]
    headers = bearer("reports:read")
    doc = get("forecast", headers, date="2026-03-02").json()
    assert doc == cli("forecast", "--date", "2026-03-02")
    assert (len(doc["weeks"]), doc["weeks"][0]["week"]) == (13, "2026-W10")
    assert "actual" not in doc["weeks"][0]
    backtest = get("forecast", headers, backtest="true", at="2026-03-02").json()
    assert backtest == cli("forecast", "--backtest", "--at", "2026-03-02")
    assert (backtest["wape"], backtest["actual"]) == ("200.0", "2900.00")


def test_a_token_without_the_reports_scope_is_forbidden(bearer):  # type: ignore[no-untyped-def]
    for path in ("aging", "dso", "forecast"):
        response = get(path, bearer("ledger:write", "collection:write"))
        assert response.status_code == 403
        assert response["Content-Type"] == PROBLEM
        assert "reports:read" in response.json()["detail"]


def test_a_request_without_a_token_is_a_401_problem(ledger):  # type: ignore[no-untyped-def]
    for path in ("aging", "dso", "forecast"):
        response = get(path, {})
        assert response.status_code == 401
        assert response["Content-Type"] == PROBLEM
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_date_is_a_problem_naming_the_parameter(bearer):  # type: ignore[no-untyped-def]
    for path in ("aging", "dso", "forecast"):
        response = get(path, bearer("reports:read"), date="31/03/2026")
        assert response.status_code == 422
        assert response["Content-Type"] == PROBLEM
        assert [e["field"] for e in response.json()["errors"]] == ["date"]


def test_bad_bucket_limits_and_an_unknown_customer_are_problems(bearer):  # type: ignore[no-untyped-def]
    headers = bearer("reports:read")
    limits = get("aging", headers, buckets="60,30")
    assert (limits.status_code, limits["Content-Type"]) == (422, PROBLEM)
    assert "increasing" in limits.json()["detail"]
    unknown = get("dso", headers, customer="NOPE")
    assert (unknown.status_code, unknown["Content-Type"]) == (404, PROBLEM)


def test_the_openapi_document_lists_the_report_endpoints(db: None) -> None:
    paths = Client().get("/api/openapi.json").json()["paths"]
    for name in ("aging", "dso", "forecast"):
        operation = paths[f"/api/reports/{name}"]["get"]
        assert "date" in [p["name"] for p in operation["parameters"]]
        assert operation["tags"] == ["reports"]
