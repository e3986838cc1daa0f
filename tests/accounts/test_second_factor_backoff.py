"""The second factor backs off too (django-otp's throttling, on for both kinds of code):
after n wrong codes every code — the right one included — is refused unchecked for
1, 2, 4… seconds (``OTP_TOTP_THROTTLE_FACTOR`` × 2^(n-1)). Driven by the test's clock."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import RecoveryCodeDevice
from audit.models import AuditEvent
from core.roles import Role
from tests.factories import PASSWORD, user_with_role
from tests.twofactor import totp_code, totp_device

pytestmark = pytest.mark.django_db


def password_step(username):
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def code(client, token):
    return client.post(reverse("twofactor:verify"), {"token": token})


def outcome(response) -> str:
    if response.status_code == 302:
        return "accepted"
    body = response.content.decode()
    if "Trop de codes refusés" in body:
        return "throttled"
    return "refused" if "Code incorrect" in body else str(response.status_code)


def test_the_factor_is_on(settings):
    assert settings.OTP_TOTP_THROTTLE_FACTOR >= 1


def test_wrong_codes_make_the_right_one_wait_a_doubling_delay(clock, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    user = user_with_role(Role.MEMBER, username="m")
    device = totp_device(user)
    client = password_step("m")
    assert outcome(code(client, "111111")) == "refused"
    assert outcome(code(client, "222222")) == "throttled"  # within 1 s of the failure
    clock.advance(1)
    assert outcome(code(client, "222222")) == "refused"
    clock.advance(2)
    assert outcome(code(client, "333333")) == "refused"
    # Three failures: every code waits 4 s from the last one, the right one included.
    assert outcome(code(client, totp_code(device))) == "throttled"
    clock.advance(3)
    assert outcome(code(client, totp_code(device))) == "throttled"  # 3 s < 4 s
    clock.advance(1)
    assert outcome(code(client, totp_code(device))) == "accepted"
    # Refusals while throttled are neither checked nor recorded: three failures, one success.
    assert list(
        AuditEvent.objects.filter(action="second_factor")
        .order_by("seq")
        .values_list("transition", flat=True)
    ) == ["verify_failed"] * 3 + ["verify"]


def test_recovery_codes_back_off_as_well(clock):
    user = user_with_role(Role.MEMBER, username="m")
    totp_device(user)
    codes = RecoveryCodeDevice.objects.create(user=user, name="r", confirmed=True).replace_codes()
    client = password_step("m")
    assert outcome(code(client, "AAAA-BBBB-CCCC")) == "refused"
    assert outcome(code(client, codes[0])) == "throttled"
    clock.advance(1)
    assert outcome(code(client, codes[0])) == "accepted"
