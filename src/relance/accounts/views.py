"""The creditor switcher of the nav."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from relance.accounts.access import access, choose_creditor
from relance.core.roles import Permission
from relance.ledger.views import redirect_back


@access(post=Permission.VIEW)  # switching is reading another creditor's pages
@require_POST
def switch_creditor(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("creditor", "")
    if not chosen.isdigit() or not choose_creditor(request, int(chosen)):
        raise PermissionDenied
    return redirect_back(request, "/")
