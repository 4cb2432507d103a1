"""The only writers of memberships and collectors' portfolios; every change is audited
in the same transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from relance import audit
from relance.accounts.models import Membership
from relance.core.errors import DomainError
from relance.core.roles import Permission, Role, can, parse_role
from relance.ledger.models import Creditor, Customer


def members(creditor: Creditor, permission: Permission | None = None) -> Any:
    """The creditor's users (superusers not included), those whose role has `permission`."""
    roles = [r for r in Role if permission is None or can(r, permission)]
    return get_user_model().objects.filter(
        is_active=True, memberships__creditor=creditor, memberships__role__in=roles
    )


def staff_of(creditor: Creditor) -> Any:
    """Everyone who works on the creditor's pages: its members and the superusers."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(memberships__creditor=creditor) | Q(is_superuser=True))
        .distinct()
    )


@transaction.atomic
def add_user(username: str, *, actor: str, password: str | None = None, email: str = "") -> Any:
    """A new staff user; without a password it cannot log in until one is set."""
    username = username.strip()
    if not username:
        raise DomainError("a user needs a username")
    users = get_user_model()
    if users.objects.filter(username__iexact=username).exists():
        raise DomainError(f"user {username!r} already exists")
    user = users.objects.create_user(username, email=email or "", password=password)
    audit.record(actor, "user.created", user, {"username": username, "email": email})
    return user


@transaction.atomic
def set_password(user: Any, password: str, *, actor: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record(actor, "user.password_set", user, {"username": user.get_username()})


@transaction.atomic
def set_role(user: Any, creditor: Creditor, role: Role | str, *, actor: str) -> Membership:
    """Make `user` a member of `creditor` with `role`, or change the role they have."""
    role = parse_role(role)
    found = Membership.objects.select_for_update().filter(user=user, creditor=creditor).first()
    if found is None:
        found = Membership.objects.create(user=user, creditor=creditor, role=role)
        audit.record(actor, "membership.added", found,
                     {"user": user.get_username(), "role": role}, creditor_id=creditor.pk)  # fmt: skip
    elif found.role != role:
        old, found.role = found.role, role
        found.save(update_fields=["role"])
        audit.record(actor, "membership.changed", found,
                     {"user": user.get_username(), "role": [old, role]},
                     creditor_id=creditor.pk)  # fmt: skip
    return found


@transaction.atomic
def remove_member(user: Any, creditor: Creditor, *, actor: str) -> int:
    """The user leaves the creditor: no more access, and their customers are unassigned."""
    found = Membership.objects.filter(user=user, creditor=creditor).first()
    if found is None:
        return 0
    for customer in Customer.objects.filter(creditor=creditor, collector=user):
        assign_collector(customer, None, actor=actor)
    audit.record(actor, "membership.removed", found,
                 {"user": user.get_username(), "role": found.role}, creditor_id=creditor.pk)  # fmt: skip
    found.delete()
    return 1


@transaction.atomic
def assign_collector(customer: Customer, collector: Any | None, *, actor: str) -> Customer:
    """Put the customer in `collector`'s portfolio (None: in no one's). The collector must be
    a member of the customer's creditor whose role works customers."""
    if collector is not None:
        member = Membership.objects.filter(user=collector, creditor_id=customer.creditor_id).first()
        if member is None or not can(Role(member.role), Permission.WORK):
            raise DomainError(
                f"{collector.get_username()} is not a member of {customer.creditor} "
                "who works customers (collector, credit manager or admin)"
            )
    old = customer.collector
    if old == collector:
        return customer
    Customer.objects.filter(pk=customer.pk).update(collector=collector)
    customer.collector = collector
    audit.record(actor, "customer.collector_assigned", customer, {
        "customer": customer.code,
        "collector": [old.get_username() if old else None,
                      collector.get_username() if collector else None],
    })  # fmt: skip
    return customer
