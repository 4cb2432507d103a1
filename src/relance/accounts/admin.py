from django.contrib import admin

from relance.accounts.models import Membership
from relance.admin import AuditedAdmin


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "creditor", "role", "created_at")
    list_filter = ("role", "creditor")
