"""Ledger tables: creditors, customers, contacts, invoices, payments, allocations, evidence.

Tables only: amounts are integers in the currency's minor units; every rule lives in
relance.core and every write in ledger.services.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThanOrEqual
from django.utils.translation import gettext_lazy as _

from relance.core import identifiers
from relance.core.currencies import is_currency
from relance.core.errors import DomainError
from relance.core.law import Sector
from relance.core.ledger import InvoiceKind, InvoiceStatus
from relance.core.risk import WARNING_PERCENT


class CustomerKind(models.TextChoices):
    B2B = "b2b", _("business")
    B2C = "b2c", _("consumer")
    PUBLIC = "public", _("public buyer")


class InvoiceStatusChoices(models.TextChoices):
    OPEN = InvoiceStatus.OPEN, _("open")
    PARTIALLY_PAID = InvoiceStatus.PARTIALLY_PAID, _("partially paid")
    PAID = InvoiceStatus.PAID, _("paid")


class InvoiceKindChoices(models.TextChoices):
    INVOICE = InvoiceKind.INVOICE, _("invoice")
    CREDIT_NOTE = InvoiceKind.CREDIT_NOTE, _("credit note")


class SectorChoices(models.TextChoices):
    GENERAL = Sector.GENERAL, _("general (60 days, or 45 days end of month)")
    PERISHABLE_FOOD = Sector.PERISHABLE_FOOD, _("perishable food (30 days after delivery)")
    LIVESTOCK_MEAT = Sector.LIVESTOCK_MEAT, _("live cattle and fresh meat (20 days after delivery)")
    ALCOHOL = (
        Sector.ALCOHOL,
        _("excise-liable alcohol (30 days after the end of the delivery month)"),
    )
    NON_PERISHABLE_FOOD = Sector.NON_PERISHABLE_FOOD, _("non-perishable food (60 days)")
    TRANSPORT = (
        Sector.TRANSPORT,
        _("road haulage, vehicle rental, freight forwarding, customs agents (30 days)"),
    )


class Channel(models.TextChoices):
    EMAIL = "email", _("email")
    LETTER = "letter", _("letter")
    PHONE = "phone", _("phone")
    SMS = "sms", _("SMS")


class Creditor(models.Model):
    """A legal entity that uses Relance to collect what it is owed."""

    name = models.CharField(_("name"), max_length=200)
    registration_number = models.CharField(_("SIREN/SIRET"), max_length=20, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    email = models.EmailField(
        _("email"), blank=True, help_text=_("Replies to reminders go to this address.")
    )
    sender_email = models.EmailField(
        _("sending address"), blank=True,
        help_text=_("The From address of reminders; empty: RELANCE_DEFAULT_FROM_EMAIL."),
    )  # fmt: skip
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    default_payment_terms = models.CharField(
        _("default payment terms"), max_length=20, default="30"
    )
    # Chooses the legal cap on payment terms (France: C. com. L441-10 I or L441-11).
    sector = models.CharField(
        _("sector"), max_length=24, choices=SectorChoices, default=Sector.GENERAL,
        help_text=_("What you sell, where the law caps payment terms by sector."),
    )  # fmt: skip
    balances_as_of = models.DateField(null=True, blank=True, editable=False)
    late_penalty_clause = models.TextField(
        _("late-penalty clause"),
        blank=True,
        help_text=_("As printed on the invoices: rate of penalties and the 40 EUR indemnity."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("creditor")
        verbose_name_plural = _("creditors")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.currency = self.currency.upper()
        if not is_currency(self.currency):
            raise ValidationError({"currency": f"unknown currency {self.currency!r}"})
        _check_identifiers(self, ("registration_number", "vat_number", "iban", "bic"))


# A customer whose exposure has reached the warning share of its credit limit: the
# worklist's alerts (relance.risk.queries.limit_alerts), read from a partial index.
NEAR_LIMIT = models.Q(
    GreaterThanOrEqual(models.F("open_total") * 100, models.F("credit_limit") * WARNING_PERCENT),
    credit_limit__isnull=False,
    open_total__gt=0,
)


class Customer(models.Model):
    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="customers", db_index=False
    )  # the unique key below starts with creditor
    code = models.CharField(_("account"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, default="FR")
    language = models.CharField(_("language"), max_length=8, default="fr")
    kind = models.CharField(_("kind"), max_length=6, choices=CustomerKind, default="b2b")
    registration_number = models.CharField(_("SIREN/SIRET"), max_length=20, blank=True)
    vat_number = models.CharField(_("VAT number"), max_length=20, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    credit_limit = models.BigIntegerField(_("credit limit"), null=True, blank=True)
    payment_terms = models.CharField(_("payment terms"), max_length=20, blank=True)
    scenario = models.ForeignKey(
        "collection.Scenario",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("scenario"),
    )
    segment = models.CharField(_("segment"), max_length=50, blank=True)
    # What is sold to this customer when it differs from the creditor's usual trade (a
    # wholesaler's fresh-produce accounts): the payment-term cap follows the goods.
    sector = models.CharField(
        _("sector"), max_length=24, choices=SectorChoices, blank=True,
        help_text=_("Empty: the creditor's sector."),
    )  # fmt: skip
    risk_class = models.CharField(_("risk class"), max_length=20, blank=True)
    # A late-penalty rate the contract with this customer sets (percent a year); the law
    # may floor it (France: 3x the legal rate).
    contract_rate = models.DecimalField(
        _("contract penalty rate (%)"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    hold_until = models.DateField(_("no reminders until"), null=True, blank=True)
    # The collector whose portfolio holds this customer (relance.accounts): a collector
    # sees and works only the customers assigned to them.
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="portfolio", verbose_name=_("collector"),
    )  # fmt: skip
    # Open and overdue totals in the creditor's currency as of creditor.balances_as_of,
    # kept by ledger.balances so that lists sort 100,000 customers without summing
    # a million invoices on every page.
    open_total = models.BigIntegerField(_("open"), default=0)
    overdue_total = models.BigIntegerField(_("overdue"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "code"], name="customer_code_unique")
        ]
        indexes = [
            models.Index(fields=["creditor", "name"]),
            models.Index(fields=["creditor", "-overdue_total", "code"]),
            models.Index(fields=["creditor", "-open_total", "code"]),
            models.Index(
                fields=["creditor", "code"], condition=NEAR_LIMIT, name="customer_near_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        _check_identifiers(self, ("registration_number", "vat_number", "iban"))


def _check_identifiers(obj: Creditor | Customer, names: tuple[str, ...]) -> None:
    """Forms (the admin's included) check and normalise identifiers as imports do."""
    checks = {
        "registration_number": lambda v: identifiers.company_number(v, obj.country),
        "vat_number": identifiers.vat_number,
        "iban": identifiers.iban,
        "bic": identifiers.bic,
    }
    errors = {}
    for name in names:
        value = getattr(obj, name)
        if value:
            try:
                setattr(obj, name, checks[name](value))
            except DomainError as exc:
                errors[name] = str(exc)
    if errors:
        raise ValidationError(errors)


class Contact(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200, blank=True)
    role = models.CharField(_("role"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel, blank=True
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name or self.email or self.phone


# An invoice with something left to pay (the partial indexes below hold only these).
OPEN_ITEMS = models.Q(status__in=("open", "partially_paid"))
# Where a claim's prescription period starts: the delivery, or else the invoice.
PRESCRIPTION_START = Coalesce("delivery_date", "issue_date")


class Invoice(models.Model):
    """An invoice or a credit note; credit notes carry negative amounts."""

    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="invoices", db_index=False
    )  # the unique key below starts with creditor
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(_("number"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKindChoices, default="invoice")
    issue_date = models.DateField(_("issue date"))
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    due_date = models.DateField(_("due date"))
    payment_terms = models.CharField(_("payment terms"), max_length=20, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    amount = models.BigIntegerField(_("amount incl. tax"))
    amount_excl_tax = models.BigIntegerField(_("amount excl. tax"), null=True, blank=True)
    # What the accounting export said was still open, and what that implies was settled
    # outside Relance: see ledger.services.import_open_amount.
    reported_open_amount = models.BigIntegerField(null=True, blank=True)
    settled_elsewhere = models.BigIntegerField(default=0)
    open_amount = models.BigIntegerField(_("open amount"))
    # What was abandoned as irrecoverable (a dispute resolved by a write-off), and when.
    written_off = models.BigIntegerField(_("written off"), default=0)
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    po_number = models.CharField(_("PO number"), max_length=60, blank=True)
    # The reference the customer is asked to quote when paying (an e-invoice's BT-83,
    # an RF creditor reference): the strongest evidence when matching a payment.
    payment_reference = models.CharField(_("payment reference"), max_length=140, blank=True)
    # What the invoice says about payment (an e-invoice's BT-20), and the early-payment
    # discount it offers: `early_discount_percent` off when paid within the days.
    payment_terms_text = models.CharField(_("payment terms (text)"), max_length=300, blank=True)
    early_discount_percent = models.DecimalField(
        _("early-payment discount (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    early_discount_days = models.PositiveSmallIntegerField(
        _("early-payment discount days"), null=True, blank=True
    )
    contract_rate = models.DecimalField(
        _("contract penalty rate (%)"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    scenario = models.ForeignKey(
        "collection.Scenario", on_delete=models.SET_NULL, null=True, blank=True,
        verbose_name=_("scenario"),
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=16, choices=InvoiceStatusChoices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "number"], name="invoice_number_unique")
        ]
        indexes = [
            models.Index(fields=["creditor", "status", "due_date"]),
            models.Index(fields=["customer", "status", "due_date"]),
            models.Index(fields=["customer", "due_date"]),
            models.Index(fields=["creditor", "due_date"]),
            # The reports' reads (reports.queries, reports.indicators), each answered
            # from an index that holds every column it reads, so that SQLite never
            # visits the wide table rows: the items open today (partial), the sales and
            # the receivables' flows (in the order they are grouped by: no sort), and
            # the few invoices written off or settled elsewhere (partial). Their
            # statistics matter as much: migration 0007, the demo and large imports
            # run ANALYZE (relance.bulk.analyze).
            models.Index(
                fields=[
                    "creditor",
                    "currency",
                    "customer",
                    "kind",
                    "due_date",
                    "issue_date",
                    "open_amount",
                    "written_off",
                    "written_off_on",
                    "settled_elsewhere",
                    "status",  # not read, but without it SQLite thinks it must visit rows
                ],
                condition=OPEN_ITEMS,
                name="invoice_open_items",
            ),
            # The worklist's prescription alerts: the open items that started long ago.
            models.Index(
                "creditor", PRESCRIPTION_START, condition=OPEN_ITEMS, name="invoice_open_start"
            ),
            models.Index(
                fields=[
                    "creditor",
                    "kind",
                    "currency",
                    "issue_date",
                    "due_date",
                    "amount",
                    "settled_elsewhere",
                ],
                name="invoice_flows",
            ),
            models.Index(
                fields=["creditor", "written_off_on"],
                condition=models.Q(written_off_on__isnull=False),
                name="invoice_written_off",
            ),
            models.Index(
                fields=["creditor", "due_date"],
                condition=~models.Q(settled_elsewhere=0),
                name="invoice_settled_elsewhere",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Payment(models.Model):
    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="payments", db_index=False
    )  # the unique key below starts with creditor
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    # The natural key of the payment in its source (bank reference, or a fingerprint).
    key = models.CharField(max_length=200)
    date = models.DateField(_("date"))
    amount = models.BigIntegerField(_("amount"))
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    reference = models.CharField(_("reference"), max_length=200, blank=True)
    method = models.CharField(_("method"), max_length=30, blank=True)
    unapplied = models.BigIntegerField(_("unapplied"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "key"], name="payment_key_unique")
        ]
        indexes = [
            models.Index(fields=["customer", "date"]),
            # The payments with something unapplied (what customers hold on account),
            # for the aged balance (reports.queries).
            models.Index(
                fields=["creditor", "customer", "currency", "date", "unapplied"],
                condition=~models.Q(unapplied=0),
                name="payment_on_account",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.reference or self.key}"


class Allocation(models.Model):
    """Part of a payment, or of a credit note, applied to an invoice (lettrage)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations"
    )
    credit_note = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, null=True, blank=True, related_name="applied_to"
    )
    amount = models.BigIntegerField(_("amount"))
    date = models.DateField(_("date"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payment__isnull=False, credit_note__isnull=True)
                | models.Q(payment__isnull=True, credit_note__isnull=False),
                name="allocation_has_one_source",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allocation_positive"),
        ]
        indexes = [
            # What was allocated after a date, read back by the aged balance of that
            # date (reports.queries) without visiting the rows.
            models.Index(
                fields=["date", "invoice", "credit_note", "payment", "amount"],
                name="allocation_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} -> {self.invoice_id}"


class Flow(models.Model):
    """A change in what customers owe, from `start` on (and in what is not yet due, up
    to `due`): written by triggers only, summed by the reports (ledger.flows)."""

    # No foreign-key constraint: the triggers write it, and no delete cascades to it.
    creditor = models.ForeignKey(
        Creditor, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+",
        db_index=False,
    )  # fmt: skip
    currency = models.CharField(max_length=3)
    sale = models.BooleanField()  # an invoice's own amount: the credit sales of its day
    start = models.DateField()
    due = models.DateField(null=True)
    amount = models.BigIntegerField()

    # No index: the triggers append a row for most writes, and an index to keep up to
    # date made building the million-invoice demo half as long again; summed up
    # (`flows.compact`), a ledger's whole history is a few thousand rows to scan.


class EvidenceKind(models.TextChoices):
    QUOTE = "quote", _("signed quote")
    PURCHASE_ORDER = "purchase_order", _("purchase order")
    DELIVERY_NOTE = "delivery_note", _("delivery note")
    CONTRACT = "contract", _("signed contract")
    INVOICE = "invoice", _("invoice document")
    CORRESPONDENCE = "correspondence", _("correspondence")
    OTHER = "other", _("other")


class Evidence(models.Model):
    """A document that proves the claim (créance certaine): kept unchanged, with its hash."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind)
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self) -> str:
        return self.filename


class PenaltyInvoice(models.Model):
    """A penalty invoice (facture de pénalités de retard et d'indemnité forfaitaire) as
    issued: its number, its figures and the PDF with its SHA-256, kept unchanged.

    It is a document per customer, not an open item of the ledger: see docs/law.md.
    """

    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="penalty_invoices", db_index=False
    )  # the unique keys below start with creditor
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="penalty_invoices"
    )
    invoices = models.ManyToManyField(Invoice, related_name="penalty_invoices")
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()  # per creditor and year, from 1, no gap
    number = models.CharField(_("number"), max_length=30)
    issued_on = models.DateField(_("issued on"))
    as_of = models.DateField(_("penalties up to"))
    currency = models.CharField(_("currency"), max_length=3)
    language = models.CharField(_("language"), max_length=8)
    penalties = models.BigIntegerField(_("penalties"))
    indemnity = models.BigIntegerField(_("indemnity"))
    total = models.BigIntegerField(_("total"))
    # Per late invoice, the document of `relance interest` the PDF shows.
    figures = models.JSONField(default=list)
    document = models.FileField(_("document"), upload_to="penalty-invoices/%Y/")
    sha256 = models.CharField(max_length=64)
    issued_by = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("penalty invoice")
        verbose_name_plural = _("penalty invoices")
        constraints = [
            models.UniqueConstraint(fields=["creditor", "number"], name="penalty_number_unique"),
            models.UniqueConstraint(
                fields=["creditor", "year", "sequence"], name="penalty_sequence_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.number
