"""Reads of memberships: which creditors a user works for, in which role."""

from __future__ import annotations

from typing import Any

from relance.accounts.models import Membership
from relance.core.roles import Role
from relance.ledger.models import Creditor


def roles_of(user: Any) -> list[tuple[Creditor, Role]]:
    """The creditors the user works for, oldest first; a superuser administers them all."""
    if not user.is_authenticated or not user.is_active:
        return []
    if user.is_superuser:
        return [(c, Role.ADMIN) for c in Creditor.objects.order_by("id")]
    rows = Membership.objects.filter(user=user).select_related("creditor").order_by("creditor_id")
    return [(m.creditor, Role(m.role)) for m in rows]


def role_in(user: Any, creditor: Creditor) -> Role | None:
    """The user's role at this creditor, or None when they are not a member."""
    if not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    found = Membership.objects.filter(user=user, creditor=creditor).values_list("role", flat=True)
    role = found.first()
    return Role(role) if role else None
