from django.contrib import admin

from relance.admin import ReadOnlyAdmin
from relance.risk.models import CreditCover, Declaration, ExternalScore


# Covers, scores and declarations change through the risk services (CLI and pages),
# which audit them.
@admin.register(CreditCover)
class CreditCoverAdmin(ReadOnlyAdmin):
    list_display = ("customer", "insurer", "amount", "currency", "starts_on", "ends_on",
                    "declaration_days")  # fmt: skip
    search_fields = ("customer__code", "customer__name", "insurer", "policy")


@admin.register(ExternalScore)
class ExternalScoreAdmin(ReadOnlyAdmin):
    list_display = ("customer", "provider", "grade", "value", "recorded_on")
    search_fields = ("customer__code", "customer__name", "provider")


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ("invoice", "cover", "declared_on", "reference", "declared_by")
    search_fields = ("invoice__number", "reference")
