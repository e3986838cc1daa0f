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

# A scripted brute force on the same account, from another address.
attacker = Client(REMOTE_ADDR="203.0.113.9")
statuses = [
    attacker.post(
        "/accounts/login/", {"username": "coord", "password": f"guess-{i}"}, **HTTPS
    ).status_code
    for i in range(settings.AXES_FAILURE_LIMIT + 2)
]
seen["brute_force"] = statuses
seen["right_password_while_locked"] = attacker.post(
    "/accounts/login/", {"username": "coord", "password": PASSWORD}, **HTTPS
).status_code
seen["lockout_events"] = AuditEvent.objects.filter(action="lockout").count()
seen["limit"] = settings.AXES_FAILURE_LIMIT
print(json.dumps(seen))
