"""The debtor portal's table: the links given to a customer, so that each can expire or
be revoked (the token only names a link; the link says whether it still opens)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.ledger.models import Customer


class PortalLink(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="portal_links")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = _("portal link")
        verbose_name_plural = _("portal links")
        indexes = [models.Index(fields=["customer", "revoked_at", "expires_at"])]

    def __str__(self) -> str:
        return f"portal link {self.pk}"
