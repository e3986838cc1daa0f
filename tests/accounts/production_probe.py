"""Run by test_production_mode.py in a subprocess with RELAIS_ENV=production and a throwaway
SQLite database: tries the product as an outsider would and prints what it saw as JSON."""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # the test client's template capture; DEBUG stays as configured
call_command("migrate", verbosity=0)

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402

from audit.models import AuditEvent  # noqa: E402
from tests.twofactor import totp_code, totp_device  # noqa: E402

PASSWORD = "a-Long-production-passw0rd"  # noqa: S105
User = get_user_model()
user = User.objects.create_user("coord", password=PASSWORD)
user.groups.add(Group.objects.get(name="coordinator"))
device = totp_device(user)
HTTPS = {"secure": True, "HTTP_HOST": "relais.example"}
seen = {"debug": settings.DEBUG, "production": settings.PRODUCTION}

client = Client()
login_page = client.get("/accounts/login/", **HTTPS)
seen["login_status"] = login_page.status_code
seen["headers"] = {
    name: login_page.headers.get(name, "")
    for name in (
        "Content-Security-Policy",
        "Permissions-Policy",
        "Strict-Transport-Security",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
    )
}
seen["nonce_in_page"] = 'name="csp-nonce"' in login_page.content.decode()
response = client.post("/accounts/login/", {"username": "coord", "password": PASSWORD}, **HTTPS)
seen["password_step"] = response.status_code
seen["before_code"] = {
    path: [client.get(path, **HTTPS).status_code, client.get(path, **HTTPS).get("Location", "")]
    for path in ("/", "/coordination/", "/admin/", "/account/", "/workflow/inbox/")
}
verified = client.post("/accounts/2fa/verify/", {"token": totp_code(device)}, **HTTPS)
seen["code_step"] = [verified.status_code, verified.get("Location", "")]
page = client.get("/coordination/", **HTTPS)
seen["after_code"] = page.status_code
seen["page_csp"] = page.headers.get("Content-Security-Policy", "")
seen["page_permissions_policy"] = page.headers.get("Permissions-Policy", "")

# A scripted brute force of 50 passwords on the same account, from another address. The
# attacker waits as long as the back-off page's Retry-After says: the failure rows are moved
# back by that much (the same as letting the clock run).
from datetime import timedelta  # noqa: E402

from axes.models import AccessAttempt  # noqa: E402
from django.db.models import F  # noqa: E402


def kind(response) -> str:
    if response.status_code == 200:
        return "refused"  # the password was checked and was wrong
    if response.status_code == 429:
        return "backoff" if response.has_header("Retry-After") else "locked"
    return str(response.status_code)


attacker = Client(REMOTE_ADDR="203.0.113.9")
brute = []
for i in range(50):
    response = attacker.post(
        "/accounts/login/", {"username": "coord", "password": f"guess-{i}"}, **HTTPS
    )
    brute.append(kind(response))
    if brute[-1] == "backoff":
        waited = timedelta(seconds=int(response["Retry-After"]))
        AccessAttempt.objects.update(attempt_time=F("attempt_time") - waited)
seen["brute_force"] = brute
seen["failures_counted"] = sum(
    AccessAttempt.objects.filter(username="coord").values_list("failures_since_start", flat=True)
)
seen["right_password_while_locked"] = kind(
    attacker.post("/accounts/login/", {"username": "coord", "password": PASSWORD}, **HTTPS)
)
seen["otp_throttle_factor"] = settings.OTP_TOTP_THROTTLE_FACTOR
seen["backoff_after"] = settings.RELAIS_LOGIN_BACKOFF_AFTER
seen["lockout_events"] = AuditEvent.objects.filter(action="lockout").count()
seen["limit"] = settings.AXES_FAILURE_LIMIT
print(json.dumps(seen))
