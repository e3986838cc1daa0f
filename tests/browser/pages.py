"""What the browser tests look at: each role's main pages, and what counts as English."""

import re

# Each demo account's main pages (its landing page first).
MAIN_PAGES = {
    "demo-cell": ("/cell/", "/cell/orientations/", "/workflow/register/", "/workflow/inbox/"),
    "demo-coordinator": ("/coordination/", "/coordination/orientations/", "/workflow/queue/"),
    "demo-member": ("/member/", "/workflow/inbox/", "/workflow/archive/"),
    "demo-delegate": ("/monitoring/",),
    "demo-auditor": ("/audit/", "/audit/chain/", "/audit/history/"),
    "demo-strategic": ("/indicators/",),
}

# English UI words that have no place in a French page's visible text (viewflow's defaults,
# Python values). Words shared by both languages (Description, Type, Date) are not listed.
ENGLISH = re.compile(
    r"\b(Process(?:es)?|Brief|Artifact|Tasks?|Created|Assigned|Owner|Status|Cancel|Execute|"
    r"Unassign|Undo|Revive|Details|Log ?in|Log ?out|Back|Search|Filter|Dashboard|Inbox|"
    r"Queue|Archive|Start|End|Review|Support|Summary|Finished|Started|Profile|Next|"
    r"Previous|Show all|No records|Submit|Save|Delete|Edit|None|True|False|Open navigation)\b"
)


def english_words(text: str) -> list[str]:
    return sorted(set(ENGLISH.findall(text)))
