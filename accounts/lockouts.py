"""django-axes, adapted: the back-off before the lockout, and every unlock in the chain.

``ThrottledAxesBackend`` (first of ``AUTHENTICATION_BACKENDS``) refuses a login while the
account or the address is locked (axes) or backing off (ours), before any password is
checked. ``AuditedAxesHandler`` (``AXES_HANDLER``) is axes' database handler whose deletions
of failure rows — its ``axes_reset*`` commands, the cleaning of expired rows at the end of a
cool-off, the reset of an account's failures after its successful login — go through
``login_attempts_delete``, which writes an ``unlock`` event for each lockout they lift. A
refusal during the back-off is not counted as a failure (no extra step towards the lockout,
no event).
"""

from axes.backends import AxesStandaloneBackend
from axes.conf import settings
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_credentials
from axes.models import AccessAttempt
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from accounts import services
from audit.vocabularies import UnlockMethod

BACKOFF_ATTRIBUTE = "relais_login_backoff"


class LoginBackoff(PermissionDenied):
    """Stops ``django.contrib.auth.authenticate`` before the password is checked."""


class ThrottledAxesBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.AXES_ENABLED:
            return None
        # Locked: axes raises (its middleware answers with the lockout page).
        super().authenticate(request, username=username, password=password, **kwargs)
        credentials = get_credentials(username=username, **kwargs)
        wait = services.login_backoff_claim(
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
            now=request.axes_attempt_time,
        )
        if wait:
            # accounts.middleware.login_backoff answers with the back-off page.
            setattr(request, BACKOFF_ATTRIBUTE, wait)
            raise LoginBackoff("login backing off")
        return None


class AuditedAxesHandler(AxesDatabaseHandler):
    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is not None and getattr(request, BACKOFF_ATTRIBUTE, 0):
            return  # refused before the password: not a failure
        return super().user_login_failed(sender, credentials, request, **kwargs)

    def reset_attempts(self, *, ip_address=None, username=None, ip_or_username=False) -> int:
        # axes.utils.reset: the axes_reset, axes_reset_ip, axes_reset_username and
        # axes_reset_ip_username commands.
        attempts = AccessAttempt.objects.all()
        if ip_or_username:
            attempts = attempts.filter(Q(ip_address=ip_address) | Q(username=username))
        else:
            if ip_address:
                attempts = attempts.filter(ip_address=ip_address)
            if username:
                attempts = attempts.filter(username=username)
        return services.login_attempts_delete(attempts=attempts, method=UnlockMethod.COMMAND)

    def clean_expired_user_attempts(self, request=None, credentials=None) -> int:
        cool_off = get_cool_off(request)
        if cool_off is None:
            return 0
        if settings.AXES_USE_ATTEMPT_EXPIRATION:
            expired = Q(expiration__expires_at__lte=timezone.now())
        else:
            now = getattr(request, "axes_attempt_time", None) or timezone.now()
            expired = Q(attempt_time__lte=now - cool_off)
        return services.login_attempts_delete(
            attempts=AccessAttempt.objects.filter(expired), method=UnlockMethod.COOL_OFF
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        # After a successful password, only that account's own failures are forgotten. axes
        # would also forget every failure from the address — other accounts' included — so
        # anyone with a valid password could wipe the count of the account they are guessing
        # from the same address by logging in between guesses.
        username = get_client_username(request, credentials)
        if not username:
            return 0
        return services.login_attempts_delete(
            attempts=AccessAttempt.objects.filter(username=username), method=UnlockMethod.LOGIN
        )
