"""A customer's portal links: a signed token naming the customer and the link, the
link's expiry and revocation kept in the database.

The token is the two ids signed by Django's `Signer` (HMAC with SECRET_KEY and a salt of
its own): changing one character makes it unreadable. It carries no name and no amount.
It holds no timestamp, so one link always reads the same (the reminder and the customer
page show the same address); its expiry and revocation are the link's row, checked on
every request.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from relance import audit
from relance.core.errors import DomainError
from relance.ledger.models import Customer
from relance.portal.models import PortalLink

SALT = "relance.portal.link"
SYSTEM = "system"  # who creates the link a reminder carries


class Refused(StrEnum):
    """Why a token does not open the portal (the page says neither whose nor why)."""

    UNREADABLE = "unreadable"  # tampered with, or not a token at all: 404
    GONE = "gone"  # expired or revoked: 410


class LinkRefused(Exception):
    def __init__(self, why: Refused) -> None:
        super().__init__(why.value)
        self.why = why


def token(link: PortalLink) -> str:
    return signing.Signer(salt=SALT).sign_object(
        {"c": link.customer_id, "l": link.pk}, compress=True
    )


def url(link: PortalLink) -> str:
    """The link as a debtor clicks it: RELANCE_BASE_URL and the portal's path."""
    return settings.BASE_URL + reverse("portal:home", args=[token(link)])


def opened(value: str) -> PortalLink:
    """The link a token names, if it still opens; LinkRefused otherwise."""
    try:
        data = signing.Signer(salt=SALT).unsign_object(value)
        customer_id, link_id = int(data["c"]), int(data["l"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkRefused(Refused.UNREADABLE) from None
    link = (
        PortalLink.objects.select_related("customer__creditor")
        .filter(pk=link_id, customer_id=customer_id)
        .first()
    )
    if link is None:
        raise LinkRefused(Refused.UNREADABLE)
    if link.revoked_at is not None or link.expires_at <= timezone.now():
        raise LinkRefused(Refused.GONE)
    return link


def active(customer: Customer) -> PortalLink | None:
    """The newest link of the customer that still opens."""
    return (
        customer.portal_links.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-expires_at", "-pk")
        .first()
    )


@transaction.atomic
def create(customer: Customer, *, actor: str, days: int | None = None) -> PortalLink:
    """A new link for the customer, valid `days` (RELANCE_PORTAL_LINK_DAYS by default).
    Older links keep working until they expire or are revoked."""
    days = settings.PORTAL_LINK_DAYS if days is None else days
    if days < 1:
        raise DomainError("a portal link is valid for one day at least")
    link = PortalLink.objects.create(
        customer=customer, created_by=actor, expires_at=timezone.now() + timedelta(days=days)
    )
    audit.record(actor, "portal.link_created", customer,
                 {"link": link.pk, "days": days, "expires_at": link.expires_at})  # fmt: skip
    return link


@transaction.atomic
def revoke(customer: Customer, *, actor: str) -> int:
    """Every link of the customer stops opening now; returns how many were open."""
    now = timezone.now()
    ids = list(
        customer.portal_links.filter(revoked_at__isnull=True, expires_at__gt=now).values_list(
            "pk", flat=True
        )
    )
    PortalLink.objects.filter(pk__in=ids).update(revoked_at=now, revoked_by=actor)
    if ids:
        audit.record(actor, "portal.links_revoked", customer, {"links": ids})
    return len(ids)


def enabled() -> bool:
    """Links need a key that outlives the process (RELANCE_SECRET_KEY): one signed with
    the throwaway key a command runs with would never open."""
    return bool(settings.SECRET_KEY_FROM_ENV)


def require_key() -> None:
    if not enabled():
        raise DomainError(
            "portal links need RELANCE_SECRET_KEY (or RELANCE_SECRET_KEY_FILE), the same "
            "as the web server's"
        )


def for_message(customer: Customer) -> str:
    """The link a reminder carries: the customer's open link while it has at least half
    its validity left (so a message stays usable for weeks), else a new one; none
    without a stable key."""
    if not enabled():
        return ""
    link = active(customer)
    margin = timedelta(days=settings.PORTAL_LINK_DAYS / 2)
    if link is None or link.expires_at - timezone.now() < margin:
        link = create(customer, actor=SYSTEM)
    return url(link)


def shown(customer: Customer) -> str:
    """The link a rendering that is not sent shows (a preview, a statement downloaded):
    the customer's open link, if any. It reads and never creates one."""
    if not enabled():
        return ""
    link = active(customer)
    return "" if link is None else url(link)
