"""Per role, from the landing page outwards, open everything the pages offer: every link,
every GET form (filters, searches: submitted as shown), the GET page behind every POST form's
target, and the confirmation page of every irreversible action (a case's or a track's, and
the indicators' publication: its form submitted with its first coded reason, never
confirmed: nothing is written). None leads to a 403, a 404 or a
server error, no page shows English UI words, and no page raises a JavaScript error.

Coverage, not a sample: there is no page budget. Every distinct route (Django URL pattern, with
the names of its query parameters) found is visited, up to ``PER_ROUTE`` instances of each
(two cases, two tasks…), so every kind of page a role can reach is opened at least once.
``SAFETY`` only catches a runaway crawl (a page generating new routes): reaching it fails.

Not opened: downloads (exports), logging out, the Django admin, other sites. A POST-only
target answers 405 to a GET: that is not a failure (there is no page to open), the form itself
was checked on its page."""

import contextlib
import re
from collections import Counter, deque
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.urls import Resolver404, resolve

from tests.browser.pages import MAIN_PAGES, english_words
from workflows.confirm import IRREVERSIBLE

pytestmark = pytest.mark.browser

PER_ROUTE = 2
SAFETY = 600
SKIP_PREFIXES = ("/accounts/logout", "/static/", "/admin/")
ACTS_IRREVERSIBLY = ("demo-cell", "demo-coordinator", "demo-member")

# Every form of the page: method, absolute action, the fields as the form would send them
# (FormData: what the user sees selected), and its index among the page's forms.
FORMS_JS = """
forms => forms.map((form, index) => ({
    index,
    method: (form.getAttribute('method') || 'get').toLowerCase(),
    action: form.action,
    fields: Array.from(new FormData(form).entries())
        .filter(([name, value]) => typeof value === 'string')
        .map(([name, value]) => [name, value]),
}))
"""


def _followable(href: str, base: str, here: str | None = None) -> str | None:
    """The same-site path (and query) ``href`` leads to, relative to the page ``here``; None
    for what is not opened."""
    parts = urlsplit(urljoin(here or base + "/", href))
    if f"{parts.scheme}://{parts.netloc}" != base:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith(SKIP_PREFIXES):
        return None
    if "export" in path or "format=" in parts.query or path.endswith((".csv", ".jsonl")):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def route_of(target: str) -> tuple[str, tuple[str, ...]]:
    """The kind of page: its URL pattern and the names of its query parameters."""
    parts = urlsplit(target)
    try:
        route = resolve(parts.path).route
    except Resolver404:
        route = re.sub(r"\d+", "N", parts.path)  # will answer 404: reported once
    names = tuple(sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return route, names


def _with_query(action: str, fields: list[list[str]]) -> str:
    from urllib.parse import urlencode

    parts = urlsplit(action)
    query = urlencode([(name, value) for name, value in fields if name != "csrfmiddlewaretoken"])
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")


# Irreversible actions outside the cases' pages (same rule: a page asks before anything).
ASKS_FIRST = ("/indicators/releases/",)


def _irreversible(action: str) -> bool:
    path = urlsplit(action).path
    segments = [s for s in path.split("/") if s]
    return path in ASKS_FIRST or (bool(segments) and segments[-1] in IRREVERSIBLE)


# Tries per page: a navigation interrupted by the previous page's late visit is tried again.
ATTEMPTS = 3


class Crawl:
    def __init__(self, session):
        self.session = session
        self.page = session.page
        self.base = session.base
        self.queue = deque()
        self.seen: set[str] = set()
        self.routes: Counter = Counter()
        self.confirmations: list[tuple[str, int, str]] = []  # (page, form index, action)
        self.confirm_routes: Counter = Counter()
        self.problems: list = []

    def offer(self, target: str | None) -> None:
        if target and target not in self.seen:
            self.queue.append(target)

    def _blank(self) -> None:
        from playwright.sync_api import Error as PlaywrightError

        # Interrupted too? The wait below lets the late navigation finish.
        with contextlib.suppress(PlaywrightError):
            self.page.goto("about:blank")
        self.page.wait_for_timeout(300)

    def check(self, where: str, response) -> bool:
        """Status and French text of the page now shown; True when it is an HTML page."""
        if response is None:
            self.problems.append((where, "no response"))
            return False
        if response.status >= 400:
            if response.status != 405:
                self.problems.append((where, response.status))
            return False
        if "text/html" not in response.headers.get("content-type", ""):
            return False  # e.g. the flow chart (SVG): reachable is all a link promises
        english = english_words(self.page.inner_text("body"))
        if english:
            self.problems.append((where, english))
        return True

    def visit(self, target: str) -> None:
        from playwright.sync_api import Error as PlaywrightError

        page = self.page
        response = None
        for attempt in range(ATTEMPTS):
            try:
                # Returns at the answer, before the page's scripts run: Turbo's own
                # same-URL history entry at start-up cannot interrupt it (it did, rarely,
                # with waiting for "load"); the load is awaited below.
                response = page.goto(target, wait_until="commit")
                break
            except PlaywrightError as error:
                # Chromium shows no page for an error answer without a body (a POST-only
                # target's 405): ask for its status without the page. A navigation that was
                # merely interrupted (a late Turbo visit of the previous page) is tried again
                # from a blank page, which ends whatever the previous page still had running.
                answer = page.request.get(target, max_redirects=0)
                if answer.status == 405:
                    return
                if answer.status >= 400 or attempt == ATTEMPTS - 1:
                    self.problems.append((target, answer.status, error.message[:200]))
                    return
                self._blank()
        page.wait_for_load_state("load")
        if not self.check(target, response):
            return
        current = urlsplit(page.url)
        here = current.path + (f"?{current.query}" if current.query else "")
        links = page.eval_on_selector_all(
            "a[href]:not([download]), [data-card-menu-href]",
            "links => links.map(a => a.getAttribute('href') || a.dataset.cardMenuHref)",
        )
        for href in links:
            self.offer(_followable(href, self.base, page.url))
        for form in page.eval_on_selector_all("form", FORMS_JS):
            if form["method"] == "get":
                # A filter or a search, submitted as it is shown.
                self.offer(_followable(_with_query(form["action"], form["fields"]), self.base))
                continue
            target_path = _followable(form["action"], self.base)
            if target_path is None:
                continue
            if _irreversible(form["action"]):
                route = route_of(target_path)
                if self.confirm_routes[route] < PER_ROUTE:
                    self.confirm_routes[route] += 1
                    self.confirmations.append((here, form["index"], target_path))
            else:
                self.offer(target_path)  # the page behind the button, if it has one

    def confirm(self, here: str, index: int, action: str) -> None:
        """Submit an irreversible action's form with its first coded reason, and check the
        confirmation page (never confirmed: nothing is written)."""
        page = self.page
        page.goto(here)
        page.wait_for_load_state("load")
        form = page.locator("form").nth(index)
        for select in form.locator("select").all():
            if not select.input_value():
                values = [
                    v
                    for v in select.locator("option").evaluate_all(
                        "options => options.map(o => o.value)"
                    )
                    if v
                ]
                if values:
                    select.select_option(values[0])
        with page.expect_navigation() as navigation:
            form.locator("button[type=submit], input[type=submit]").first.click()
        where = f"{action} (confirmation)"
        # (Buttons may be shown in capitals: their text is compared without case.)
        shown = page.inner_text("main") if self.check(where, navigation.value) else None
        if shown is not None and "confirmer" not in shown.lower():
            self.problems.append((where, "no confirmation page", page.url))

    def run(self, start: str) -> None:
        self.offer(start)
        while self.queue:
            target = self.queue.popleft()
            route = route_of(target)
            if target in self.seen or self.routes[route] >= PER_ROUTE:
                continue
            self.seen.add(target)
            self.routes[route] += 1
            assert len(self.seen) <= SAFETY, f"runaway crawl: {len(self.seen)} pages"
            self.visit(target)
        for here, index, action in self.confirmations:
            self.confirm(here, index, action)


@pytest.mark.parametrize("username", sorted(MAIN_PAGES))
def test_everything_shown_leads_to_a_french_page(session_for, username):
    session = session_for(username)
    crawl = Crawl(session)
    crawl.run(MAIN_PAGES[username][0])
    assert crawl.problems == [], crawl.problems
    assert session.errors == [], session.errors
    # Every main page's route was reached from the landing page.
    reached = {route for route, _names in crawl.routes}
    for main in MAIN_PAGES[username]:
        assert route_of(main)[0] in reached, main
    if username in ACTS_IRREVERSIBLY:
        # The demo gives these roles irreversible actions: their confirmations were opened.
        assert crawl.confirmations, username
