"""The credit manager's side of the portal: a new link, or revoke them, from the
customer page."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.accounts.access import access
from relance.core.errors import DomainError
from relance.core.roles import Permission
from relance.ledger.views import customer_of
from relance.portal import links


@access(post=Permission.MANAGE)
@require_POST
def new_link(request: HttpRequest, code: str) -> HttpResponse:
    customer = customer_of(request, code)
    try:
        links.require_key()
        links.create(customer, actor=request.user.get_username())
        messages.success(request, _("New portal link made."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("customer", args=[customer.code]) + "#portal-link")


@access(post=Permission.MANAGE)
@require_POST
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    customer = customer_of(request, code)
    count = links.revoke(customer, actor=request.user.get_username())
    messages.success(request, _("%(n)s portal link(s) revoked.") % {"n": count})
    return redirect(reverse("customer", args=[customer.code]) + "#portal-link")
