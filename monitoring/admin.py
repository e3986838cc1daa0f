from django.contrib import admin

from monitoring.models import TerritorialIndicator


@admin.register(TerritorialIndicator)
class TerritorialIndicatorAdmin(admin.ModelAdmin):
    """Read-only: indicators change only through the coordinator's audited entry page."""

    list_display = ("indicator", "period_kind", "period_start", "answer", "count", "entered_at")
    list_filter = ("period_kind", "indicator")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
