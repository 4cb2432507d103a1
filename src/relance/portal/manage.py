"""The credit manager's side of the portal: a new link, or revoke them, from the
customer page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.core.errors import DomainError
from relance.ledger import queries
from relance.ledger.models import Customer
from relance.portal import links


def _customer(code: str) -> Customer:
    try:
        return queries.get_customer(queries.default_creditor(), code)
    except queries.NotFound as exc:
        raise Http404(str(exc)) from None


@login_required
@require_POST
def new_link(request: HttpRequest, code: str) -> HttpResponse:
    customer = _customer(code)
    try:
        links.require_key()
        links.create(customer, actor=request.user.get_username())
        messages.success(request, _("New portal link made."))
    except DomainError as exc:
        messages.error(request, str(exc))
    return redirect(reverse("customer", args=[customer.code]) + "#portal-link")


@login_required
@require_POST
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    customer = _customer(code)
    count = links.revoke(customer, actor=request.user.get_username())
    messages.success(request, _("%(n)s portal link(s) revoked.") % {"n": count})
    return redirect(reverse("customer", args=[customer.code]) + "#portal-link")
