from django.contrib import admin

from relance.admin import AuditedAdmin, ReadOnlyAdmin
from relance.ledger.models import (
    Allocation,
    Contact,
    Creditor,
    Customer,
    Evidence,
    Invoice,
    Payment,
    PenaltyInvoice,
)


@admin.register(Creditor)
class CreditorAdmin(AuditedAdmin):
    list_display = ("name", "country", "currency", "registration_number")


class ContactInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Contact
    extra = 0


@admin.register(Customer)
class CustomerAdmin(AuditedAdmin):
    list_display = ("code", "name", "city", "kind", "segment")
    search_fields = ("code", "name")
    list_filter = ("kind", "segment")
    raw_id_fields = ("creditor",)
    inlines = [ContactInline]
    show_full_result_count = False


@admin.register(Contact)
class ContactAdmin(AuditedAdmin):
    list_display = ("name", "customer", "role", "email", "phone")
    raw_id_fields = ("customer",)
    search_fields = ("name", "email")


@admin.register(Invoice)
class InvoiceAdmin(AuditedAdmin):
    # Amounts, currency and customer change through imports and allocations only, so that
    # open amounts always agree with the payments allocated.
    readonly_fields = (
        "creditor", "customer", "kind", "currency", "amount", "amount_excl_tax",
        "reported_open_amount", "settled_elsewhere", "open_amount", "status",
    )  # fmt: skip
    list_display = (
        "number",
        "customer",
        "issue_date",
        "due_date",
        "currency",
        "amount",
        "open_amount",
        "status",
    )
    list_filter = ("status", "kind", "currency")
    search_fields = ("number",)
    raw_id_fields = ("creditor", "customer")
    show_full_result_count = False


@admin.register(Payment)
class PaymentAdmin(AuditedAdmin):
    readonly_fields = ("creditor", "customer", "key", "date", "amount", "currency", "unapplied")
    list_display = ("date", "customer", "currency", "amount", "unapplied", "reference")
    raw_id_fields = ("creditor", "customer")
    search_fields = ("reference",)
    show_full_result_count = False


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "payment", "credit_note", "amount", "date")
    show_full_result_count = False


@admin.register(Evidence)
class EvidenceAdmin(AuditedAdmin):
    list_display = ("filename", "invoice", "kind", "uploaded_at")
    raw_id_fields = ("invoice",)


@admin.register(PenaltyInvoice)
class PenaltyInvoiceAdmin(ReadOnlyAdmin):
    """Issued documents are evidence: never edited."""

    list_display = ("number", "customer", "issued_on", "as_of", "currency", "total")
    search_fields = ("number",)
