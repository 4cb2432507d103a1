"""The API, enumerated from its OpenAPI document: every endpoint needs a token; a token
of another creditor gets 404 on every object; a token acts with its user's role of
today; tokens are made only for a member, with the scopes the role grants (docs/roles.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from relance.accounts import services as accounts
from relance.api import tokens
from relance.api.models import ApiToken
from relance.core.errors import DomainError


def _endpoints() -> list[tuple[str, str]]:
    from relance.api.urls import api

    paths = api.get_openapi_schema()["paths"]
    return [(path, method.upper()) for path, ops in paths.items() for method in ops]


# A body that passes validation, so that the request reaches the object's lookup.
BODIES = {
    "/api/disputes/{pk}/comments": {"text": "a comment"},
    "/api/disputes/{pk}/resolve": {"resolution": "rejected"},
    "/api/statement-lines/{pk}/assign": {"customer": "C2"},
}


def _path(world: dict[str, Any], path: str) -> str:
    ids = world["api"]
    collection = path.split("/")[2]
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m[1], ids.get(collection))), path)


def _call(client: Client, method: str, url: str, path: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, BODIES.get(path, {"rows": [{}]}), content_type="application/json",
                       headers=headers)  # fmt: skip


def test_the_document_lists_the_endpoints() -> None:
    assert len(_endpoints()) > 25


def test_every_endpoint_needs_a_token(world) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for path, method in _endpoints():
        assert _call(client, method, _path(world, path), path, None).status_code == 401, path


def test_another_creditors_token_gets_404_on_every_object(world) -> None:  # type: ignore[no-untyped-def]
    _token, secret = tokens.create_token(
        world["users"]["other_admin"], world["other"], scopes=["read", "write"], actor="t"
    )
    client = Client()
    for path, method in _endpoints():
        if "{" not in path:
            continue
        response = _call(client, method, _path(world, path), path, secret)
        assert response.status_code == 404, (method, path, response.status_code)


def test_a_token_acts_with_its_users_role_of_today(world) -> None:  # type: ignore[no-untyped-def]
    manager, creditor = world["users"]["manager"], world["creditor"]
    _token, secret = tokens.create_token(manager, creditor, scopes=["read", "write"], actor="t")
    client = Client()
    accounts.set_role(manager, creditor, "read_only", actor="t")
    for path, method in _endpoints():
        response = _call(client, method, _path(world, path), path, secret)
        assert response.status_code == (200 if method == "GET" else 403), (method, path)
    accounts.set_role(manager, creditor, "collector", actor="t")
    assert _call(client, "GET", "/api/customers", "", secret).status_code == 403
    accounts.remove_member(manager, creditor, actor="t")
    response = _call(client, "GET", "/api/customers", "", secret)
    assert response.status_code == 403
    assert "no longer a member" in response.json()["detail"]


@pytest.mark.parametrize(
    ("who", "scopes", "allowed"),
    [
        ("viewer", ["read", "reports:read"], True),
        ("viewer", ["read", "write"], False),
        ("viewer", ["collection:write"], False),
        ("collector1", ["read"], False),
        ("manager", ["read", "write"], True),
        ("other_admin", ["read"], False),  # not a member of creditor A
    ],
)
def test_tokens_carry_only_the_scopes_the_role_grants(world, who, scopes, allowed) -> None:  # type: ignore[no-untyped-def]
    user, creditor = world["users"][who], world["creditor"]
    if allowed:
        tokens.create_token(user, creditor, scopes=scopes, actor="t")
    else:
        with pytest.raises(DomainError):
            tokens.create_token(user, creditor, scopes=scopes, actor="t")


def test_the_tokens_page_offers_a_read_only_user_the_read_scopes_only(client, world) -> None:  # type: ignore[no-untyped-def]
    viewer = world["users"]["viewer"]
    client.force_login(viewer)
    page = client.get(reverse("api-tokens")).content.decode()
    assert 'value="read"' in page
    assert 'value="write"' not in page
    client.post(reverse("api-tokens"), {"scopes": ["write"], "name": "x"})
    assert not ApiToken.objects.filter(user=viewer).exists()
    client.post(reverse("api-tokens"), {"scopes": ["read"], "name": "x"})
    assert ApiToken.objects.filter(user=viewer).count() == 1
