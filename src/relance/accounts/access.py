"""Who may see and do what on the web pages: the request user's creditors and role.

Every staff view is wrapped in `access(...)`: it sends anonymous users to the login page,
answers 403 to a user with no membership or whose role lacks the permission the request
needs (the GET permission for reads, the POST one for everything else), and leaves the
user's `Access` on the request. Views then read their creditor from
`current_creditor(request)` and narrow customers and their records with `Access.scope`,
so another creditor's objects, and for a collector another collector's customers, answer
404 like objects that do not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from relance.accounts.queries import roles_of
from relance.core.roles import Permission, Role, can, portfolio_only
from relance.ledger.models import Creditor, Customer

SESSION_KEY = "relance_creditor"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

M = TypeVar("M", bound=Model)


@dataclass
class Access:
    user: Any
    creditor: Creditor
    role: Role
    # Every creditor the user may switch to, with the role held there.
    choices: list[tuple[Creditor, Role]] = field(default_factory=list)

    def can(self, permission: Permission) -> bool:
        return can(self.role, permission)

    @property
    def portfolio_only(self) -> bool:
        return portfolio_only(self.role)

    def scope(self, qs: QuerySet[M], path: str = "customer") -> QuerySet[M]:
        """`qs` narrowed to this creditor's records a collector may see through `path`, the
        lookup from the model to its customer ("" when the model is the customer)."""
        prefix = f"{path}__" if path else ""
        # A record that names its own creditor (the services make it its customer's) is
        # narrowed by it: the customers' table then joins only for a portfolio.
        names_creditor = any(f.name == "creditor" for f in qs.model._meta.concrete_fields)
        own = "" if path == "customer" and names_creditor else prefix
        qs = qs.filter(**{f"{own}creditor": self.creditor})
        if self.portfolio_only:
            qs = qs.filter(**{f"{prefix}collector": self.user})
        return qs

    def customers(self) -> QuerySet[Customer]:
        return self.scope(Customer.objects.all(), "")

    def sees(self, customer: Customer) -> bool:
        return customer.creditor_id == self.creditor.pk and (
            not self.portfolio_only or customer.collector_id == self.user.pk
        )

    def require(self, customer: Customer) -> Customer:
        """The customer, or 404 when it is not one this user may see."""
        if not self.sees(customer):
            raise Http404(_("No such customer."))
        return customer


def access_of(request: HttpRequest) -> Access:
    """The request user's access: the creditor chosen in the session among their
    memberships (the first one by default). 403 when they have none."""
    cached = getattr(request, "_relance_access", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    choices = roles_of(request.user)
    if not choices:
        raise PermissionDenied(
            _("Your account is not a member of any creditor. Ask an administrator to add you.")
        )
    chosen = request.session.get(SESSION_KEY)
    creditor, role = next(((c, r) for c, r in choices if c.pk == chosen), choices[0])
    found = Access(request.user, creditor, role, choices)
    request._relance_access = found  # type: ignore[attr-defined]
    return found


def current_creditor(request: HttpRequest) -> Creditor:
    return access_of(request).creditor


def choose_creditor(request: HttpRequest, creditor_id: int) -> bool:
    """Switch the session to another of the user's creditors; False if not theirs."""
    if not any(c.pk == creditor_id for c, _role in roles_of(request.user)):
        return False
    request.session[SESSION_KEY] = creditor_id
    request.__dict__.pop("_relance_access", None)
    return True


View = Callable[..., HttpResponse]


def access(
    read: Permission = Permission.VIEW, *, post: Permission = Permission.MANAGE
) -> Callable[[View], View]:
    """Require a login, a membership and the role's permission: `read` for GET and HEAD,
    `post` for any other method (a read-only user's POST is always refused)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            found = access_of(request)
            need = read if request.method in SAFE_METHODS else post
            if not found.can(need):
                raise PermissionDenied(_("Your role does not allow this."))
            return view(request, *args, **kwargs)

        guarded = login_required(wrapped)
        guarded.relance_access = (read, post)  # type: ignore[attr-defined]
        return guarded

    return decorate
