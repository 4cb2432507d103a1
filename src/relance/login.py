"""The staff login: Django's view with a rate limit and an audit of failed attempts.

Attempts are counted per address and per username in the portal's cache-based limiter
(relance.portal.ratelimit); past the limit in the last sixty seconds the form is refused.
A failed attempt writes an audit event with the username and address, never the password.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from relance import audit
from relance.portal import ratelimit


class LoginView(auth_views.LoginView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        now = time.time()
        limit = settings.LOGIN_ATTEMPTS_PER_MINUTE
        address = request.META.get("REMOTE_ADDR", "")
        username = request.POST.get("username", "").strip().lower()
        # Both counters move on every attempt, so neither guessing many passwords for one
        # user nor one password for many users gets far.
        by_address = ratelimit.allowed("login-ip", address, limit, now=now)
        by_username = ratelimit.allowed("login-user", username, limit, now=now)
        if not (by_address and by_username):
            _failed(request, username, "locked")
            # An unbound form: the password is not even checked.
            form = self.get_form_class()(request, initial={"username": username})
            locked = _("Too many login attempts. Wait a minute and try again.")
            response = self.render_to_response(self.get_context_data(form=form, locked=locked))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        _failed(self.request, self.request.POST.get("username", "").strip(), "invalid")
        return super().form_invalid(form)


def _failed(request: HttpRequest, username: str, why: str) -> None:
    user = User.objects.filter(username__iexact=username).first()
    event = audit.Event(
        actor=username[:150] or "anonymous",
        verb="login_failed",
        subject_type="user",
        subject_id=user.pk if user else None,
        data={
            "username": username[:150],
            "address": request.META.get("REMOTE_ADDR", ""),
            "why": why,
        },
    )
    event.save()
