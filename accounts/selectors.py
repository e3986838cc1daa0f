"""Reads about accounts' second factors."""

from base64 import b32decode, b32encode

from django.conf import settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCodeDevice

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
