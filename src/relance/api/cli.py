"""`relance token create|list|revoke`: API tokens for a user."""

from __future__ import annotations

from typing import Annotated

import typer

token_app = typer.Typer(help="API tokens (REST API, docs/api.md).", no_args_is_help=True)


@token_app.command("create")
def create(
    username: str,
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope", help="read, write, ledger:write, collection:write, reports:read; repeat."
        ),
    ],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "",
) -> None:
    """Create a token; its secret is printed once (only a hash is kept)."""
    from relance.cli import creditor, emit, fail, setup

    setup()
    from django.contrib.auth import get_user_model

    from relance.api import tokens
    from relance.core.errors import DomainError

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise fail(f"no user {username!r}")
    try:
        token, secret = tokens.create_token(
            user, creditor(), scopes=[s for v in scope for s in v.split(",")], name=name,
            actor="cli",
        )  # fmt: skip
    except DomainError as exc:
        raise fail(str(exc)) from None
    emit(tokens.token_json(token) | {"token": secret})


@token_app.command("list")
def list_() -> None:
    """Every token (never the secrets)."""
    from relance.cli import emit, setup

    setup()
    from relance.api import tokens
    from relance.api.models import ApiToken

    emit([tokens.token_json(t) for t in ApiToken.objects.select_related("user").order_by("pk")])


@token_app.command("revoke")
def revoke(token_id: int) -> None:
    """Revoke a token: it stops working at once."""
    from relance.cli import emit, fail, setup

    setup()
    from relance.api import tokens
    from relance.api.models import ApiToken

    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise fail(f"no token {token_id}")
    emit(tokens.token_json(tokens.revoke_token(token, actor="cli")))
