"""Prediction tables: one trained model per creditor, one prediction per open invoice.

Scores and probabilities are floats: they are statistics, not money. The amount at risk
is money, in the invoice's currency's minor units.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.ledger.models import Creditor, Invoice


class TrainedModel(models.Model):
    """The creditor's payment models, pickled, with how well they validated."""

    creditor = models.OneToOneField(
        Creditor, on_delete=models.CASCADE, related_name="payment_model"
    )
    blob = models.BinaryField()
    library_version = models.CharField(max_length=20)  # a pickle only loads in its own
    trained_at = models.DateTimeField(_("trained at"))
    as_of = models.DateField(_("history up to"))
    training_rows = models.PositiveIntegerField(_("training rows"))
    # The time-ordered hold-out: the latest fifth of paid invoices, learnt from the rest.
    validation_rows = models.PositiveIntegerField(default=0)
    mae_days = models.FloatField(null=True, blank=True)
    accuracy = models.FloatField(null=True, blank=True)
    baseline_mae_days = models.FloatField(null=True, blank=True)
    baseline_accuracy = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name = _("payment model")
        verbose_name_plural = _("payment models")

    def __str__(self) -> str:
        return f"{self.creditor} {self.trained_at:%Y-%m-%d}"


class InvoicePrediction(models.Model):
    """When an open invoice should be paid, and how likely it is to be very late."""

    invoice = models.OneToOneField(
        Invoice, on_delete=models.CASCADE, primary_key=True, related_name="prediction"
    )
    creditor = models.ForeignKey(Creditor, on_delete=models.CASCADE, db_index=False)
    as_of = models.DateField(_("predicted on"))
    payment_date = models.DateField(_("predicted payment date"))
    p_late = models.FloatField(_("probability of paying late"))
    p_very_late = models.FloatField(_("probability of paying more than 30 days late"))
    currency = models.CharField(max_length=3)
    amount_at_risk = models.BigIntegerField(_("amount at risk"))

    class Meta:
        verbose_name = _("invoice prediction")
        verbose_name_plural = _("invoice predictions")
        indexes = [models.Index(fields=["creditor", "-amount_at_risk"])]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.payment_date}"
