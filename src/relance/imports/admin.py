from django.contrib import admin

from relance.admin import AuditedAdmin
from relance.imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(AuditedAdmin):
    list_display = (
        "started_at",
        "kind",
        "filename",
        "rows",
        "created",
        "updated",
        "unchanged",
        "rejected",
    )
    list_filter = ("kind",)
