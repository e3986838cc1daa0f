"""Per role, follow every link shown (same site, GET), from the landing page outwards: none
leads to a 403, a 404 or a server error, and no page shows English UI words.

Links that download (exports), log out, or leave for the Django admin are not followed; the
crawl is bounded per role: breadth first, and at most two pages of each kind (the path with
its numbers blanked), so that every kind of page shown is reached."""

import re
from collections import Counter
from urllib.parse import urlsplit

import pytest

from tests.browser.pages import MAIN_PAGES, english_words

pytestmark = pytest.mark.browser

MAX_PAGES = 60
PER_KIND = 2
SKIP_PREFIXES = ("/accounts/logout", "/static/", "/admin/")


def _followable(href: str, base: str) -> str | None:
    parts = urlsplit(href)
    if parts.scheme and f"{parts.scheme}://{parts.netloc}" != base:
        return None
    path = parts.path
    if not path.startswith("/") or path.startswith(SKIP_PREFIXES):
        return None
    if "export" in path or "format=" in parts.query or path.endswith((".csv", ".jsonl")):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


@pytest.mark.parametrize("username", sorted(MAIN_PAGES))
def test_every_link_shown_leads_to_a_french_page(session_for, username):
    session = session_for(username)
    page = session.page
    start = MAIN_PAGES[username][0]
    queue, seen, problems, kinds = [start], set(), [], Counter()
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        kind = re.sub(r"\d+", "N", urlsplit(path).path)
        if path in seen or kinds[kind] >= PER_KIND:
            continue
        seen.add(path)
        kinds[kind] += 1
        response = page.goto(path)
        page.wait_for_load_state("load")
        if response.status >= 400:
            problems.append((path, response.status))
            continue
        if "text/html" not in response.headers.get("content-type", ""):
            continue  # e.g. the flow chart (SVG): reachable is all a link promises
        english = english_words(page.inner_text("body"))
        if english:
            problems.append((path, english))
        links = page.eval_on_selector_all(
            "a[href]:not([download]), [data-card-menu-href]",
            "links => links.map(a => a.getAttribute('href') || a.dataset.cardMenuHref)",
        )
        for href in links:
            target = _followable(href, session.base)
            if target and target not in seen and target not in queue:
                queue.append(target)
    assert problems == [], problems
    assert session.errors == [], session.errors
    assert len(seen) >= len(MAIN_PAGES[username])
