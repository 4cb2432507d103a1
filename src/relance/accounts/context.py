"""Template context: the user's access, for the nav's creditor switcher and role-aware links."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from relance.accounts.access import access_of
from relance.core.roles import Permission


def access(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    try:
        found = access_of(request)
    except PermissionDenied:
        return {}
    return {"access": found, "perms_of_role": {p.value: found.can(p) for p in Permission}}
