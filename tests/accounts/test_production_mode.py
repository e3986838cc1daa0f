"""Production mode, end to end in a subprocess (settings are read at start-up): headers,
the second factor before any page, a brute force stopped at the limit."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    db = tmp_path_factory.mktemp("prod") / "prod.sqlite3"
    # The probe runs on its own SQLite file: no owner URL of the caller's PostgreSQL run.
    dropped = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_OWNER_URL")
    environ = {k: v for k, v in os.environ.items() if k not in dropped}
    environ.update(
        RELAIS_ENV="production",
        SECRET_KEY="probe-" + "k7#Vq9!zR2$mL4@pX8&" * 3,
        ALLOWED_HOSTS="relais.example",
        DATABASE_URL=f"sqlite:///{db}",
    )
    result = subprocess.run(  # noqa: S603 — fixed interpreter and script
        [sys.executable, str(BASE / "tests" / "accounts" / "production_probe.py")],
        cwd=BASE,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_really_ran_in_production(seen):
    assert seen["production"] is True and seen["debug"] is False


def test_security_headers_on_every_response(seen):
    headers = seen["headers"]
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self' 'nonce-",
        "style-src 'self' 'nonce-",
        "style-src-attr 'unsafe-inline'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "form-action 'self'",
    ):
        assert directive in csp, (directive, csp)
    assert "unsafe-eval" not in csp
    assert "script-src 'self' 'unsafe-inline'" not in csp
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert "microphone=()" in headers["Permissions-Policy"]
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert seen["nonce_in_page"]
    assert "script-src 'self' 'nonce-" in seen["page_csp"]
    assert "camera=()" in seen["page_permissions_policy"]


def test_no_page_beyond_login_without_the_second_factor(seen):
    assert seen["password_step"] == 302
    for path, (status, location) in seen["before_code"].items():
        assert status == 302, path
        assert location.startswith("/accounts/2fa/verify/"), (path, location)
    assert seen["code_step"] == [302, "/"]
    assert seen["after_code"] == 200


def test_a_scripted_brute_force_backs_off_then_is_stopped_at_the_limit(seen):
    limit, after = seen["limit"], seen["backoff_after"]
    brute = seen["brute_force"]
    assert len(brute) == 50 and 0 < after < limit
    # The first failures are answered at once, then every further password waits for the
    # back-off (refused unchecked meanwhile), and the limit-th checked password locks.
    first_lock = brute.index("locked")
    assert brute[:after] == ["refused"] * after
    assert brute[after:first_lock] == ["backoff", "refused"] * (limit - 1 - after) + ["backoff"]
    assert brute.count("refused") == limit - 1
    # Locked from then on, the right password included; each password checked counted once.
    assert brute[first_lock:] == ["locked"] * (50 - first_lock)
    assert seen["failures_counted"] == limit
    assert seen["right_password_while_locked"] == "locked"
    assert seen["lockout_events"] == 1


def test_the_second_factor_backs_off_in_production(seen):
    assert seen["otp_throttle_factor"] >= 1
