from __future__ import annotations

import json
from typing import Any

from django.test import Client
from tests.members import member

from relance.api import tokens
from relance.api.models import ApiToken
from relance.audit import Event
from relance.collection.models import Dispute
from relance.ledger.models import Invoice
from relance.ledger.services import create_creditor

PROBLEM = "application/problem+json"


def test_a_request_without_a_token_is_a_401_problem(db: None) -> None:
    response = Client().get("/api/invoices")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_bad_or_revoked_token_is_refused(user: Any, creditor: Any) -> None:
    token, secret = tokens.create_token(user, creditor, scopes=["read"], actor="t")
    client = Client()
    assert (
        client.get("/api/invoices", headers={"Authorization": "Bearer rl_nope"}).status_code == 401
    )
    ok = client.get("/api/invoices", headers={"Authorization": f"Bearer {secret}"})
    assert ok.status_code == 200
    tokens.revoke_token(token, actor="t")
    refused = client.get("/api/invoices", headers={"Authorization": f"Bearer {secret}"})
    assert refused.status_code == 401
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None
    assert Event.objects.filter(verb="api_token.revoked").count() == 1


def test_only_the_hash_of_the_secret_is_stored(user: Any, creditor: Any) -> None:
    _token, secret = tokens.create_token(user, creditor, scopes=["read"], actor="t")
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)


def test_a_read_token_cannot_write(ledger: Any, bearer: Any) -> None:
    response = Client().post(
        "/api/disputes", {"invoice": "F1", "reason": "price"},
        content_type="application/json", headers=bearer("read"),
    )  # fmt: skip
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert "collection:write" in response.json()["detail"]


def test_an_unknown_scope_is_refused(user: Any, creditor: Any) -> None:
    import pytest

    from relance.core.errors import DomainError

    with pytest.raises(DomainError, match="unknown scope"):
        tokens.create_token(user, creditor, scopes=["admin"], actor="t")


def test_another_creditors_invoice_is_not_found(ledger: Any, creditor: Any) -> None:
    other = create_creditor(actor="t", name="Autre SA", country="FR", currency="EUR")
    someone = member("bob")
    _token, secret = tokens.create_token(someone, other, scopes=["read", "write"], actor="t")
    headers = {"Authorization": f"Bearer {secret}"}
    client = Client()
    assert client.get("/api/invoices/F1", headers=headers).status_code == 404
    assert client.get("/api/invoices", headers=headers).json()["count"] == 0
    assert client.get("/api/customers/C1", headers=headers).status_code == 404
    posted = client.post("/api/disputes", {"invoice": "F1", "reason": "price"},
                         content_type="application/json", headers=headers)  # fmt: skip
    assert posted.status_code == 404
    assert posted["Content-Type"] == PROBLEM


def test_invoices_are_paginated_and_filtered(ledger: Any, api: Any) -> None:
    first = api.get("/invoices", limit=2).json()
    assert first["count"] == 3
    assert len(first["results"]) == 2
    assert "offset=2" in first["next"]
    last = api.get("/invoices", limit=2, offset=2).json()
    assert len(last["results"]) == 1
    assert last["next"] is None
    numbers = {r["number"] for r in first["results"] + last["results"]}
    assert numbers == {"F1", "F2", "F3"}
    by_customer = api.get("/invoices", customer="C1").json()["results"]
    assert sorted(r["number"] for r in by_customer) == ["F1", "F2"]
    overdue = api.get("/invoices", overdue="true").json()["results"]
    assert sorted(r["number"] for r in overdue) == ["F1", "F3"]
    due = api.get("/invoices", due_after="2026-01-31", due_before="2026-03-01").json()
    assert [r["number"] for r in due["results"]] == ["F3"]


def test_amounts_are_decimal_strings_with_their_currency(ledger: Any, api: Any) -> None:
    invoice = api.get("/invoices/F2").json()
    assert invoice["amount"] == "300.50"
    assert invoice["currency"] == "EUR"
    customers = api.get("/customers", segment="retail").json()["results"]
    assert [c["customer"] for c in customers] == ["C2"]


def test_a_bad_query_parameter_is_a_problem_with_field_errors(ledger: Any, api: Any) -> None:
    response = api.get("/invoices", limit=0, due_before="tomorrow")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"limit", "due_before"} <= fields


def test_an_invalid_body_is_a_problem_with_field_errors(ledger: Any, api: Any) -> None:
    response = api.post("/promises", {"customer": "C1", "until": "someday"})
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["until"]


def test_a_domain_error_is_a_problem(ledger: Any, api: Any) -> None:
    response = api.post("/disputes", {"invoice": "F1", "reason": "no-such-reason"})
    assert response.status_code == 422
    assert "reason" in response.json()["detail"]


def test_opening_a_dispute_is_audited_and_replayed_with_the_same_key(ledger: Any, api: Any) -> None:
    body = {"invoice": "F1", "reason": "price", "description": "too dear"}
    first = api.post("/disputes", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.content
    again = api.post("/disputes", body, **{"Idempotency-Key": "k-1"})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Dispute.objects.count() == 1
    assert Event.objects.filter(verb="dispute.opened", actor="alice (api)").count() == 1


def test_the_same_key_with_another_body_is_a_conflict(ledger: Any, api: Any) -> None:
    api.post("/disputes", {"invoice": "F1", "reason": "price"}, **{"Idempotency-Key": "k-2"})
    clash = api.post("/disputes", {"invoice": "F3", "reason": "price"},
                     **{"Idempotency-Key": "k-2"})  # fmt: skip
    assert clash.status_code == 409
    assert clash["Content-Type"] == PROBLEM
    assert Dispute.objects.count() == 1


def test_posted_invoices_go_through_the_importer(ledger: Any, api: Any) -> None:
    rows = {"rows": [
        {"number": "F9", "customer": "C1", "issue_date": "2026-03-01",
         "due_date": "2026-03-31", "amount": "42.00"},
        {"number": "F10", "customer": "C1", "issue_date": "not a date", "amount": "1"},
    ]}  # fmt: skip
    report = api.post("/invoices", rows).json()
    assert report["created"] == 1
    assert report["rejected"] == 1
    assert report["errors"][0]["row"] == 2
    assert report["errors"][0]["column"] == "issue_date"
    assert api.post("/invoices", rows).json()["created"] == 0  # a re-post changes nothing
    assert Invoice.objects.get(number="F9").amount == 4200


def test_a_promise_and_a_dry_run_are_recorded_through_the_services(ledger: Any, api: Any) -> None:
    promise = api.post("/promises", {"customer": "C1", "until": "2099-01-01", "amount": "100.00",
                                     "invoices": ["F1"]})  # fmt: skip
    assert promise.status_code == 201, promise.content
    assert promise.json()["amount"] == "100.00"
    assert api.get("/promises", customer="C1").json()["count"] == 1
    run = api.post("/runs", {"date": "2026-03-02", "dry_run": True})
    assert run.status_code == 200, run.content
    assert run.json()["run"] is None
    assert "skipped" in run.json()
    assert api.get("/runs").json()["count"] == 0


def test_the_openapi_document_lists_the_paths(db: None) -> None:
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for expected in ("/api/customers", "/api/invoices/{number}", "/api/disputes",
                     "/api/promises", "/api/runs", "/api/statement-lines/{pk}/assign"):  # fmt: skip
        assert expected in paths


def test_the_docs_page_loads_its_assets_from_our_own_server(db: None) -> None:
    html = Client().get("/api/docs").content.decode()
    assert "swagger-ui-bundle.js" in html
    assert "cdn." not in html
    assert "https://" not in html.split("<body")[0]
    assert Client().get("/static/ninja/swagger-ui-bundle.js").status_code == 200


def test_an_unknown_api_path_is_a_problem(db: None) -> None:
    response = Client().get("/api/nothing-here")
    assert response.status_code == 404
    assert response["Content-Type"] == PROBLEM


def test_a_user_creates_and_revokes_a_token_on_the_page(user: Any, creditor: Any) -> None:
    client = Client()
    client.force_login(user)
    page = client.post("/tokens/", {"name": "erp", "scopes": ["read"]})
    assert page.status_code == 200
    secret = page.context["secret"]
    assert secret.startswith("rl_")
    assert secret.encode() in page.content
    token = ApiToken.objects.get(user=user)
    client.post(f"/tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert secret.encode() not in client.get("/tokens/").content


def test_every_list_and_record_answers_in_its_documented_shape(
    ledger: Any, creditor: Any, api: Any, write: Any
) -> None:
    from datetime import date

    from relance.bank.services import import_statement
    from relance.collection.services import create_plan, install_default_scenarios
    from relance.ledger.queries import get_customer

    install_default_scenarios(creditor, actor="t")
    create_plan(get_customer(creditor, "C2"), [Invoice.objects.get(number="F3")], count=2,
                every="month", first=date(2026, 3, 15), on=date(2026, 3, 1), actor="t")  # fmt: skip
    import_statement(write("releve.csv", "date,amount,currency,reference,text,counterparty,iban\n"
                           "2026-03-04,50.00,EUR,,virement,INCONNU,\n"), creditor, "t")  # fmt: skip
    api.post("/disputes", {"invoice": "F2", "reason": "price"})
    ran = api.post("/runs", {"date": "2026-03-02"})
    assert ran.status_code == 201, ran.content
    assert ran.json()["actions"][0]["invoices"] == ["F1"]
    for path in ("/customers", "/contacts", "/invoices", "/payments", "/allocations",
                 "/statements", "/statement-lines", "/actions", "/runs", "/disputes",
                 "/promises", "/plans"):  # fmt: skip
        response = api.get(path)
        assert response.status_code == 200, (path, response.content)
    action = api.get("/actions").json()["results"][0]
    assert api.get(f"/actions/{action['id']}").json() == action
    assert action["amount"] == "1200.00"
    run = api.get("/runs").json()["results"][0]
    assert api.get(f"/runs/{run['id']}").json()["actions"] == 1
    plan = api.get("/plans").json()["results"][0]
    assert [i["amount"] for i in api.get(f"/plans/{plan['id']}").json()["instalments"]] == [
        "50.00",
        "49.99",
    ]
    statement = api.get("/statements").json()["results"][0]
    assert api.get(f"/statements/{statement['id']}").json()["lines"][0]["amount"] == "50.00"
    dispute = api.get("/disputes").json()["results"][0]
    comment = api.post(f"/disputes/{dispute['id']}/comments", {"text": "credit note asked"})
    assert comment.status_code == 201
    assert api.get(f"/disputes/{dispute['id']}").json()["comments"][0]["text"] == (
        "credit note asked"
    )
    resolved = api.post(f"/disputes/{dispute['id']}/resolve", {"resolution": "rejected"})
    assert resolved.json()["status"] == "rejected"
    customer = api.get("/customers/C1").json()
    assert customer["balance"][0]["open"] == "1500.50"
