"""A real browser (the system's Chromium, driven by Playwright) logs in as each demo account
through both steps and opens the role's main pages: the Content-Security-Policy must refuse
nothing (no ``securitypolicyviolation`` event, no CSP console error, no page error).

Skipped when Chromium or Playwright is absent (``/usr/bin/chromium``, or RELAIS_CHROMIUM),
and on SQLite: the live server needs committed data, and the flush after a transactional test
meets the append-only triggers of the audit tables there (PostgreSQL truncates).
"""

import os
import shutil
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.selectors import DEMO_TOTP_KEY_HEX
from directory.demo import DEMO_PASSWORD
from tests.concurrency.conftest import ON_POSTGRES
from tests.concurrency.conftest import committed_reference_data as committed_reference_data

CHROMIUM = os.environ.get("RELAIS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium not installed"),
    pytest.mark.skipif(not ON_POSTGRES, reason="live server tests run on PostgreSQL"),
]

PAGES = {
    "demo-cell": ["/cell/", "/workflow/inbox/", "/workflow/queue/", "/account/"],
    "demo-coordinator": ["/coordination/", "/workflow/queue/", "/workflow/inbox/"],
    "demo-member": ["/member/", "/workflow/queue/", "/account/password/"],
    "demo-delegate": ["/monitoring/"],
    "demo-auditor": ["/audit/", "/audit/chain/", "/audit/history/"],
    "demo-strategic": ["/indicators/", "/indicators/print/"],
    "demo-admin": ["/admin/", "/admin/referrals/referral/", "/admin/auth/user/"],
}

COLLECT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber
  );
});
"""


def _code(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.twofactor import totp_code

    return totp_code(TOTPDevice.objects.get(user=user, key=DEMO_TOTP_KEY_HEX))


@pytest.fixture
def demo(committed_reference_data, monkeypatch):  # noqa: F811 (the imported fixture)
    # Playwright's sync API runs an event loop in this thread; Django's checks for database
    # use from async code would otherwise refuse the test's own queries.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The live server's request threads must not keep their connections (CONN_MAX_AGE=60
    # from DATABASE_URL), or the test database cannot be dropped at the end of the run.
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    call_command("seed_demo", "--force", stdout=StringIO())


@pytest.fixture
def server(demo):
    """A live server for this test only (pytest-django's is session-wide and would still
    hold a connection when the test database is dropped)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("localhost", StaticFilesHandler, connections_override={}, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()
    # A request thread finishing a keep-alive socket may still hold its connection; end it
    # so the test database can be dropped (PostgreSQL only, our own role's sessions).
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND usename = current_user"
        )


@pytest.fixture
def browser():
    with playwright_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield instance
        instance.close()


def test_each_role_main_pages_raise_no_csp_violation(server, browser):
    from django.contrib.auth import get_user_model

    problems = []
    for username, paths in PAGES.items():
        context = browser.new_context(base_url=server)
        context.add_init_script(COLLECT)
        page = context.new_page()
        page.on(
            "console",
            lambda msg, u=username: (
                problems.append(f"{u} console: {msg.text}")
                if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
                else None
            ),
        )
        page.on("pageerror", lambda exc, u=username: problems.append(f"{u} pageerror: {exc}"))

        def check(where, page=page, username=username):
            found = page.evaluate("window.__cspViolations || []")
            problems.extend(f"{username} {where}: {v}" for v in found)

        page.goto("/accounts/login/")
        check("login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/accounts/2fa/verify/**")
        check("verify")
        user = get_user_model().objects.get(username=username)
        page.fill("input[name=token]", _code(user))
        page.click("form.vf-form button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
        page.wait_for_load_state("networkidle")
        check("landing")
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (username, path, response.status)
            page.wait_for_load_state("networkidle")
            check(path)
        # One Turbo navigation from the drawer (styles applied without a full load).
        if not username.endswith("admin"):
            page.click("a[href='/account/']")
            page.wait_for_url("**/account/")
            page.wait_for_load_state("networkidle")
            check("turbo to /account/")
        context.close()
    assert problems == []


def test_the_collector_sees_a_violation(server, browser):
    # Control: the policy really is enforced and the listener really reports it.
    context = browser.new_context(base_url=server)
    context.add_init_script(COLLECT)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('style'); s.textContent = 'body{}';"
        " document.head.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    found = page.evaluate("window.__cspViolations")
    context.close()
    assert any(v.startswith("style-src") for v in found), found
