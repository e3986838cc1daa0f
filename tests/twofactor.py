"""Second-factor helpers for tests: a real TOTP device and the codes it would show."""

import time

from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device(user) -> TOTPDevice:
    """The user's confirmed authenticator (made once, with a random key)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """A code the device accepts now: the current step's, or the next one's when the
    current one was already used (django-otp refuses a code twice; tolerance is 1 step)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    now = totp.t()
    for offset in range(0, device.tolerance + 1):
        if now + offset > device.last_t:
            totp.time = time.time() + offset * device.step
            return f"{totp.token():0{device.digits}d}"
    raise AssertionError("no unused TOTP step left in the tolerance window")


def mark_verified(client, user) -> None:
    """Attach a confirmed device to the client's session, as the verification step does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()


def login_two_steps(client, username, password, *, next_url=None):
    """The real login: the password page, then the code of the account's authenticator.
    Returns the response of the code step (followed)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=username)
    device = totp_device(user)  # an enrolled account (enrolment has its own tests)
    login_url = reverse("login") + (f"?next={next_url}" if next_url else "")
    response = client.post(login_url, {"username": username, "password": password})
    assert response.status_code == 302, response.status_code
    verify = client.get(response["Location"], follow=True)
    final_url = verify.redirect_chain[-1][0] if verify.redirect_chain else response["Location"]
    assert "/accounts/2fa/verify/" in final_url, final_url
    return client.post(final_url, {"token": totp_code(device)}, follow=True)
