"""The task lists and the role workspaces run a number of SQL queries that does not grow with
the number of rows (no N+1): the same page, the same viewer, SMALL then LARGE rows → the same
count of queries.

Rows are built through the flow (tests/workflows/conftest.py helpers); e-mail notifications
are muted while building, they are not what is measured. LARGE referrals of each kind
(~200 referrals in all) give lists longer than a page (workflows.pages.PAGE_SIZE = 50).
"""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from referrals.models import Referral
from referrals.vocabularies import ReferralState
from support.models import SupportTrack
from support.vocabularies import TrackState
from tests.workflows.conftest import start_referral, take, task_of, triage_open
from workflows import services

SMALL, LARGE = 2, 34  # referrals of each of the 6 kinds below: 12, then 204 in all

# (page, viewer): every list of tasks or referrals a role opens daily.
PAGES = [
    ("/workflow/inbox/", "coordinator"),  # triage tasks taken
    ("/workflow/inbox/", "member"),  # support tasks held
    ("/workflow/queue/", "coordinator"),  # every new human task
    ("/workflow/queue/", "member"),  # open social tasks
    ("/workflow/queue/", "cell"),  # review tasks
    ("/member/", "member"),
    ("/cell/", "cell"),
    ("/coordination/", "coordinator"),
]


def _add_rows(people, n):
    """n referrals of each kind: new (triage in the queue), in assessment (triage taken),
    in support with an open social task, with a social task held by ``member``, in review,
    suspended."""
    cell, coordinator, member = people["cell"], people["coordinator"], people["member"]
    for _ in range(n):
        start_referral(cell)
        take(task_of(start_referral(cell), "triage"), coordinator)
        triage_open(start_referral(cell), coordinator)
        held = triage_open(start_referral(cell), coordinator)
        take(task_of(held, "support", status="NEW"), member)
        review = triage_open(start_referral(cell), coordinator)
        services.process_request_review(actor=coordinator, referral=review.artifact_object_id)
        suspended = triage_open(start_referral(cell), coordinator)
        services.process_suspend(
            actor=coordinator, referral=suspended.artifact_object_id, reason="hospitalisation"
        )
    # Everything overdue, so the coordinator's overdue lists fill up too.
    past = timezone.localdate() - timedelta(days=60)
    Referral.objects.filter(state__in=[ReferralState.RECEIVED, ReferralState.IN_ASSESSMENT]).update(
        triage_due_on=past
    )
    Referral.objects.filter(state=ReferralState.IN_SUPPORT).update(next_review_on=past)
    SupportTrack.objects.filter(state=TrackState.OPEN).update(take_due_on=past)
    SupportTrack.objects.filter(state=TrackState.ASSIGNED).update(first_contact_due_on=past)


def _measure(client, people):
    """{(page, viewer): (queries run, references shown)}."""
    result = {}
    for page, viewer in PAGES:
        client.force_login(people[viewer])
        client.get(page)  # warm caches (content types, sessions) out of the measure
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page)
        assert response.status_code == 200, (page, viewer)
        result[page, viewer] = (len(queries), response.content.decode().count("VAL-20"))
    return result


@pytest.fixture
def muted_notifications(monkeypatch):
    monkeypatch.setattr(services, "notify_new_in_queue", lambda **kwargs: None)
    monkeypatch.setattr(services, "notify_assigned", lambda **kwargs: None)


@pytest.mark.django_db
def test_lists_run_a_fixed_number_of_queries(client, people, muted_notifications):
    profile = people["member"].member_profile
    profile.capacity = 10 * LARGE  # the member's queue stays open while they hold many
    profile.save()

    _add_rows(people, SMALL)
    small = _measure(client, people)
    started = time.perf_counter()
    _add_rows(people, LARGE - SMALL)
    built = time.perf_counter() - started
    large = _measure(client, people)

    print(f"\n{6 * (LARGE - SMALL)} referrals built in {built:.1f} s; queries (references shown)")
    for key in PAGES:
        (q_small, n_small), (q_large, n_large) = small[key], large[key]
        print(f"{key[0]:<17} {key[1]:<12} {q_small:>3} ({n_small:>3}) {q_large:>3} ({n_large:>3})")
    # The pages do list more rows (else the comparison proves nothing)…
    assert all(large[key][1] > small[key][1] for key in PAGES), (small, large)
    # …with the same number of queries.
    assert {key: q for key, (q, _) in large.items()} == {key: q for key, (q, _) in small.items()}
