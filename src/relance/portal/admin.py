from django.contrib import admin

from relance.admin import ReadOnlyAdmin
from relance.portal.models import PortalLink


@admin.register(PortalLink)
class PortalLinkAdmin(ReadOnlyAdmin):
    # Links are made and revoked on the customer page or with `relance portal`: audited.
    list_display = ("pk", "customer", "created_at", "created_by", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
