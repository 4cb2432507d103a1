"""Channel tables: every communication as it went out (the evidence), the texts of the
templates a creditor edited, and the outcomes of calls."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    READY = "ready", _("ready to send")
    SENDING = "sending", _("sending")
    RETRY = "retry", _("waiting to retry")
    SENT = "sent", _("sent")
    INTERRUPTED = "interrupted", _("interrupted: check whether it left")
    FAILED = "failed", _("failed")
    TO_PRINT = "to_print", _("to print and post")
    POSTED = "posted", _("posted")
    CANCELLED = "cancelled", _("cancelled")


class Message(models.Model):
    """One communication to a debtor by one channel, kept exactly as it was sent.

    The sender moves it ready -> sending -> sent (or retry / failed); a letter is
    rendered to_print and a person marks it posted (with the LRAR tracking number).
    """

    action = models.ForeignKey(
        "collection.Action", on_delete=models.PROTECT, null=True, blank=True,
        related_name="messages",
    )  # fmt: skip
    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.PROTECT)
    customer = models.ForeignKey(
        "ledger.Customer", on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField(_("channel"), max_length=20)
    template = models.CharField(_("template"), max_length=50)
    language = models.CharField(_("language"), max_length=8)
    status = models.CharField(_("status"), max_length=12, choices=MessageStatus)
    recipient = models.CharField(_("recipient"), max_length=500)
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"))
    html = models.TextField(blank=True)
    document = models.FileField(_("document"), upload_to="messages/%Y/%m/", blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    # The Message-ID header: fixed before the first attempt, so a resent copy is the
    # same message to the recipient's mail client.
    message_id = models.CharField(max_length=200, blank=True)
    provider_id = models.CharField(_("provider reference"), max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    posted_on = models.DateField(_("posted on"), null=True, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["action", "channel"], name="message_once_per_action_channel"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["creditor", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.recipient}: {self.subject}"


class MessageTemplate(models.Model):
    """A creditor's wording of a template in one language; Relance's own wording
    (channels/defaults/*.yaml) applies where there is none."""

    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.CASCADE)
    key = models.SlugField(_("template"), max_length=50)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    closing = models.TextField(_("closing"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "key", "language"], name="template_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"


class CallOutcome(models.TextChoices):
    REACHED = "reached", _("reached")
    NO_ANSWER = "no_answer", _("no answer")
    WRONG_NUMBER = "wrong_number", _("wrong number")
    PROMISE = "promise", _("promised to pay")
    DISPUTE = "dispute", _("disputes an item")
    ALREADY_PAID = "already_paid", _("says already paid")
    CALL_BACK = "call_back", _("call back later")


class Call(models.Model):
    """What came of a call to a debtor."""

    action = models.ForeignKey(
        "collection.Action", on_delete=models.PROTECT, null=True, blank=True,
        related_name="calls",
    )  # fmt: skip
    customer = models.ForeignKey("ledger.Customer", on_delete=models.PROTECT, related_name="calls")
    outcome = models.CharField(_("outcome"), max_length=20, choices=CallOutcome)
    note = models.TextField(_("note"), blank=True)
    call_back_on = models.DateField(_("call back on"), null=True, blank=True)
    called_on = models.DateField(_("called on"))
    actor = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.called_on} {self.outcome}"
