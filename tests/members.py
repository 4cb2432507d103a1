"""Staff users for tests: a user who is a member, with a role, of the creditors made so far."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from relance.accounts import services
from relance.ledger.models import Creditor


def member(username: str, *args: Any, role: str = "credit_manager", **extra: Any) -> Any:
    """Like create_user (same arguments), then a membership in every existing creditor."""
    user = get_user_model().objects.create_user(username, *args, **extra)
    for creditor in Creditor.objects.order_by("id"):
        services.set_role(user, creditor, role, actor="test")
    return user
