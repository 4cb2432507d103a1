"""Hand-off tables: the partners a creditor hands cases to, the cases, what each case
claimed per invoice at the hand-off, and the payments the partner reported.

Tables only: the states and the rules live in relance.core.handoff, the writes in
handoff.services.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.handoff import CaseOutcome, CaseStatus


class PartnerKind(models.TextChoices):
    AGENCY = "agency", _("collection agency")
    LAWYER = "lawyer", _("lawyer")
    BAILIFF = "bailiff", _("commissaire de justice")


class Partner(models.Model):
    """A collection agency, a lawyer or a commissaire de justice cases are handed to."""

    creditor = models.ForeignKey(
        "ledger.Creditor", on_delete=models.PROTECT, related_name="partners", db_index=False
    )  # the unique key below starts with creditor
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=PartnerKind)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    reference = models.CharField(_("reference or contract number"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, default="fr")
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "name"], name="partner_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class CaseStatusChoices(models.TextChoices):
    HANDED_OFF = CaseStatus.HANDED_OFF, _("handed off")
    CLOSED = CaseStatus.CLOSED, _("closed")


class CaseOutcomeChoices(models.TextChoices):
    PAID = CaseOutcome.PAID, _("paid in full")
    WITHDRAWN = CaseOutcome.WITHDRAWN, _("withdrawn")
    UNCOLLECTABLE = CaseOutcome.UNCOLLECTABLE, _("uncollectable")


class Case(models.Model):
    """A customer's case in a partner's hands: no reminder while it is open."""

    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.PROTECT, db_index=False)
    customer = models.ForeignKey(
        "ledger.Customer", on_delete=models.PROTECT, related_name="handoff_cases"
    )
    partner = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="cases")
    # The hand-off action of the worklist it came from, if any.
    action = models.ForeignKey(
        "collection.Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=12, choices=CaseStatusChoices)
    outcome = models.CharField(_("outcome"), max_length=14, choices=CaseOutcomeChoices, blank=True)
    handed_off_on = models.DateField(_("handed off on"))
    # Penalties are computed up to this day: the hand-off date, or the last day the rate
    # tables cover when they stop earlier ("arrêtées au").
    penalties_until = models.DateField(_("penalties until"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    actor = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("hand-off case")
        verbose_name_plural = _("hand-off cases")
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="handed_off"),  # CaseStatus.HANDED_OFF
                name="one_open_case_per_customer",
            )
        ]
        indexes = [models.Index(fields=["creditor", "status", "handed_off_on"])]

    def __str__(self) -> str:
        return f"{self.customer_id} -> {self.partner_id} ({self.handed_off_on})"


class CaseItem(models.Model):
    """One invoice of a case and what it claimed at the hand-off, split as an agency and
    a court need it (CPCE R124-4; CPC 1405 ff.)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="+")
    currency = models.CharField(_("currency"), max_length=3)
    principal = models.BigIntegerField(_("principal"))
    penalties = models.BigIntegerField(_("penalties"))
    indemnity = models.BigIntegerField(_("indemnity"))

    class Meta:
        verbose_name = _("case invoice")
        verbose_name_plural = _("case invoices")
        constraints = [
            models.UniqueConstraint(fields=["case", "invoice"], name="case_invoice_unique")
        ]


class CasePayment(models.Model):
    """A payment the partner reported: a ledger payment, allocated like any other."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payments")
    payment = models.OneToOneField(
        "ledger.Payment", on_delete=models.PROTECT, related_name="handoff"
    )
    actor = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment reported by the partner")
        verbose_name_plural = _("payments reported by the partner")
