from django.contrib import admin

from audit.admin import ReadOnlyAdmin
from audit.admin_audit import AccessAuditAdminMixin
from audit.vocabularies import ObjectType
from support.models import Contact, SupportTrack


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    can_delete = False
    fields = ("occurred_on", "kind", "attended", "recorded_by", "recorded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SupportTrack)
class SupportTrackAdmin(AccessAuditAdminMixin, ReadOnlyAdmin):
    """Read-only: tracks change only through the services (and their audit events).
    Every admin page showing one records an access event."""

    audit_object_type = ObjectType.SUPPORT_TRACK

    def audit_reference(self, obj):
        return obj.referral.reference

    list_display = ("referral", "domain", "state", "holder", "organisation", "take_due_on")
    list_filter = ("state", "domain", "organisation")
    list_select_related = ("referral", "holder", "organisation")
    search_fields = ("referral__reference",)
    inlines = [ContactInline]
    actions = None
