from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin

from audit.models import AuditCheckpoint, AuditEvent, AuditVerification


class ReadOnlyAdmin(admin.ModelAdmin):
    """Visible to staff, editable by nobody: no add, change or delete, superusers included."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "seq",
        "occurred_at",
        "actor_username",
        "role",
        "action",
        "object_type",
        "reference",
        "transition",
        "from_state",
        "to_state",
        "code",
    )
    list_filter = ("action", "role", "object_type")
    search_fields = ("reference", "actor_username")
    show_full_result_count = False
    actions = None


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(ReadOnlyAdmin):
    list_display = ("seq", "created_at", "hash")
    actions = None


@admin.register(AuditVerification)
class AuditVerificationAdmin(ReadOnlyAdmin):
    list_display = ("verified_at", "actor_username", "ok", "event_count", "broken_seq", "reason")
    list_filter = ("ok",)
    actions = None


# django-auditlog's own admin refuses add and change but allows deleting entries through
# cascades; here its history is read-only for everybody, superusers included.
if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class ReadOnlyLogEntryAdmin(LogEntryAdmin):
    actions = None

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
