"""The coordinator's case page: eligible members per track, queries independent of tracks."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.workflows.conftest import start_referral, triage_open


def _queries(client, user, referral_pk):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/coordination/orientations/{referral_pk}/")
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.django_db
def test_case_page_queries_do_not_grow_with_tracks(client, people):
    one = triage_open(start_referral(people["cell"]), people["coordinator"], ["social"])
    four = triage_open(
        start_referral(people["cell"], domains=("social", "psychological", "educational")),
        people["coordinator"],
        ["social", "psychological", "educational", "professional"],
    )
    small, _ = _queries(client, people["coordinator"], one.artifact_object_id)
    large, response = _queries(client, people["coordinator"], four.artifact_object_id)
    assert large == small
    forms = response.context["assign_forms"]
    assert len(forms) == 4


@pytest.mark.django_db
def test_assign_form_offers_only_members_of_the_track_domain(client, people):
    process = triage_open(start_referral(people["cell"]), people["coordinator"], ["social"])
    _, response = _queries(client, people["coordinator"], process.artifact_object_id)
    (form,) = response.context["assign_forms"].values()
    offered = {value for value, label in form.fields["member"].choices if value}
    # "psy" holds the psychological domain only
    assert offered == {people["member"].pk, people["member2"].pk}
