"""Roles: what each member of a creditor's team may do, as one table.

A user works for a creditor through a membership with one role. The web pages, the API
and the command line ask this table, never a role name, whether something is allowed.

>>> can(Role.READ_ONLY, Permission.VIEW_ALL)
True
>>> can(Role.READ_ONLY, Permission.WORK)
False
>>> can(Role.COLLECTOR, Permission.WORK), can(Role.COLLECTOR, Permission.VIEW_ALL)
(True, False)
>>> can(Role.CREDIT_MANAGER, Permission.MANAGE), can(Role.CREDIT_MANAGER, Permission.ADMIN)
(True, False)
>>> all(can(Role.ADMIN, p) for p in Permission)
True
>>> portfolio_only(Role.COLLECTOR), portfolio_only(Role.CREDIT_MANAGER)
(True, False)
>>> sorted(token_scopes(Role.READ_ONLY))
['read', 'reports:read']
>>> sorted(token_scopes(Role.COLLECTOR))
[]
>>> parse_role("credit-manager")
<Role.CREDIT_MANAGER: 'credit_manager'>
>>> parse_role("boss")
Traceback (most recent call last):
...
relance.core.errors.DomainError: unknown role 'boss': choose from admin, credit_manager, collector, read_only
"""

from __future__ import annotations

from enum import StrEnum

from relance.core.errors import DomainError


class Role(StrEnum):
    ADMIN = "admin"
    CREDIT_MANAGER = "credit_manager"
    COLLECTOR = "collector"
    READ_ONLY = "read_only"


class Permission(StrEnum):
    VIEW = "view"  # read the pages of the customers one may see
    # Creditor-wide pages: reports, imports, bank matching, hand-offs, templates, scenarios.
    VIEW_ALL = "view_all"
    WORK = "work"  # calls, notes, promises, disputes (open, comment, withdraw), holds
    APPROVE = "approve"  # approve or reject actions, runs, letters posted, failed messages
    # Imports, scenarios, templates, payment plans, hand-offs, write-offs and credit notes,
    # matching decisions, risk, penalty invoices, portal links, collectors' portfolios.
    MANAGE = "manage"
    ADMIN = "admin"  # members and roles, webhooks


_ALL = frozenset(Permission)
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: _ALL,
    Role.CREDIT_MANAGER: _ALL - {Permission.ADMIN},
    Role.COLLECTOR: frozenset({Permission.VIEW, Permission.WORK}),
    Role.READ_ONLY: frozenset({Permission.VIEW, Permission.VIEW_ALL}),
}

# Roles that see and work only the customers assigned to them.
PORTFOLIO_ROLES = frozenset({Role.COLLECTOR})

# API token scopes a role may grant (relance.api.models.SCOPES). A collector's portfolio
# is not carried by the API's creditor-wide lists: collectors get no token.
_WRITE_SCOPES = frozenset({"write", "ledger:write", "collection:write"})
_READ_SCOPES = frozenset({"read", "reports:read"})
TOKEN_SCOPES: dict[Role, frozenset[str]] = {
    Role.ADMIN: _READ_SCOPES | _WRITE_SCOPES,
    Role.CREDIT_MANAGER: _READ_SCOPES | _WRITE_SCOPES,
    Role.COLLECTOR: frozenset(),
    Role.READ_ONLY: _READ_SCOPES,
}


def can(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def portfolio_only(role: Role) -> bool:
    """True when the role sees only the customers assigned to the user."""
    return role in PORTFOLIO_ROLES


def token_scopes(role: Role) -> frozenset[str]:
    return TOKEN_SCOPES[role]


def parse_role(text: str) -> Role:
    """A role from what a person types ("credit-manager", "Read only" are accepted)."""
    key = text.strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Role(key)
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise DomainError(f"unknown role {text!r}: choose from {choices}") from None
