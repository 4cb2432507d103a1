"""Create, check and revoke API tokens; every change is audited."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from relance import audit
from relance.accounts.queries import role_in
from relance.api.models import SCOPES, ApiToken
from relance.core.errors import DomainError
from relance.core.roles import token_scopes
from relance.ledger.models import Creditor

PREFIX = "rl_"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted({s.strip() for s in scopes if s.strip()})
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise DomainError(f"unknown scope {unknown[0]!r}: choose from {', '.join(SCOPES)}")
    if not chosen:
        raise DomainError(f"a token needs at least one scope: {', '.join(SCOPES)}")
    return chosen


@transaction.atomic
def create_token(
    user: Any, creditor: Creditor, *, scopes: Iterable[str], name: str = "", actor: str
) -> tuple[ApiToken, str]:
    """A new token and its secret; the secret is shown once, only its hash is kept.
    Only for a creditor the user is a member of, with scopes their role may grant."""
    chosen = parse_scopes(scopes)
    role = role_in(user, creditor)
    if role is None:
        raise DomainError(f"{user.get_username()} is not a member of {creditor}")
    refused = [s for s in chosen if s not in token_scopes(role)]
    if refused:
        granted = ", ".join(sorted(token_scopes(role))) or "none"
        raise DomainError(
            f"a {role} may not grant the {', '.join(refused)} scope (allowed: {granted})"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, creditor=creditor, name=name.strip(), prefix=secret[:12],
        secret_hash=_hash(secret), scopes=chosen,
    )  # fmt: skip
    audit.record(actor, "api_token.created", token,
                 {"user": user.get_username(), "name": token.name, "scopes": chosen},
                 creditor_id=creditor.pk)  # fmt: skip
    return token, secret


@transaction.atomic
def revoke_token(token: ApiToken, *, actor: str) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor, "api_token.revoked", token, {"name": token.name},
                     creditor_id=token.creditor_id)  # fmt: skip
    return token


def authenticate(secret: str) -> ApiToken | None:
    """The live token with this secret, or None; compared by hash, never in clear."""
    token = (
        ApiToken.objects.select_related("user", "creditor")
        .filter(prefix=secret[:12], secret_hash=_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Last use to the minute is enough, and spares a write on every request.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def allows(token: ApiToken, scope: str) -> bool:
    """`write` covers every write scope; `read` covers reports too."""
    granted = set(token.scopes)
    if scope in granted:
        return True
    if scope.endswith(":write"):
        return "write" in granted
    return scope == "reports:read" and "read" in granted


def token_json(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "user": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "scopes": token.scopes,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }
