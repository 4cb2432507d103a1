"""Risk tables: a customer's credit-insurance cover, the external credit scores recorded
for it, and the overdue items declared to the insurer.

The risk score itself is not stored: it is recomputed from the ledger in a few queries
(risk.queries), so it can never be stale. Amounts are integers in minor units.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.ledger.models import Creditor, Customer, Invoice


class CreditCover(models.Model):
    """A credit insurer's cover on a customer (assurance-crédit): how much it guarantees,
    and how many days after an item's due date an unpaid item must be declared to it
    (the policy's deadline: past it, the insurer may refuse to pay the claim)."""

    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, db_index=False)
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="credit_covers",
        verbose_name=_("customer"),
    )  # fmt: skip
    insurer = models.CharField(_("insurer"), max_length=100)
    amount = models.BigIntegerField(_("amount covered"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    policy = models.CharField(_("policy or reference"), max_length=100, blank=True)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    declaration_days = models.PositiveSmallIntegerField(
        _("declaration deadline (days after the due date)"),
        help_text=_("Overdue items must be declared to the insurer within this many days."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("credit insurance cover")
        verbose_name_plural = _("credit insurance covers")
        indexes = [models.Index(fields=["creditor", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.insurer}"


class ExternalScore(models.Model):
    """A credit score from an outside provider (a rating agency, the Banque de France's
    cotation, a credit insurer's grade), as the provider gave it, with an optional value
    on 0 (worst) to 100 (best) that the risk score reads."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="external_scores",
        verbose_name=_("customer"),
    )  # fmt: skip
    provider = models.CharField(_("provider"), max_length=100)
    grade = models.CharField(_("score or grade"), max_length=50)
    value = models.PositiveSmallIntegerField(
        _("value (0 worst to 100 best)"), null=True, blank=True,
        validators=[MaxValueValidator(100)],
    )  # fmt: skip
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("external credit score")
        verbose_name_plural = _("external credit scores")
        indexes = [models.Index(fields=["customer", "-recorded_on"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.grade}"


class Declaration(models.Model):
    """An overdue item declared to the credit insurer (déclaration de menace de sinistre
    or of non-payment): once declared it no longer alerts."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.CASCADE, related_name="insurer_declaration"
    )
    cover = models.ForeignKey(CreditCover, on_delete=models.PROTECT, related_name="declarations")
    declared_on = models.DateField(_("declared on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    declared_by = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("declaration to the insurer")
        verbose_name_plural = _("declarations to the insurer")

    def __str__(self) -> str:
        return f"{self.invoice} {self.declared_on}"
