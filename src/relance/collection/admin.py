from django.contrib import admin

from relance.admin import AuditedAdmin, ReadOnlyAdmin
from relance.collection.models import (
    Action,
    Dispute,
    DisputeComment,
    Note,
    PaymentPlan,
    PlanInstalment,
    Promise,
    Run,
    Scenario,
    SegmentScenario,
    Step,
)


class StepInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Step
    extra = 0


@admin.register(Scenario)
class ScenarioAdmin(AuditedAdmin):
    list_display = ("name", "key", "creditor", "min_gap_days", "is_default")
    inlines = [StepInline]


@admin.register(SegmentScenario)
class SegmentScenarioAdmin(AuditedAdmin):
    list_display = ("segment", "scenario", "creditor")


@admin.register(Dispute)
class DisputeAdmin(AuditedAdmin):
    list_display = ("invoice", "reason", "status", "opened_on", "due_on", "closed_on")
    raw_id_fields = ("invoice",)


@admin.register(DisputeComment)
class DisputeCommentAdmin(ReadOnlyAdmin):
    # Comments and their documents are evidence: added through the dispute page only.
    list_display = ("dispute", "author", "filename", "created_at")


@admin.register(Note)
class NoteAdmin(ReadOnlyAdmin):
    list_display = ("customer", "noted_on", "reason", "source", "actor")
    list_filter = ("reason", "source")


@admin.register(Promise)
class PromiseAdmin(AuditedAdmin):
    list_display = ("customer", "promised_date", "amount", "status", "recorded_on")
    raw_id_fields = ("customer", "invoices")


class PlanInstalmentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PlanInstalment
    extra = 0
    can_delete = False
    readonly_fields = (
        "number",
        "due_date",
        "amount",
        "down_payment",
        "reminder",
        "missed_reminder",
    )

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(PaymentPlan)
class PaymentPlanAdmin(ReadOnlyAdmin):
    """Read only: a plan changes through its services (relance plan, the plan page),
    which decide its status and audit it."""

    list_display = ("customer", "status", "starts_on", "signed_on", "ended_on")
    list_filter = ("status",)
    raw_id_fields = ("customer", "invoices")
    inlines = [PlanInstalmentInline]


@admin.register(Run)
class RunAdmin(ReadOnlyAdmin):
    list_display = ("date", "creditor", "actor", "started_at")


@admin.register(Action)
class ActionAdmin(ReadOnlyAdmin):
    list_display = ("date", "customer", "step", "channel", "mode", "status", "amount")
    list_filter = ("status", "step", "channel")
    show_full_result_count = False
