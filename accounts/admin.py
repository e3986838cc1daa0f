"""The admin's view of second factors and lockouts.

django-otp's device admins would show TOTP secrets and let a superuser add a device to
someone else's account: they are removed; an administrator resets a second factor with the
audited action added below to the user admin of directory/admin.py. django-axes' lockout
list stays, read-only, but deleting a lockout (unlocking) writes an ``unlock`` event in the
chain.
"""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.lockouts import AuditedAxesHandler
from accounts.services import login_attempts_delete, twofactor_reset
from audit.vocabularies import UnlockMethod

for model in (TOTPDevice, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AuditedAccessAttemptAdmin(AccessAttemptAdmin):
    """Lockouts and failure counts, read-only; deleting rows unlocks, and each lockout it
    lifts is an ``unlock`` event (accounts.services.login_attempts_delete)."""

    list_display = ("attempt_time", "ip_address", "username", "failures_since_start", "status")
    list_filter = ("attempt_time",)
    search_fields = ("ip_address", "username")
    fieldsets = (
        (None, {"fields": ("username", "ip_address", "failures_since_start", "attempt_time")}),
    )
    readonly_fields = ("username", "ip_address", "failures_since_start", "attempt_time")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # axes' « clean up expired attempts » action, through the audited handler.
        self.handler = AuditedAxesHandler()

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self.delete_queryset(request, AccessAttempt.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        login_attempts_delete(attempts=queryset, actor=request.user, method=UnlockMethod.ADMIN)


# The user admin gains the audited reset of a second factor (lost phone).
User = get_user_model()
UserAdminBase = type(admin.site._registry[User])
admin.site.unregister(User)


@admin.register(User)
class AccountUserAdmin(UserAdminBase):
    actions = [*(UserAdminBase.actions or ()), "reset_second_factor"]

    @admin.action(description=gettext_lazy("Réinitialiser le deuxième facteur (téléphone perdu)"))
    def reset_second_factor(self, request, queryset):
        # Audited by the service: one event per account, the administrator as actor.
        for user in queryset:
            twofactor_reset(actor=request.user, user=user)
        messages.success(
            request,
            _(
                "Deuxième facteur réinitialisé pour %(count)d compte(s) : enrôlement demandé "
                "à la prochaine connexion."
            )
            % {"count": queryset.count()},
        )
