"""An administrator cannot go around the services: no viewflow Process/Task in the admin,
case objects read-only there, bad filter values answer 400, every admin page showing a case
object is an access event, and second factors are reset through an audited action."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from viewflow.workflow.models import Process, Task

from accounts.models import RecoveryCodeDevice
from audit.models import AuditEvent
from monitoring.models import TerritorialIndicator
from referrals.models import Referral
from support.models import Contact, SupportTrack
from tests.factories import UserFactory
from tests.twofactor import totp_device
from tests.workflows.conftest import people as people  # noqa: F401 (the fixture)
from tests.workflows.conftest import start_referral, triage_open

pytestmark = pytest.mark.django_db

CASE_MODELS = (Referral, SupportTrack, Contact, Process, Task, TerritorialIndicator)


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(root):
    client = Client()
    client.force_login(root)
    return client


@pytest.fixture
def case(people):  # noqa: F811 (the imported fixture)
    return triage_open(start_referral(people["cell"]), people["coordinator"])


def snapshot():
    return {
        "referrals": list(Referral.objects.order_by("pk").values()),
        "tracks": list(SupportTrack.objects.order_by("pk").values()),
        "processes": list(Process.objects.order_by("pk").values()),
        "tasks": list(Task.objects.order_by("pk").values()),
    }


def changes_of_state():
    return AuditEvent.objects.exclude(action="access").count()


def test_viewflow_process_and_task_are_not_in_the_admin(admin_client, case):
    assert not admin.site.is_registered(Process)
    assert not admin.site.is_registered(Task)
    assert admin_client.get("/admin/viewflow/process/").status_code == 404
    assert admin_client.get("/admin/viewflow/task/").status_code == 404


def test_no_registered_admin_can_write_a_case_object(root):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = root
    for model, model_admin in admin.site._registry.items():
        if model in CASE_MODELS:
            assert not model_admin.has_add_permission(request), model
            assert not model_admin.has_change_permission(request), model
            assert not model_admin.has_delete_permission(request), model
        for inline in model_admin.get_inline_instances(request):
            if inline.model in CASE_MODELS:
                assert not inline.has_add_permission(request, None), inline
                assert not inline.has_change_permission(request), inline
                assert not inline.has_delete_permission(request), inline


def test_no_editable_data_field_anywhere(root):
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = root
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_change_permission(request):
            continue
        form = model_admin.get_form(request)
        assert "data" not in form.base_fields, model


def test_every_admin_write_attempt_on_a_case_changes_nothing(admin_client, case):
    referral = case.artifact
    track = SupportTrack.objects.filter(referral=referral).first()
    before, events = snapshot(), changes_of_state()
    attempts = [
        (
            f"/admin/referrals/referral/{referral.pk}/change/",
            {"state": "closed", "priority": "high"},
        ),
        (f"/admin/referrals/referral/{referral.pk}/delete/", {"post": "yes"}),
        ("/admin/referrals/referral/add/", {"reference": "VAL-2026-9999"}),
        (f"/admin/support/supporttrack/{track.pk}/change/", {"state": "completed"}),
        (f"/admin/support/supporttrack/{track.pk}/delete/", {"post": "yes"}),
        (
            "/admin/referrals/referral/",
            {"action": "delete_selected", "_selected_action": [referral.pk]},
        ),
        (
            "/admin/support/supporttrack/",
            {"action": "delete_selected", "_selected_action": [track.pk]},
        ),
        (f"/admin/viewflow/process/{case.pk}/change/", {"artifact_object_id": "999"}),
        (f"/admin/viewflow/process/{case.pk}/delete/", {"post": "yes"}),
    ]
    for path, data in attempts:
        response = admin_client.post(path, data)
        # Refused (403), unknown (404), or the list shown again with no action run (200).
        assert response.status_code in (200, 403, 404), (path, response.status_code)
    assert snapshot() == before
    assert changes_of_state() == events


def test_admin_pages_showing_a_case_are_access_events(admin_client, root, case):
    referral = case.artifact
    track = SupportTrack.objects.filter(referral=referral).first()
    before = AuditEvent.objects.count()
    assert admin_client.get(f"/admin/referrals/referral/{referral.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/support/supporttrack/{track.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/referrals/referral/{referral.pk}/history/").status_code == 200
    listed = admin_client.get("/admin/referrals/referral/")
    assert listed.status_code == 200
    events = list(
        AuditEvent.objects.filter(seq__gt=before)
        .order_by("seq")
        .values_list("action", "actor_id", "role", "object_type", "object_id", "reference")
    )
    ref = ("access", root.pk, "administrator", "referral", referral.pk, referral.reference)
    trk = ("access", root.pk, "administrator", "support_track", track.pk, referral.reference)
    assert events == [ref, trk, ref, ref]


def test_bad_filter_values_answer_400_not_500(admin_client, case):
    for model in admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        for query in ("?state=%00", "?q=%00", "?%00=x"):
            response = admin_client.get(url + query)
            assert response.status_code == 400, (url + query, response.status_code)
            assert "caractère nul" in response.content.decode()


def test_an_administrator_resets_a_second_factor_and_it_is_recorded(admin_client, root):
    lost = UserFactory(username="perdu")
    totp_device(lost)
    RecoveryCodeDevice.objects.create(user=lost, name="r", confirmed=True).replace_codes()
    response = admin_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [lost.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=lost).exists()
    assert not RecoveryCodeDevice.objects.filter(user=lost).exists()
    event = AuditEvent.objects.filter(action="second_factor").get()
    assert (event.transition, event.actor_id, event.role, event.object_id) == (
        "reset",
        root.pk,
        "administrator",
        lost.pk,
    )


def test_totp_secrets_are_not_in_the_admin(admin_client):
    assert not admin.site.is_registered(TOTPDevice)
    assert admin_client.get("/admin/otp_totp/totpdevice/").status_code == 404
