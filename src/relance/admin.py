"""Admin for the audit trail (read-only) and the mixin that audits every admin edit."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest

from relance import audit


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Edits made in the admin leave the same trail as the services' ones."""

    def save_model(
        self, request: HttpRequest, obj: models.Model, form: ModelForm, change: bool
    ) -> None:  # type: ignore[type-arg]
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            data = {name: str(form.cleaned_data.get(name)) for name in form.changed_data}
            verb = "updated" if change else "created"
            audit.record(_actor(request), f"{obj._meta.model_name}.{verb}", obj, {"admin": data})

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            audit.record(
                _actor(request), f"{obj._meta.model_name}.deleted", obj, {"admin": str(obj)}
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


def _actor(request: HttpRequest) -> str:
    return getattr(request.user, "username", "") or "admin"


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Rows only services write: shown, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(audit.Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "verb", "subject_type", "subject_id")
    list_filter = ("verb", "subject_type")
    search_fields = ("actor", "verb")
    date_hierarchy = "at"
