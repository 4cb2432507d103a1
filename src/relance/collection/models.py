"""Collection tables: scenarios, the records the engine honours (disputes, promises,
payment plans), and the runs with the actions they plan (the outbox)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.core.disputes import DisputeReason, DisputeStatus
from relance.core.errors import DomainError
from relance.core.plans import PlanStatus
from relance.core.promises import PromiseChannel, PromiseStatus
from relance.core.reasons import NonPaymentReason, NoteSource
from relance.core.scenarios import StepChannel, StepMode


class DisputeReasonChoices(models.TextChoices):
    PRICE = DisputeReason.PRICE, _("price")
    QUANTITY = DisputeReason.QUANTITY, _("quantity")
    QUALITY = DisputeReason.QUALITY, _("quality")
    NOT_DELIVERED = DisputeReason.NOT_DELIVERED, _("not delivered")
    INVOICE_NOT_RECEIVED = DisputeReason.INVOICE_NOT_RECEIVED, _("invoice not received")
    DUPLICATE = DisputeReason.DUPLICATE, _("duplicate")
    ALREADY_PAID = DisputeReason.ALREADY_PAID, _("already paid")
    OTHER = DisputeReason.OTHER, _("other")


class DisputeStatusChoices(models.TextChoices):
    OPEN = DisputeStatus.OPEN, _("open")
    CREDITED = DisputeStatus.CREDITED, _("credit note")
    REJECTED = DisputeStatus.REJECTED, _("rejected")
    WRITTEN_OFF = DisputeStatus.WRITTEN_OFF, _("written off")
    WITHDRAWN = DisputeStatus.WITHDRAWN, _("withdrawn")


class NonPaymentReasonChoices(models.TextChoices):
    FORGOT = NonPaymentReason.FORGOT, _("forgot")
    CASH_FLOW = NonPaymentReason.CASH_FLOW, _("cash-flow problem")
    INVOICE_NOT_RECEIVED = NonPaymentReason.INVOICE_NOT_RECEIVED, _("invoice not received")
    DISPUTE = NonPaymentReason.DISPUTE, _("dispute")
    WRONG_AMOUNT = NonPaymentReason.WRONG_AMOUNT, _("wrong amount")
    WRONG_DELIVERY = NonPaymentReason.WRONG_DELIVERY, _("wrong delivery")
    WAITING_APPROVAL = NonPaymentReason.WAITING_APPROVAL, _("waiting for internal approval")
    INSOLVENCY = NonPaymentReason.INSOLVENCY, _("insolvency")
    OTHER = NonPaymentReason.OTHER, _("other")


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
    # Conditions: empty lists mean everyone (relance.core.scenarios.Conditions).
    segments = models.JSONField(_("segments"), default=list, blank=True)
    kinds = models.JSONField(_("customer kinds"), default=list, blank=True)
    risk_classes = models.JSONField(_("risk classes"), default=list, blank=True)
    min_amount = models.JSONField(_("minimum overdue amount"), default=dict, blank=True)
    penalties = models.BooleanField(_("claims penalties and indemnity"), default=False)
    statement = models.BooleanField(_("attaches the statement of account"), default=False)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["scenario", "position"]
        constraints = [models.UniqueConstraint(fields=["scenario", "key"], name="step_key_unique")]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        """Steps edited in the administration are checked as imported ones are."""
        from relance.core.scenarios import step_from_dict

        try:
            step_from_dict(
                {
                    "key": self.key,
                    "offset": self.offset,
                    "channels": self.channels,
                    "mode": self.mode,
                },
                "step",
            )
        except DomainError as exc:
            raise ValidationError(str(exc)) from None


class SegmentScenario(models.Model):
    """The scenario of a customer segment, between the customer's own and the default."""

    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.CASCADE)
    segment = models.CharField(_("segment"), max_length=50)
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("segment scenario")
        verbose_name_plural = _("segment scenarios")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "segment"], name="segment_scenario_unique")
        ]

    def __str__(self) -> str:
        return f"{self.segment}: {self.scenario}"


class Dispute(models.Model):
    """A contested invoice: it is not reminded while the dispute is open. One dispute
    covers one invoice, so that each item is blocked, and resolved, on its own."""

    invoice = models.ForeignKey("ledger.Invoice", on_delete=models.PROTECT, related_name="disputes")
    reason = models.CharField(_("reason"), max_length=20, choices=DisputeReasonChoices)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=DisputeStatusChoices, default="open"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="disputes", verbose_name=_("owner"),
    )  # fmt: skip
    due_on = models.DateField(_("resolution due on"))
    opened_on = models.DateField(_("opened on"))
    opened_by = models.CharField(_("opened by"), max_length=150, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    credit_note = models.ForeignKey(
        "ledger.Invoice", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("credit note"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        indexes = [
            models.Index(fields=["invoice", "closed_on"]),
            models.Index(fields=["status", "due_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.invoice}: {self.reason}"


class DisputeComment(models.Model):
    """A comment on a dispute, with the document that came with it when one did (kept
    unchanged, with its SHA-256, as ledger evidence is)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("comment"), blank=True)
    file = models.FileField(_("file"), upload_to="disputes/%Y/%m/", blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    author = models.CharField(_("author"), max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dispute comment")
        verbose_name_plural = _("dispute comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.filename or self.text[:50]


class PromiseStatusChoices(models.TextChoices):
    OPEN = PromiseStatus.OPEN, _("open")
    KEPT = PromiseStatus.KEPT, _("kept")
    BROKEN = PromiseStatus.BROKEN, _("broken")
    CANCELLED = PromiseStatus.CANCELLED, _("cancelled")


class PromiseChannelChoices(models.TextChoices):
    CALL = PromiseChannel.CALL, _("call")
    EMAIL = PromiseChannel.EMAIL, _("email")
    PORTAL = PromiseChannel.PORTAL, _("portal")
    LETTER = PromiseChannel.LETTER, _("letter")
    IN_PERSON = PromiseChannel.IN_PERSON, _("in person")


class Promise(models.Model):
    """A date the debtor committed to; its items wait until that date plus the grace."""

    customer = models.ForeignKey(
        "ledger.Customer", on_delete=models.PROTECT, related_name="promises"
    )
    invoices = models.ManyToManyField("ledger.Invoice", related_name="promises", blank=True)
    promised_date = models.DateField(_("promised date"))
    amount = models.BigIntegerField(_("amount"), null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # What its items owed when it was recorded: the target when no amount was promised.
    owed = models.BigIntegerField(default=0)
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=2)
    channel = models.CharField(
        _("channel"), max_length=10, choices=PromiseChannelChoices, blank=True
    )
    recorded_on = models.DateField(_("recorded on"))
    recorded_by = models.CharField(_("recorded by"), max_length=150, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=PromiseStatusChoices, default="open"
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("promise to pay")
        verbose_name_plural = _("promises to pay")
        indexes = [models.Index(fields=["status", "closed_on"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.promised_date}"


class PlanStatusChoices(models.TextChoices):
    PROPOSED = PlanStatus.PROPOSED, _("proposed")
    ACTIVE = PlanStatus.ACTIVE, _("active (signed)")
    COMPLETED = PlanStatus.COMPLETED, _("completed")
    DEFAULTED = PlanStatus.DEFAULTED, _("defaulted")
    CANCELLED = PlanStatus.CANCELLED, _("cancelled")


class Note(models.Model):
    """What the debtor said on a contact: the reason for not paying, and a note."""

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="notes")
    reason = models.CharField(
        _("reason for non-payment"), max_length=24, choices=NonPaymentReasonChoices
    )
    text = models.TextField(_("note"), blank=True)
    source = models.CharField(
        _("source"), max_length=10, choices=[(s.value, s.value) for s in NoteSource]
    )
    invoices = models.ManyToManyField("ledger.Invoice", related_name="notes", blank=True)
    call = models.ForeignKey(
        "channels.Call", on_delete=models.SET_NULL, null=True, blank=True, related_name="notes"
    )
    noted_on = models.DateField(_("date"))
    actor = models.CharField(max_length=150)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        indexes = [models.Index(fields=["customer", "noted_on"]), models.Index(fields=["noted_on"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.noted_on} {self.reason}"


class PaymentPlan(models.Model):
    """An agreed schedule: its items are out of dunning while the plan is current
    (proposed or active, and no instalment unpaid past the grace days)."""

    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="plans")
    invoices = models.ManyToManyField("ledger.Invoice", related_name="plans")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    # The debt the plan spreads: the invoices' open amounts, then the penalties and
    # indemnity when the plan claims them (their own line in the letter).
    principal = models.BigIntegerField(_("principal"), default=0)
    penalties = models.BigIntegerField(_("penalties and indemnity"), default=0)
    penalties_until = models.DateField(_("penalties as of"), null=True, blank=True)
    every = models.CharField(_("frequency"), max_length=10, default="month")
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatusChoices, default=PlanStatus.PROPOSED
    )
    starts_on = models.DateField(_("starts on"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    reminder_days = models.PositiveSmallIntegerField(_("reminder days before"), default=5)
    grace_days = models.PositiveSmallIntegerField(_("grace days"), default=5)

    class Meta:
        verbose_name = _("payment plan")
        verbose_name_plural = _("payment plans")
        indexes = [models.Index(fields=["status"])]

    def __str__(self) -> str:
        return f"{self.customer} {self.starts_on}"

    @property
    def total(self) -> int:
        return self.principal + self.penalties


class PlanInstalment(models.Model):
    """One line of a plan's schedule (the down payment is the first, when any), and the
    reminders sent for it: each at most once."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="lines")
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due date"))
    amount = models.BigIntegerField(_("amount"))
    down_payment = models.BooleanField(_("down payment"), default=False)
    reminder = models.ForeignKey(
        "Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    missed_reminder = models.ForeignKey(
        "Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_instalment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}/{self.number} {self.due_date}"


class Run(models.Model):
    """One collection run (tournée de relance) for a creditor and a date."""

    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.CASCADE, related_name="runs")
    date = models.DateField(_("date"))
    actor = models.CharField(max_length=150)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    skipped = models.JSONField(default=list, blank=True)  # [{"customer", "reason", "invoices"}]

    class Meta:
        verbose_name = _("collection run")
        verbose_name_plural = _("collection runs")
        indexes = [models.Index(fields=["creditor", "date"])]

    def __str__(self) -> str:
        return f"{self.date}"


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    AWAITING_APPROVAL = "awaiting_approval", _("awaiting approval")
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("being prepared")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


class Action(models.Model):
    """A communication or task the engine planned: the outbox row."""

    # None for an action a person queued outside a run (a plan's agreement letter).
    run = models.ForeignKey(
        Run, on_delete=models.PROTECT, related_name="actions", null=True, blank=True
    )
    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.PROTECT)
    customer = models.ForeignKey(
        "ledger.Customer", on_delete=models.PROTECT, related_name="actions"
    )
    date = models.DateField(_("date"))
    scenario = models.CharField(_("scenario"), max_length=50)
    step = models.CharField(_("step"), max_length=50)
    channel = models.CharField(_("channel"), max_length=20)
    channels = models.JSONField(default=list)
    mode = models.CharField(_("mode"), max_length=10)
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.BigIntegerField(_("amount"))
    fallback = models.CharField(_("fallback"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ActionStatus)
    status_reason = models.CharField(max_length=200, blank=True)
    terminal = models.BooleanField(default=False)
    # For information in the communication: {"other_invoices": [...], "credit_notes": [...]}
    information = models.JSONField(default=dict, blank=True)
    # The sender that prepares it (relance.channels.outbox), and since when.
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        indexes = [
            # The worklist: a day's actions by amount (its largest section's page), and
            # each section counted from its status and date alone.
            models.Index(fields=["creditor", "date", "-amount", "id"], name="action_day_amount"),
            models.Index(fields=["creditor", "status", "date"], name="action_section"),
            models.Index(fields=["customer", "date"]),
            models.Index(fields=["status"]),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.customer_id} {self.step}"


class ActionItem(models.Model):
    """An item an action is about: the history the engine reads (step taken, when)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="items")
    invoice = models.ForeignKey(
        "ledger.Invoice", on_delete=models.PROTECT, related_name="action_items"
    )
    step = models.CharField(max_length=50)
    date = models.DateField()
    days_overdue = models.IntegerField()

    class Meta:
        indexes = [models.Index(fields=["invoice", "step"])]
