from django.contrib import admin

from audit.models import AuditEvent


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
