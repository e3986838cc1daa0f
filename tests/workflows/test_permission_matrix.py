"""Every role × every workflow page of the site → the expected status code.

Least privilege (design §3): each workspace is its role's; viewflow's pages are open to the
three case roles. A member sees a case only through the product's pages of their own work:
the track page of a track they hold (read-only once it ended), the take page of a task in
their queue. viewflow's process and task detail pages never show them more: a detail page
sends them to that page, everything else of the case is 404 (existence not revealed), and
the lists of every process are 403. Before, during and after a track, and after a review
reopened the case (D).

``R:inbox`` (a finished task's holder, sent to the inbox with a French message),
``R:assign`` and ``R:execute`` (a member sent from a detail page to the take page or the
track page) are 302 redirects to those pages; a bare 302 goes to the login page.
"""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from audit.models import AuditEvent
from referrals.models import Referral
from support.models import SupportTrack
from tests.urlwalk import walk
from tests.workflows.builders import YESTERDAY, admin_user, build_cases, page_url
from workflows.selectors import flow_tasks

ROLES = (
    "anonymous",
    "cell",
    "coordinator",
    "member",  # holds B's social task, completed C's social track
    "member2",  # same domain as member, holds nothing
    "psy",  # psychological domain: B's open psychological task is in their queue
    "delegate",
    "auditor",
    "strategic",
    "admin",  # staff superuser: Django admin only
)

# Referrals (tests/workflows/builders.py): A in support, social task open; B in support,
# social task held by member, psychological task open; C in review, review task open.
# "A/process": /workflow/<A>/; "B/social/execute": execute page of B's social task;
# "A>B/social/detail": B's task under A's process URL; "A/cell-case": /cell/orientations/<A>/.
MATRIX = """
page                         anon cell    coord   member  member2 psy      deleg audit strat admin
/cell/                        302  200      403      403      403     403  403   403   403   403
/coordination/                302  403      200      403      403     403  403   403   403   403
/cell/orientations/           302  200      403      403      403     403  403   403   403   403
/coordination/orientations/   302  403      200      403      403     403  403   403   403   403
/member/                      302  403      403      200      200     200  403   403   403   403
/workflow/                    302  200      200  R:inbox  R:inbox R:inbox  403   403   403   403
/workflow/inbox/              302  200      200      200      200     200  403   403   403   403
/workflow/queue/              302  200      200      200      200     200  403   403   403   403
/workflow/archive/            302  200      200      200      200     200  403   403   403   403
/workflow/tasks/              302  200      200      403      403     403  403   403   403   403
/workflow/flows/              302  200      200      403      403     403  403   403   403   403
/workflow/chart/              302  200      200      403      403     403  403   403   403   403
/workflow/register/           302  200      403      403      403     403  403   403   403   403
A/process                     302  200      200      404      404     404  403   403   403   403
A/cancel                      302  403      403      403      403     403  403   403   403   403
A/triage/detail               302  200      200      404      404     404  403   403   403   403
A/triage/execute              302  403  R:inbox      404      404     404  403   403   403   403
A/support/detail              302  200      200 R:assign R:assign     404  403   403   403   403
A/support/execute             302  403      403      403      403     404  403   403   403   403
A/cell-case                   302  200      403      403      403     403  403   403   403   403
A/coord-case                  302  403      200      403      403     403  403   403   403   403
B/process                     302  200      200      404      404     404  403   403   403   403
B/triage/detail               302  200      200      404      404     404  403   403   403   403
B/triage/execute              302  403  R:inbox      404      404     404  403   403   403   403
B/social/detail               302  200      200 R:execute     404     404  403   403   403   403
B/social/execute              302  403      403      200      404     404  403   403   403   403
B/psychological/detail        302  200      200      404      404 R:assign  403   403   403   403
B/psychological/execute       302  403      403      404      404     403  403   403   403   403
B/cell-case                   302  200      403      403      403     403  403   403   403   403
B/coord-case                  302  403      200      403      403     403  403   403   403   403
C/process                     302  200      200      404      404     404  403   403   403   403
C/triage/detail               302  200      200      404      404     404  403   403   403   403
C/triage/execute              302  403  R:inbox      404      404     404  403   403   403   403
C/support/detail              302  200      200 R:execute     404     404  403   403   403   403
C/support/execute             302  403      403      200      404     404  403   403   403   403
C/review/detail               302  200      200      404      404     404  403   403   403   403
C/review/execute              302  403      403      404      404     404  403   403   403   403
C/cell-case                   302  200      403      403      403     403  403   403   403   403
C/coord-case                  302  403      200      403      403     403  403   403   403   403
D/process                     302  200      200      404      404     404  403   403   403   403
D/review/detail               302  200      200      404      404     404  403   403   403   403
D/review/execute              302  R:inbox  403      404      404     404  403   403   403   403
D/ended/detail                302  200      200 R:execute     404     404  403   403   403   403
D/ended/execute               302  403      403      200      404     404  403   403   403   403
D/support/detail              302  200      200 R:assign R:assign     404  403   403   403   403
D/support/execute             302  403      403      403      403     404  403   403   403   403
D/support/assign              302  200      200      200      200     404  403   403   403   403
D/cell-case                   302  200      403      403      403     403  403   403   403   403
D/coord-case                  302  403      200      403      403     403  403   403   403   403
A>B/social/detail             302  404      404      404      404     404  403   403   403   403
A>B/social/execute            302  404      404      404      404     404  403   403   403   403
A>C/review/detail             302  404      404      404      404     404  403   403   403   403
A>D/ended/execute             302  404      404      404      404     404  403   403   403   403
"""


def _parse(table):
    lines = [line.split() for line in table.strip().splitlines()]
    header, rows = lines[0], lines[1:]
    assert len(header) == len(ROLES) + 1
    assert all(len(row) == len(header) for row in rows), "ragged matrix"
    return {
        row[0]: dict(
            zip(ROLES, [c if c.startswith("R:") else int(c) for c in row[1:]], strict=True)
        )
        for row in rows
    }


EXPECTED = _parse(MATRIX)


@pytest.fixture
def cases(people):
    return build_cases(people)


def _login(client, people, role):
    if role == "admin":
        client.force_login(admin_user())
    elif role != "anonymous":
        client.force_login(people[role])


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_page_answers_the_expected_code(client, people, cases, role):
    _login(client, people, role)
    login_url = resolve_url(settings.LOGIN_URL)
    got = {}
    for key in EXPECTED:
        response = client.get(page_url(key, cases))
        got[key] = response.status_code
        if response.status_code == 302 and not response.url.startswith(login_url):
            # A redirect to one of our pages: named by the last segment of its URL.
            got[key] = "R:" + response.url.rstrip("/").rsplit("/", 1)[-1]
    expected = {key: codes[role] for key, codes in EXPECTED.items()}
    assert got == expected


def test_the_matrix_lists_every_page_without_arguments():
    """A new list page in one of the four applications must get a row here."""
    prefixes = ("/cell/", "/coordination/", "/member/", "/workflow/")
    pages = {path for path, _ in walk() if path.startswith(prefixes) and "/1/" not in path}
    assert pages <= set(EXPECTED), sorted(pages - set(EXPECTED))


# --- case actions by a role that does not hold them ---------------------------------------

ACTIONS = {
    "suspend": {"suspend-code": "hospitalisation"},
    "request_review": {},
    "assign": {"track": "{track}", "assign-{track}-member": "{member2}"},
    "interrupt": {"track": "{track}", "interrupt-code": "person_refused"},
    "withdraw": {"withdraw-code": "taken_over_elsewhere"},
    "close": {"close-code": "goals_reached"},
    "agreement": {
        "agreement-agreement": "person_agreed",
        "agreement-agreement_date": "{yesterday}",
    },
}
COORDINATOR_ONLY = ("suspend", "request_review", "assign", "interrupt")
CELL_ONLY = ("withdraw", "close")
EVERY = tuple(ACTIONS)
# role → the (application, action) POSTs it must be refused (403).
REFUSED = {
    "cell": [
        *[("coordination", action) for action in EVERY],  # not their workspace
        *[("cell", action) for action in COORDINATOR_ONLY],  # their workspace, not their action
    ],
    "coordinator": [
        *[("cell", action) for action in EVERY],
        *[("coordination", action) for action in CELL_ONLY],
    ],
    **{
        role: [(app, action) for app in ("cell", "coordination") for action in EVERY]
        for role in ("member", "delegate", "auditor", "strategic", "admin")
    },
}


def _snapshot(referral_pk):
    referral = Referral.objects.get(pk=referral_pk)
    tracks = SupportTrack.objects.filter(referral=referral).order_by("pk")
    tasks = flow_tasks().filter(process__artifact_object_id=referral_pk).order_by("pk")
    return (
        referral.state,
        referral.agreement,
        [(t.state, t.holder_id) for t in tracks],
        [(t.status, t.owner_id) for t in tasks],
        AuditEvent.objects.count(),
    )


def _payload(action, track, member2):
    fill = {
        "{track}": str(track.pk),
        "{member2}": str(member2.pk),
        "{yesterday}": YESTERDAY.isoformat(),
    }
    result = {}
    for key, value in ACTIONS[action].items():
        for placeholder, real in fill.items():
            key, value = key.replace(placeholder, real), value.replace(placeholder, real)
        result[key] = value
    return result


@pytest.mark.django_db
@pytest.mark.parametrize("role", REFUSED)
def test_a_case_action_by_a_wrong_role_is_refused_and_changes_nothing(client, people, cases, role):
    referral_pk = cases.referral_pk("B")
    track = cases.task("B", "social").artifact
    _login(client, people, role)
    before = _snapshot(referral_pk)
    got = {}
    for app, action in REFUSED[role]:
        payload = _payload(action, track, people["member2"])
        response = client.post(f"/{app}/orientations/{referral_pk}/{action}/", payload)
        got[app, action] = response.status_code
    assert got == {key: 403 for key in REFUSED[role]}
    assert _snapshot(referral_pk) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("app", "action", "role", "changed"),
    [
        ("coordination", "suspend", "coordinator", "suspended"),
        ("cell", "withdraw", "cell", "withdrawn"),
        ("coordination", "assign", "coordinator", "in_support"),
    ],
)
def test_the_same_payload_by_the_right_role_is_accepted(
    client, people, cases, app, action, role, changed
):
    """Control: the refusals above are about the role, not about a bad payload."""
    referral_pk = cases.referral_pk("B")
    track = cases.task("B", "social").artifact
    _login(client, people, role)
    before = _snapshot(referral_pk)
    payload = {**_payload(action, track, people["member2"]), "confirmed": "1"}
    response = client.post(f"/{app}/orientations/{referral_pk}/{action}/", payload)
    assert response.status_code == 302
    assert _snapshot(referral_pk) != before
    assert Referral.objects.get(pk=referral_pk).state == changed
