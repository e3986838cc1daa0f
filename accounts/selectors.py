"""Reads about accounts: second factors, and the back-off of failed logins."""

from base64 import b32decode, b32encode
from datetime import datetime

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCodeDevice
from audit.vocabularies import LockScope

# Development only: the TOTP secret of every demo account, public on purpose (README). In
# production a device with this key is ignored, so such an account must enrol a real one.
DEMO_TOTP_KEY_B32 = "RELAISDEMORELAISDEMORELAISDEMO23"
DEMO_TOTP_KEY_HEX = b32decode(DEMO_TOTP_KEY_B32).hex()


def is_demo_device(device) -> bool:
    return isinstance(device, TOTPDevice) and device.key == DEMO_TOTP_KEY_HEX


def demo_devices_allowed() -> bool:
    return not getattr(settings, "PRODUCTION", False)


def confirmed_totp_device(*, user) -> TOTPDevice | None:
    """The user's confirmed authenticator (None before enrolment). In production the public
    demo key never counts."""
    devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    if not demo_devices_allowed():
        devices = devices.exclude(key=DEMO_TOTP_KEY_HEX)
    return devices.first()


def recovery_device(*, user) -> RecoveryCodeDevice | None:
    return RecoveryCodeDevice.objects.filter(user=user, confirmed=True).first()


def recovery_codes_remaining(*, user) -> int:
    device = recovery_device(user=user)
    return device.remaining() if device is not None else 0


def manual_entry_key(device: TOTPDevice) -> str:
    """The secret as people type it into an authenticator app (base 32, in groups of 4)."""
    raw = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def current_totp(device: TOTPDevice) -> str:
    """The code the device shows now (used only to show demo accounts' codes in development)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# --- failed logins ------------------------------------------------------------------------


def login_backoff_delay(failures: int) -> int:
    """Seconds an account or an address must wait after its last failed password, once it
    has ``RELAIS_LOGIN_BACKOFF_AFTER`` failures: the base delay, doubled at each further
    failure, capped (0 below the threshold or when the back-off is switched off)."""
    after = settings.RELAIS_LOGIN_BACKOFF_AFTER
    if after <= 0 or failures < after:
        return 0
    exponent = min(failures - after, 32)
    return min(
        settings.RELAIS_LOGIN_BACKOFF_SECONDS * 2**exponent,
        settings.RELAIS_LOGIN_BACKOFF_MAX_SECONDS,
    )


def login_backoff_state(*, username: str | None, ip_address: str | None, now: datetime):
    """For the account name and for the address (when given): ``(failures, last row)`` over
    django-axes' failure rows of the cool-off window, ``last row`` being ``(pk, attempt
    time)`` of the latest failure. Looked up by what was typed: the same for an account that
    does not exist."""
    recent = AccessAttempt.objects.all()
    cool_off = get_cool_off()
    if cool_off is not None:
        recent = recent.filter(attempt_time__gte=now - cool_off)
    states = []
    for key, value in (("username", username), ("ip_address", ip_address)):
        if not value:
            continue
        rows = recent.filter(**{key: value})
        failures = rows.aggregate(failures=Sum("failures_since_start"))["failures"] or 0
        if login_backoff_delay(failures):
            last = rows.order_by("-attempt_time", "-pk").values_list("pk", "attempt_time")[0]
            states.append((failures, last))
    return states


def lockout_keys(attempts) -> dict[tuple[str, str], int]:
    """Failures per account name and per address among ``attempts`` (axes' rows):
    ``{("account", name): n, ("address", ip): n}``."""
    totals: dict[tuple[str, str], int] = {}
    for username, ip_address, failures in attempts.values_list(
        "username", "ip_address", "failures_since_start"
    ):
        for scope, value in ((LockScope.ACCOUNT, username), (LockScope.ADDRESS, ip_address)):
            if value:
                totals[(scope, value)] = totals.get((scope, value), 0) + failures
    return totals
