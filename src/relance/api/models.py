"""API tables: tokens (only a hash of the secret is kept) and stored idempotent responses."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SCOPES = (
    "read",  # every GET
    "write",  # every POST (implies the narrower write scopes)
    "ledger:write",  # customers, invoices, payments, statement-line decisions
    "collection:write",  # disputes, promises, notes, runs
    "reports:read",
)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.CASCADE)
    name = models.CharField(_("name"), max_length=100, blank=True)
    # The first characters of the secret, shown in lists to tell tokens apart.
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"


class IdempotentRequest(models.Model):
    """A POST made with an Idempotency-Key: the same key replays the stored response."""

    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="requests")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_sha256 = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_key_unique")
        ]
