from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from audit.admin_audit import AccessAuditAdminMixin
from audit.vocabularies import ObjectType
from referrals.models import Referral


@admin.register(Referral)
class ReferralAdmin(AccessAuditAdminMixin, ReadOnlyAdmin):
    """Read-only: referrals change only through the services (and their audit events).
    Every admin page showing one records an access event."""

    audit_object_type = ObjectType.REFERRAL

    def audit_reference(self, obj):
        return obj.reference

    list_display = ("reference", "received_on", "commune", "state", "priority", "next_review_on")
    list_filter = ("state", "priority", "age_bracket")
    list_select_related = ("commune",)
    search_fields = ("reference",)
    actions = None
