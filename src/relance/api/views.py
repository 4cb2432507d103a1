"""The user's own API tokens: create (the secret shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import access, access_of, current_creditor
from relance.api import tokens as service
from relance.api.models import SCOPES, ApiToken
from relance.core.errors import DomainError
from relance.core.roles import Permission, token_scopes


@access(post=Permission.VIEW)  # one's own tokens, with the scopes one's role grants
def token_list(request: HttpRequest) -> HttpResponse:
    secret = ""
    if request.method == "POST":
        try:
            _token, secret = service.create_token(
                request.user, current_creditor(request), scopes=request.POST.getlist("scopes"),
                name=request.POST.get("name", ""), actor=request.user.get_username(),
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, str(exc))
    mine = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    allowed = token_scopes(access_of(request).role)
    scopes = [s for s in SCOPES if s in allowed]
    return render(request, "api/tokens.html",
                  {"tokens": mine, "scopes": scopes, "secret": secret, "nav": "tokens"})  # fmt: skip


@access(post=Permission.VIEW)  # one's own tokens: revoking takes rights away
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, user=request.user, pk=pk)
    service.revoke_token(token, actor=request.user.get_username())
    messages.success(request, _("Token revoked."))
    return redirect("api-tokens")
