"""Access to a case page is itself logged (design §2.4, §6): every GET of a case page that is
shown records exactly one ACCESS event (viewer, role, reference); a refused page (403/404)
records none."""

import pytest

from audit import chain
from audit.models import AuditEvent
from audit.vocabularies import AuditAction
from referrals.models import Referral
from tests.workflows.builders import build_cases, page_url
from tests.workflows.conftest import take

# (viewer, page, role recorded, referral): pages of tests/workflows/builders.py's cases.
SHOWN = [
    ("cell", "A/cell-case", "cell_liaison", "A"),
    ("coordinator", "B/coord-case", "coordinator", "B"),
    ("cell", "A/process", "cell_liaison", "A"),
    ("coordinator", "C/process", "coordinator", "C"),
    ("member2", "A/support/assign", "member", "A"),  # the take page of a task in its queue
    ("psy", "B/psychological/assign", "member", "B"),
    ("member", "B/social/execute", "member", "B"),  # the track page of its holder
    ("member", "C/support/execute", "member", "C"),  # its own ended track, read-only
    ("cell", "C/review/execute", "cell_liaison", "C"),  # taken by the cell (fixture)
    ("coordinator", "A/triage/detail", "coordinator", "A"),
]

REFUSED = [
    ("member2", "B/process", 404),  # nothing to do with B
    ("psy", "C/process", 404),
    ("member", "B/process", 404),  # a member's view of a case is its track and take pages
    ("member", "B/triage/detail", 404),
    ("member", "C/review/detail", 404),  # its track ended: the rest of the case is gone
    ("member", "A>B/social/detail", 404),  # a task under another process's URL
    ("psy", "B/social/execute", 404),  # a sibling track, held by someone else
    ("psy", "B/psychological/execute", 403),  # in its queue, not taken yet
    ("cell", "A/triage/execute", 403),  # done, by someone else
    ("member", "A/cancel", 403),
    ("coordinator", "A/cell-case", 403),  # the cell's workspace
    ("cell", "B/coord-case", 403),
    ("delegate", "A/process", 403),
    ("delegate", "A/coord-case", 403),
    ("coordinator", "/coordination/orientations/999999/", 404),
    ("cell", "/workflow/999999/", 404),
]


@pytest.fixture
def cases(people):
    cases = build_cases(people)
    take(cases.task("C", "review"), people["cell"])
    return cases


def _access_events():
    return AuditEvent.objects.filter(action=AuditAction.ACCESS)


@pytest.mark.django_db
@pytest.mark.parametrize(("viewer", "page", "role", "which"), SHOWN)
def test_a_shown_case_page_records_one_access_event(
    client, people, cases, viewer, page, role, which
):
    client.force_login(people[viewer])
    before = set(_access_events().values_list("pk", flat=True))

    response = client.get(page_url(page, cases))

    assert response.status_code == 200
    new = list(_access_events().exclude(pk__in=before))
    assert len(new) == 1, new
    referral = Referral.objects.get(pk=cases.referral_pk(which))
    event = new[0]
    assert (event.actor_username, event.role, event.reference, event.object_id) == (
        people[viewer].username,
        role,
        referral.reference,
        referral.pk,
    )
    assert event.actor_id == people[viewer].pk
    assert chain.verify().ok


@pytest.mark.django_db
@pytest.mark.parametrize(("viewer", "page", "status"), REFUSED)
def test_a_refused_case_page_records_nothing(client, people, cases, viewer, page, status):
    client.force_login(people[viewer])
    before = _access_events().count()

    response = client.get(page_url(page, cases))

    assert response.status_code == status
    assert _access_events().count() == before


@pytest.mark.django_db
def test_each_get_is_one_event(client, people, cases):
    """Two views, two events; a POST on the track page is a transition, not an access."""
    client.force_login(people["member"])
    before = _access_events().count()
    page = page_url("B/social/execute", cases)
    client.get(page)
    client.get(page)
    client.post(page.replace("/execute/", "/hold/"), {"hold-code": "not_a_code"})
    assert _access_events().count() == before + 2
