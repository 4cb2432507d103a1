"""Bearer tokens with scopes: every request acts for the token's user and creditor."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from relance.accounts.queries import role_in
from relance.api import tokens
from relance.api.models import ApiToken
from relance.core.roles import token_scopes
from relance.ledger.models import Creditor


class TokenAuth(HttpBearer):
    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = tokens.authenticate(token)
        if found is None:
            return None
        if not tokens.allows(found, self.scope):
            raise HttpError(403, f"the token lacks the {self.scope!r} scope")
        # The token acts with its user's rights of today: a user who left the creditor, or
        # whose role no longer grants the scope, loses the token's access with it.
        role = role_in(found.user, found.creditor)
        if role is None:
            raise HttpError(403, "the token's user is no longer a member of its creditor")
        if self.scope not in token_scopes(role):
            raise HttpError(403, f"a {role} may not use the {self.scope!r} scope")
        return found


READ = TokenAuth("read")
LEDGER_WRITE = TokenAuth("ledger:write")
COLLECTION_WRITE = TokenAuth("collection:write")
REPORTS_READ = TokenAuth("reports:read")


def token_of(request: HttpRequest) -> ApiToken:
    token: Any = getattr(request, "auth", None)
    assert isinstance(token, ApiToken)
    return token


def creditor_of(request: HttpRequest) -> Creditor:
    return token_of(request).creditor


def actor_of(request: HttpRequest) -> str:
    """Who the audit trail names: the token's user, through the API."""
    token = token_of(request)
    return f"{token.user.get_username()} (api)"
