"""Bank statements and their lines, as read from the bank's files.

A line's `fingerprint` is unique per creditor: the same entry imported twice (the same
file again, or another file that repeats it) is stored once.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class MatchStatus(models.TextChoices):
    MATCHED = "matched", _("matched")
    PROPOSED = "proposed", _("proposed for review")
    UNMATCHED = "unmatched", _("unmatched")
    IGNORED = "ignored", _("not a customer payment")


class BankStatement(models.Model):
    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.CASCADE)
    account = models.CharField(_("account"), max_length=64)
    currency = models.CharField(_("currency"), max_length=3)
    opening = models.BigIntegerField(_("opening balance"), null=True, blank=True)
    closing = models.BigIntegerField(_("closing balance"), null=True, blank=True)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("to"), null=True, blank=True)
    bank_id = models.CharField(_("bank's id"), max_length=100, blank=True)
    format = models.CharField(_("format"), max_length=10)
    filename = models.CharField(_("file"), max_length=500)
    sha256 = models.CharField(max_length=64)
    balanced = models.BooleanField(_("balanced"), null=True)
    fingerprint = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "fingerprint"], name="bank_statement_once_per_creditor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account} {self.start or ''}..{self.end or ''}"


class StatementLine(models.Model):
    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.CASCADE)
    statement = models.ForeignKey(BankStatement, on_delete=models.CASCADE, related_name="lines")
    booked = models.DateField(_("booked"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = models.BigIntegerField(_("amount"))  # minor units; positive: money in
    currency = models.CharField(_("currency"), max_length=3)
    reference = models.CharField(_("reference"), max_length=140, blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=140, blank=True)
    counterparty_name = models.CharField(_("counterparty"), max_length=200, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    text = models.TextField(_("text"), blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=140, blank=True)
    return_reason = models.CharField(_("return reason"), max_length=35, blank=True)
    batch = models.CharField(_("batch"), max_length=140, blank=True)
    fingerprint = models.CharField(max_length=64)
    # Matching (bank.matching): "" not looked at yet (money out is never looked at).
    match_status = models.CharField(
        _("match"), max_length=10, choices=MatchStatus, blank=True, default=""
    )
    payment = models.ForeignKey(
        "ledger.Payment", on_delete=models.PROTECT, null=True, blank=True,
        related_name="statement_lines", verbose_name=_("payment"),
    )  # fmt: skip
    match_score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    # The best proposal: {"customer": code, "parts": [[number, minor units], ...],
    # "reasons": [...]}; empty when nothing was found.
    proposal = models.JSONField(_("proposal"), default=dict, blank=True)
    # What a person decided (bank.review): "previous", the line's status, proposal and
    # score before an accept, assign or ignore, restored by undo; "undone", the matches
    # undone ([{"customer": code, "invoices": [number, ...]}]), never applied again
    # without a person.
    review = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["booked", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "fingerprint"], name="statement_line_once_per_creditor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.booked} {self.amount} {self.currency}"

    def was_undone(self, customer: str, invoices: Iterable[str]) -> bool:
        """Whether a person undid this match (the customer and the same invoices)."""
        numbers = sorted(invoices)
        return any(
            u["customer"] == customer and sorted(u["invoices"]) == numbers
            for u in self.review.get("undone", [])
        )


class PayerAccount(models.Model):
    """An IBAN a customer paid from, learned when a statement line was matched to it."""

    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.CASCADE)
    customer = models.ForeignKey(
        "ledger.Customer", on_delete=models.CASCADE, related_name="payer_accounts"
    )
    iban = models.CharField(_("IBAN"), max_length=34)
    learned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payer account")
        verbose_name_plural = _("payer accounts")
        constraints = [
            models.UniqueConstraint(fields=["customer", "iban"], name="payer_account_once")
        ]

    def __str__(self) -> str:
        return self.iban


class PayerName(models.Model):
    """A name a customer paid under (the counterparty of a statement line), learned when
    the line was matched to it; kept as core.matching.name_key gives it."""

    creditor = models.ForeignKey("ledger.Creditor", on_delete=models.CASCADE)
    customer = models.ForeignKey(
        "ledger.Customer", on_delete=models.CASCADE, related_name="payer_names"
    )
    name = models.CharField(_("name"), max_length=200)
    learned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payer name")
        verbose_name_plural = _("payer names")
        constraints = [models.UniqueConstraint(fields=["customer", "name"], name="payer_name_once")]

    def __str__(self) -> str:
        return self.name
