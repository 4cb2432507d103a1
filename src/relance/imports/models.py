"""One row per import run: what was read, what it changed, where the rejects went."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportRun(models.Model):
    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.CASCADE)
    kind = models.CharField(_("kind"), max_length=20)
    format = models.CharField(_("format"), max_length=10)
    filename = models.CharField(_("file"), max_length=500)
    sha256 = models.CharField(max_length=64)
    actor = models.CharField(max_length=150)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    reject_file = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"
