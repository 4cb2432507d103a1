"""Who works for which creditor, and in which role (relance.core.roles says what a role may do)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.roles import Role


class RoleChoices(models.TextChoices):
    ADMIN = Role.ADMIN, _("administrator")
    CREDIT_MANAGER = Role.CREDIT_MANAGER, _("credit manager")
    COLLECTOR = Role.COLLECTOR, _("collector")
    READ_ONLY = Role.READ_ONLY, _("read only")


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    creditor = models.ForeignKey(
        "ledger.Creditor", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=RoleChoices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "creditor"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.creditor}"
