"""A real browser (the system's Chromium, driven by Playwright) logs in as each demo account
through both steps and opens the role's main pages with the Content-Security-Policy enforced
(the shared session, ``bypass_csp=False``): the policy must refuse nothing (no
``securitypolicyviolation`` event, no CSP console error, no page error).
"""

import pytest

pytestmark = pytest.mark.browser

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


def test_each_role_main_pages_raise_no_csp_violation(session_for):
    problems = []
    for username, paths in PAGES.items():

        def check(page, where, username=username):
            found = page.evaluate("window.__cspViolations || []")
            problems.extend(f"{username} {where}: {v}" for v in found)

        def watch(page, username=username):
            page.on(
                "console",
                lambda msg: (
                    problems.append(f"{username} console: {msg.text}")
                    if "Content Security Policy" in msg.text
                    or "Content-Security-Policy" in msg.text
                    else None
                ),
            )
            page.on("pageerror", lambda exc: problems.append(f"{username} pageerror: {exc}"))

        session = session_for(
            username, check=check, bypass_csp=False, init_script=COLLECT, on_page=watch
        )
        page = session.page
        page.wait_for_load_state("networkidle")
        check(page, "landing")
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, (username, path, response.status)
            page.wait_for_load_state("networkidle")
            check(page, path)
        # One Turbo navigation from the drawer (styles applied without a full load).
        if not username.endswith("admin"):
            page.click("a[href='/account/']")
            page.wait_for_url("**/account/")
            page.wait_for_load_state("networkidle")
            check(page, "turbo to /account/")
    assert problems == []


def test_the_collector_sees_a_violation(chromium, live_server):
    # Control: the policy really is enforced and the listener really reports it.
    context = chromium.new_context(base_url=live_server.url)
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
