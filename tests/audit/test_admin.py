"""The Django admin: administrative changes of users, groups, memberships and organisations
are recorded in the chain; audit data (events, checkpoints, verifications, django-auditlog
entries) can be neither added, changed nor deleted there, superusers included."""

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client

from audit import chain
from audit.models import AuditCheckpoint, AuditEvent, AuditVerification
from audit.services import audit_checkpoint_create, audit_verification_run
from core.roles import Role
from directory.models import MemberProfile, Organisation
from tests.factories import AuditEventFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def superuser(db):
    return UserFactory(username="admin-root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(superuser):
    client = Client()
    client.force_login(superuser)
    return client


def admin_events(**filters):
    return list(
        AuditEvent.objects.filter(action="admin_change", **filters)
        .order_by("seq")
        .values_list("object_type", "object_id", "transition", "code", "from_state", "to_state")
    )


def ok(response):
    assert response.status_code == 302, (
        response.context["adminform"].form.errors if response.context else response
    )
    return response


INLINE_MANAGEMENT = {
    "member_profile-TOTAL_FORMS": "0",
    "member_profile-INITIAL_FORMS": "0",
    "member_profile-MIN_NUM_FORMS": "0",
    "member_profile-MAX_NUM_FORMS": "1",
}


def user_change_data(user, **overrides):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "groups": [],
        "user_permissions": [],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "last_login_0": "",
        "last_login_1": "",
        **INLINE_MANAGEMENT,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_user_creation_and_changes_are_recorded(admin_client, superuser):
    ok(
        admin_client.post(
            "/admin/auth/user/add/",
            {
                "username": "nouvelle",
                "password1": "Tres-long-mot-2-passe",
                "password2": "Tres-long-mot-2-passe",
                "usable_password": "true",
                **INLINE_MANAGEMENT,
            },
        )
    )
    user = User.objects.get(username="nouvelle")
    assert admin_events() == [("user", user.pk, "create", "", "", "")]
    auditor_group = Group.objects.get(name=Role.AUDITOR)
    ok(
        admin_client.post(
            f"/admin/auth/user/{user.pk}/change/",
            user_change_data(user, is_staff="on", groups=[auditor_group.pk]),
        )
    )
    assert admin_events()[1:] == [
        ("user", user.pk, "update", "", "", ""),
        ("user", user.pk, "set_is_staff", "", "false", "true"),
        ("user", user.pk, "groups_add", "auditor", "", ""),
    ]
    ok(admin_client.post(f"/admin/auth/user/{user.pk}/change/", user_change_data(user)))
    assert admin_events()[4:] == [
        ("user", user.pk, "update", "", "", ""),
        ("user", user.pk, "set_is_staff", "", "true", "false"),
        ("user", user.pk, "groups_remove", "auditor", "", ""),
    ]
    event = AuditEvent.objects.filter(action="admin_change").last()
    assert (event.actor_id, event.role) == (superuser.pk, "administrator")
    assert chain.verify().ok


def test_password_change_is_recorded_without_the_password(admin_client):
    user = UserFactory(username="target")
    ok(
        admin_client.post(
            f"/admin/auth/user/{user.pk}/password/",
            {
                "password1": "Nouveau-mot-2-passe",
                "password2": "Nouveau-mot-2-passe",
                "usable_password": "true",
            },
        )
    )
    assert admin_events() == [("user", user.pk, "set_password", "", "", "")]


def test_membership_changes_are_recorded(admin_client):
    organisation = OrganisationFactory()
    member = UserFactory(username="benevole")
    ok(
        admin_client.post(
            "/admin/directory/memberprofile/add/",
            {
                "user": member.pk,
                "organisation": organisation.pk,
                "domains": ["social"],
                "capacity": "3",
                "active": "on",
            },
        )
    )
    profile = MemberProfile.objects.get(user=member)
    assert admin_events() == [("member_profile", profile.pk, "create", "", "", "")]
    ok(admin_client.post(f"/admin/directory/memberprofile/{profile.pk}/delete/", {"post": "yes"}))
    assert admin_events()[-1] == ("member_profile", profile.pk, "delete", "", "", "")


def test_group_changes_are_recorded_with_codes_only(admin_client):
    perm = Permission.objects.get(codename="view_logentry", content_type__app_label="auditlog")
    ok(
        admin_client.post(
            "/admin/auth/group/add/", {"name": "Équipe spéciale", "permissions": [perm.pk]}
        )
    )
    group = Group.objects.get(name="Équipe spéciale")
    assert admin_events() == [
        ("group", group.pk, "create", "", "", ""),
        ("group", group.pk, "permissions_add", "view_logentry", "", ""),
    ]
    user = UserFactory(username="membre-equipe")
    ok(
        admin_client.post(
            f"/admin/auth/user/{user.pk}/change/", user_change_data(user, groups=[group.pk])
        )
    )
    # A group name is free text: the event carries the group's id, never its name.
    assert admin_events()[-1] == ("user", user.pk, "groups_add", f"id_{group.pk}", "", "")
    assert not AuditEvent.objects.filter(code__icontains="quipe").exists()


def test_organisation_change_and_bulk_delete_are_recorded(admin_client):
    first, second = OrganisationFactory(), OrganisationFactory()
    ok(
        admin_client.post(
            "/admin/directory/organisation/",
            {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
        )
    )
    assert sorted(admin_events()) == [
        ("organisation", first.pk, "delete", "", "", ""),
        ("organisation", second.pk, "delete", "", "", ""),
    ]


# --- audit data is read-only in the admin -------------------------------------------------------


@pytest.fixture
def audit_rows(db):
    AuditEventFactory.create_batch(2)
    audit_checkpoint_create()
    audit_verification_run(actor=None, role="system")
    OrganisationFactory()  # a django-auditlog entry
    return {
        "audit/auditevent": AuditEvent.objects.first().pk,
        "audit/auditcheckpoint": AuditCheckpoint.objects.get().pk,
        "audit/auditverification": AuditVerification.objects.get().pk,
        "auditlog/logentry": LogEntry.objects.first().pk,
    }


@pytest.mark.parametrize(
    "model",
    ["audit/auditevent", "audit/auditcheckpoint", "audit/auditverification", "auditlog/logentry"],
)
def test_admin_refuses_add_change_delete_of_audit_data(admin_client, audit_rows, model):
    pk = audit_rows[model]
    counts = (AuditEvent.objects.count(), LogEntry.objects.count())
    assert admin_client.get(f"/admin/{model}/").status_code == 200  # readable
    assert admin_client.get(f"/admin/{model}/{pk}/change/").status_code == 200  # view only
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403
    assert admin_client.post(f"/admin/{model}/add/", {}).status_code == 403
    assert admin_client.post(f"/admin/{model}/{pk}/change/", {}).status_code == 403
    assert admin_client.get(f"/admin/{model}/{pk}/delete/").status_code == 403
    assert admin_client.post(f"/admin/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(
        f"/admin/{model}/", {"action": "delete_selected", "_selected_action": [pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert (AuditEvent.objects.count(), LogEntry.objects.count()) == counts
    assert chain.verify().ok


def test_deleting_a_user_keeps_the_audit_data(admin_client):
    user = UserFactory(username="leaving")
    AuditEventFactory(actor=user)
    ok(admin_client.post(f"/admin/auth/user/{user.pk}/delete/", {"post": "yes"}))
    assert not User.objects.filter(pk=user.pk).exists()
    assert AuditEvent.objects.filter(actor_id=user.pk).exists()
    assert chain.verify().ok


def test_auditors_cannot_use_the_admin(auditor_client, audit_rows):
    response = auditor_client.get("/admin/audit/auditevent/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    organisation = Organisation.objects.first()
    response = auditor_client.post(
        f"/admin/directory/organisation/{organisation.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302 and Organisation.objects.filter(pk=organisation.pk).exists()
