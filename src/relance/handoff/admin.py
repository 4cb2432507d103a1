from django.contrib import admin

from relance.admin import AuditedAdmin, ReadOnlyAdmin
from relance.handoff.models import Case, CaseItem, CasePayment, Partner


@admin.register(Partner)
class PartnerAdmin(AuditedAdmin):
    list_display = ("name", "kind", "contact_name", "email", "phone", "reference", "creditor")
    list_filter = ("kind",)
    search_fields = ("name", "contact_name", "reference")


class CaseItemInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CaseItem
    extra = 0
    can_delete = False
    readonly_fields = ("invoice", "currency", "principal", "penalties", "indemnity")


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Cases change through the hand-off services (CLI and pages), which audit them."""

    list_display = ("customer", "partner", "status", "outcome", "handed_off_on", "closed_on")
    list_filter = ("status", "outcome", "partner")
    inlines = [CaseItemInline]


@admin.register(CasePayment)
class CasePaymentAdmin(ReadOnlyAdmin):
    list_display = ("case", "payment", "actor", "created_at")
