"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's
live server.

They skip with a clear reason when no Chromium (or no Playwright) is on a developer's
machine, and on SQLite (the live server needs committed data, and a transactional test's
flush would meet the audit tables' append-only triggers there). In CI (``CI=true``) a missing
browser is a failure, not a skip: ``.ci/run`` installs Chromium from Debian's packages.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from directory.demo import DEMO_PASSWORD
from tests.concurrency.conftest import committed_reference_data as committed_reference_data

CHROMIUM = os.environ.get("RELAIS_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


def _why_not_runnable() -> str | None:
    if not ON_POSTGRES:
        return "tests de navigateur : PostgreSQL seulement (DATABASE_URL)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "tests de navigateur : Playwright n'est pas installé (make install)"
    if not os.path.exists(CHROMIUM):
        return f"tests de navigateur : Chromium absent ({CHROMIUM}) ; apt-get install chromium"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _why_not_runnable()
    if reason is None or (IN_CI and ON_POSTGRES):
        # In CI on PostgreSQL they always run: a missing browser or library fails the run.
        return
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module. Playwright's sync API keeps an event loop in the test's
    thread, so Django's async-safety check would refuse the ORM calls the tests (and the
    database flush after each test) make: it is lifted for the module's lifetime only, since
    a module fixture is set up before and torn down after every function fixture, and never
    for the rest of the suite (``check --deploy`` refuses it)."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox"]
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def demo(committed_reference_data, monkeypatch):  # noqa: F811 (the imported fixture)
    """The demo: role groups and communes (a transactional test's flush removed them), the
    demo accounts (with their demo second factor) and cases, seeded through the services as
    ``make run`` does."""
    from django.core.management import call_command
    from django.db import connections

    # The live server's request threads must not keep their connections, or the test
    # database cannot be dropped at the end of the run.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    call_command("seed_demo", "--force", "--password", DEMO_PASSWORD, verbosity=0)


class Session:
    """One signed-in browser context for one demo account."""

    def __init__(
        self,
        browser,
        live_server,
        username,
        *,
        width=1280,
        height=900,
        bypass_csp=True,
        init_script=None,
        on_page=None,
    ):
        self.base = live_server.url
        self.username = username
        # bypass_csp: axe-core is injected as a script the policy rightly refuses; the policy
        # itself is checked by test_csp_smoke.py (which keeps it, with its init script).
        self.context = browser.new_context(
            viewport={"width": width, "height": height},
            locale="fr-FR",
            base_url=self.base,
            bypass_csp=bypass_csp,
        )
        if init_script:
            self.context.add_init_script(init_script)
        self.page = self.context.new_page()
        if on_page:
            on_page(self.page)  # listeners that must see the login pages too
        self.page.set_default_timeout(15_000)
        self.errors = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def login(self, check=None):
        """Both steps, as a person does: the password, then the demo account's TOTP code;
        ``check(page, step)`` (if given) looks at the login and the verification pages."""
        from django.contrib.auth import get_user_model
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from accounts.selectors import DEMO_TOTP_KEY_HEX
        from tests.twofactor import totp_code

        page = self.page
        page.goto("/accounts/login/")
        if check:
            check(page, "login")
        page.fill("input[name=username]", self.username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.locator("form button[type=submit], form input[type=submit]").first.click()
        # The form posts through Turbo: wait for the next page, not for a load event.
        page.wait_for_url("**/accounts/2fa/verify/**")
        if check:
            check(page, "verify")
        user = get_user_model().objects.get(username=self.username)
        page.fill(
            "input[name=token]", totp_code(TOTPDevice.objects.get(user=user, key=DEMO_TOTP_KEY_HEX))
        )
        page.click("form.vf-form button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/" not in url)
        page.wait_for_load_state("load")
        return self

    def goto(self, path):
        response = self.page.goto(path)
        return response

    def close(self):
        self.context.close()


@pytest.fixture
def session_for(chromium, live_server, demo):
    opened = []

    def open_session(username, check=None, **kwargs):
        session = Session(chromium, live_server, username, **kwargs).login(check)
        opened.append(session)
        return session

    yield open_session
    for session in opened:
        session.close()
