"""Each role's main pages in Chromium: no serious or critical axe-core violation, a skip
link first, every drawer link reachable with Tab, a distinct title, no sideways scrolling at
390 px. With RELAIS_SCREENSHOTS=1 the pages are also saved to docs/screenshots/ (make
screenshots)."""

import os

import pytest

from tests.browser.conftest import AXE_JS, SCREENSHOTS
from tests.browser.pages import MAIN_PAGES

pytestmark = pytest.mark.browser

SERIOUS = ("serious", "critical")


def _axe(page):
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("username", sorted(MAIN_PAGES))
def test_main_pages_are_accessible(session_for, username):
    session = session_for(username)
    page = session.page
    titles, problems = {}, {}
    for path in MAIN_PAGES[username]:
        response = page.goto(path)
        assert response.status == 200, (path, response.status)
        page.wait_for_load_state("load")
        if os.environ.get("RELAIS_SCREENSHOTS") == "1" and path == MAIN_PAGES[username][0]:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            role = username.removeprefix("demo-")
            page.screenshot(path=str(SCREENSHOTS / f"{role}.png"), full_page=False)
        violations = _axe(page)
        if violations:
            problems[path] = violations
        titles[path] = page.title()
        # The first Tab lands on the skip link, which leads to the main content.
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.getAttribute('href')") == "#contenu", path
        # Every drawer link is in the Tab order (MDC's roving tabindex undone).
        stuck = page.eval_on_selector_all(
            ".vf-page__menu a.mdc-list-item",
            "items => items.filter(a => a.tabIndex < 0).map(a => a.textContent.trim())",
        )
        assert stuck == [], (path, stuck)
    assert problems == {}
    assert len(set(titles.values())) == len(titles), titles
    assert all(title != "Relais" and title.endswith("Relais") for title in titles.values()), titles


@pytest.mark.parametrize("username", sorted(MAIN_PAGES))
def test_no_sideways_scrolling_on_a_phone(session_for, username):
    session = session_for(username, width=390, height=844)
    for path in MAIN_PAGES[username]:
        session.page.goto(path)
        session.page.wait_for_load_state("load")
        width = session.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
