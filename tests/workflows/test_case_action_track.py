"""The case page's track actions name the track in the form: a track that is not a number,
not a track, or a track of another referral gets a 404 and changes nothing (a non-numeric
value gave a 500)."""

import pytest

from audit.models import AuditEvent
from support.models import SupportTrack
from tests.workflows.conftest import start_referral, triage_open


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["assign", "interrupt"])
@pytest.mark.parametrize("value", ["abc", "1.5", "", "-1", "999999", "other"])
def test_a_bad_track_in_a_case_action_is_not_found(client, people, action, value):
    process = triage_open(start_referral(people["cell"]), people["coordinator"])
    other = triage_open(start_referral(people["cell"]), people["coordinator"])
    if value == "other":  # a real track, of another referral
        value = str(SupportTrack.objects.get(referral_id=other.artifact_object_id).pk)
    tracks = list(SupportTrack.objects.order_by("pk").values_list("pk", "state", "holder_id"))
    client.force_login(people["coordinator"])
    events = AuditEvent.objects.count()
    response = client.post(
        f"/coordination/orientations/{process.artifact_object_id}/{action}/",
        {"track": value, "interrupt-code": "person_refused"},
    )
    assert response.status_code == 404
    assert list(SupportTrack.objects.order_by("pk").values_list("pk", "state", "holder_id")) == (
        tracks
    )
    assert AuditEvent.objects.count() == events
