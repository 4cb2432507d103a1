from django.contrib import admin

from relance.admin import AuditedAdmin
from relance.bank.models import BankStatement, PayerAccount, PayerName, StatementLine


@admin.register(BankStatement)
class BankStatementAdmin(AuditedAdmin):
    list_display = ("account", "currency", "start", "end", "format", "filename", "balanced")
    list_filter = ("format", "balanced")


@admin.register(StatementLine)
class StatementLineAdmin(AuditedAdmin):
    list_display = (
        "booked", "amount", "currency", "counterparty_name", "reference", "text", "match_status",
    )  # fmt: skip
    list_filter = ("match_status",)
    search_fields = ("reference", "end_to_end_id", "counterparty_name", "text")


@admin.register(PayerAccount)
class PayerAccountAdmin(AuditedAdmin):
    list_display = ("customer", "iban", "learned_at")
    search_fields = ("iban", "customer__code")


@admin.register(PayerName)
class PayerNameAdmin(AuditedAdmin):
    list_display = ("customer", "name", "learned_at")
    search_fields = ("name", "customer__code")
