"""Collection tables: scenarios and their steps (the engine and its outbox come next)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.scenarios import StepChannel, StepMode


class Scenario(models.Model):
    creditor = models.ForeignKey(
        "ledger.Creditor", on_delete=models.CASCADE, related_name="scenarios"
    )
    key = models.SlugField(_("key"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    min_gap_days = models.PositiveSmallIntegerField(_("minimum gap between contacts (days)"))
    # Minimum overdue amount per currency, in minor units: {"EUR": 1000}.
    min_amount = models.JSONField(_("minimum overdue amount"), default=dict, blank=True)
    is_default = models.BooleanField(_("creditor default"), default=False)

    class Meta:
        verbose_name = _("scenario")
        verbose_name_plural = _("scenarios")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "key"], name="scenario_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    key = models.SlugField(_("key"), max_length=50)
    offset = models.SmallIntegerField(
        _("offset (days from due date)"),
        null=True,
        blank=True,
        help_text=_(
            "Negative before the due date; empty for a pre-due step that follows the term."
        ),
    )
    channels = models.JSONField(_("channels"), help_text=", ".join(c.value for c in StepChannel))
    mode = models.CharField(
        _("mode"), max_length=10, choices=[(m.value, m.value) for m in StepMode]
    )
    template = models.CharField(_("template"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["scenario", "position"]
        constraints = [models.UniqueConstraint(fields=["scenario", "key"], name="step_key_unique")]

    def __str__(self) -> str:
        return self.key
