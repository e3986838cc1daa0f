"""The admin's view of second factors and lockouts.

django-otp's device admins would show TOTP secrets and let a superuser add a device to
someone else's account: they are removed; an administrator resets a second factor with the
audited action on users (directory/admin.py). django-axes' lockout list stays, but deleting
a lockout (unlocking) writes an ``unlock`` event in the chain.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import lockout_failure_limit, unlock_record
from audit.vocabularies import UnlockMethod

for model in (TOTPDevice, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    """Lockouts and failure counts; deleting one unlocks it, and an unlock is recorded."""

    list_display = ("attempt_time", "ip_address", "username", "failures_since_start", "status")
    list_filter = ("attempt_time",)
    search_fields = ("ip_address", "username")
    fieldsets = (
        (None, {"fields": ("username", "ip_address", "failures_since_start", "attempt_time")}),
    )
    readonly_fields = ("username", "ip_address", "failures_since_start", "attempt_time")

    def _record_unlock(self, request, attempt):
        if attempt.failures_since_start >= lockout_failure_limit():
            unlock_record(
                actor=request.user,
                attempted_username=attempt.username,
                method=UnlockMethod.ADMIN,
            )

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._record_unlock(request, obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for attempt in queryset:
                self._record_unlock(request, attempt)
            super().delete_queryset(request, queryset)
