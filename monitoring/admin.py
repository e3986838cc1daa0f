from django.contrib import admin

from monitoring.models import IndicatorLedger, IndicatorRelease, TerritorialIndicator


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


class _ReadOnlyAdmin(admin.ModelAdmin):
    """Releases and ledgers are written only by the audited release service."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IndicatorRelease)
class IndicatorReleaseAdmin(_ReadOnlyAdmin):
    list_display = ("period_kind", "period_start", "version", "released_at", "trigger")
    list_filter = ("period_kind", "trigger")


@admin.register(IndicatorLedger)
class IndicatorLedgerAdmin(_ReadOnlyAdmin):
    list_display = ("year", "seq", "created_at", "threshold")
