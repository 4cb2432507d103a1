from django.contrib import admin

from relance.admin import AuditedAdmin
from relance.collection.models import Scenario, Step


class StepInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Step
    extra = 0


@admin.register(Scenario)
class ScenarioAdmin(AuditedAdmin):
    list_display = ("name", "key", "creditor", "min_gap_days", "is_default")
    inlines = [StepInline]
