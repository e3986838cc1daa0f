"""The second factor at login: enrolment at the first login, verification at every login,
nothing reachable in between, every outcome in the chain."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import RecoveryCode, RecoveryCodeDevice
from audit.models import AuditEvent
from core.roles import Role
from tests.factories import PASSWORD, user_with_role
from tests.twofactor import login_two_steps, totp_code, totp_device

pytestmark = pytest.mark.django_db


def password_step(client, username):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client.get(response["Location"], follow=True)


def events(action="second_factor"):
    return list(
        AuditEvent.objects.filter(action=action)
        .order_by("seq")
        .values_list("transition", "code", "object_id")
    )


def test_first_login_enrols_with_a_server_made_qr_code_then_shows_codes_once():
    user = user_with_role(Role.MEMBER, username="neuf")
    client = Client()
    page = password_step(client, "neuf")
    assert page.redirect_chain[-1][0].startswith(reverse("twofactor:setup"))
    body = page.content.decode()
    assert "<svg" in body and "Deuxième facteur" in body
    # No image or script from elsewhere: the QR code is inline SVG made on the server.
    assert not re.search(r'src="https?://', body)

    device = TOTPDevice.objects.get(user=user, confirmed=False)
    refused = client.post(reverse("twofactor:setup"), {"token": "000000"})
    assert "Code incorrect" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()

    device.throttle_reset()
    done = client.post(reverse("twofactor:setup"), {"token": totp_code(device)})
    assert done.status_code == 302 and done["Location"] == reverse("twofactor:codes")
    codes_page = client.get(reverse("twofactor:codes")).content.decode()
    codes = re.findall(r"<li>([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</li>", codes_page)
    assert len(codes) == 10
    # Shown once: a second visit does not show them again.
    again = client.get(reverse("twofactor:codes"))
    assert again.status_code == 302
    # The session is verified: the member's page opens.
    assert client.get("/member/").status_code == 200
    assert events() == [("enrol", "totp", user.pk)]


def test_nothing_beyond_the_second_factor_pages_before_verification():
    user = user_with_role(Role.COORDINATOR, username="coord")
    totp_device(user)
    client = Client()
    password_step(client, "coord")
    for path in ("/", "/coordination/", "/admin/", "/account/", "/workflow/inbox/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("twofactor:verify")), path
    assert client.post("/coordination/").status_code == 302
    # Logout stays possible.
    assert client.post(reverse("logout")).status_code in (200, 302)


def test_verification_with_the_authenticator_code():
    user = user_with_role(Role.AUDITOR, username="aud")
    response = login_two_steps(Client(), "aud", PASSWORD)
    assert response.redirect_chain[-1][0] == "/audit/"
    assert events() == [("verify", "totp", user.pk)]


def test_a_wrong_code_is_refused_recorded_and_throttled():
    user = user_with_role(Role.AUDITOR, username="aud")
    device = totp_device(user)
    client = Client()
    password_step(client, "aud")
    wrong = client.post(reverse("twofactor:verify"), {"token": "123456"})
    assert "Code incorrect" in wrong.content.decode()
    # Right after a failure even the right code waits (1, 2, 4… s): django-otp's back-off.
    throttled = client.post(reverse("twofactor:verify"), {"token": totp_code(device)})
    assert "Trop de codes refusés" in throttled.content.decode()
    assert client.get("/audit/").status_code == 302
    assert events() == [("verify_failed", "totp", user.pk)]


def test_a_recovery_code_works_once():
    user = user_with_role(Role.MEMBER, username="m")
    totp_device(user)
    codes = RecoveryCodeDevice.objects.create(user=user, name="r", confirmed=True).replace_codes()
    client = Client()
    password_step(client, "m")
    ok = client.post(reverse("twofactor:verify"), {"token": codes[0].lower()}, follow=True)
    assert ok.redirect_chain[-1][0] == "/member/"
    client.post(reverse("logout"))

    other = Client()
    password_step(other, "m")
    reused = other.post(reverse("twofactor:verify"), {"token": codes[0]})
    assert "Code incorrect" in reused.content.decode()
    assert events() == [
        ("verify", "recovery_code", user.pk),
        ("verify_failed", "recovery_code", user.pk),
    ]


def test_recovery_codes_are_stored_hashed():
    user = user_with_role(Role.MEMBER, username="m")
    codes = RecoveryCodeDevice.objects.create(user=user, name="r", confirmed=True).replace_codes()
    stored = " ".join(
        f"{c.salt} {c.digest}" for c in RecoveryCode.objects.filter(device__user=user)
    )
    for code in codes:
        assert code not in stored and code.replace("-", "") not in stored
    assert RecoveryCode.objects.filter(device__user=user).count() == 10


def test_regenerating_recovery_codes_needs_a_current_code_and_voids_the_old_ones(client):
    user = user_with_role(Role.MEMBER, username="m")
    device = totp_device(user)
    old = RecoveryCodeDevice.objects.create(user=user, name="r", confirmed=True).replace_codes()
    client.force_login(user)
    refused = client.post(reverse("account:recovery_codes"), {"token": "000000"}, follow=True)
    assert "Code incorrect" in refused.content.decode()
    device.throttle_reset()
    done = client.post(reverse("account:recovery_codes"), {"token": totp_code(device)})
    assert done["Location"] == reverse("twofactor:codes")
    new_page = client.get(reverse("twofactor:codes")).content.decode()
    assert old[0] not in new_page
    recovery = RecoveryCodeDevice.objects.get(user=user)
    recovery.throttle_reset()
    assert not recovery.verify_token(old[0])
    assert ("recovery_codes_issued", "recovery_code", user.pk) in events()


def test_an_enrolled_account_cannot_enrol_a_second_authenticator(client):
    user = user_with_role(Role.MEMBER, username="m")
    totp_device(user)
    client.force_login(user)
    response = client.get(reverse("twofactor:setup"))
    assert response.status_code == 302
    assert TOTPDevice.objects.filter(user=user).count() == 1
