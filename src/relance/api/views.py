"""The user's own API tokens: create (the secret shown once) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.api import tokens as service
from relance.api.models import SCOPES, ApiToken
from relance.core.errors import DomainError
from relance.ledger.views import current_creditor


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    secret = ""
    if request.method == "POST":
        try:
            _token, secret = service.create_token(
                request.user, current_creditor(), scopes=request.POST.getlist("scopes"),
                name=request.POST.get("name", ""), actor=request.user.get_username(),
            )  # fmt: skip
        except DomainError as exc:
            messages.error(request, str(exc))
    mine = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "api/tokens.html",
                  {"tokens": mine, "scopes": SCOPES, "secret": secret, "nav": "tokens"})  # fmt: skip


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, user=request.user, pk=pk)
    service.revoke_token(token, actor=request.user.get_username())
    messages.success(request, _("Token revoked."))
    return redirect("api-tokens")
