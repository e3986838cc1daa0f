"""Only auditors reach the Audit workspace: every other role, a staff administrator and a user
without role get 403 on every audit page (GET and POST); auditors get 200. Auditors can change
nothing elsewhere either."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from audit.models import AuditEvent, AuditVerification
from config.site import site
from core.roles import Role
from tests.factories import AuditEventFactory, UserFactory, user_with_role

pytestmark = pytest.mark.django_db

PAGES = [
    "/audit/",
    "/audit/?action=login",
    "/audit/events/1/",
    "/audit/timeline/",
    "/audit/timeline/?reference=VAL-2026-0001",
    "/audit/chain/",
    "/audit/export/csv/",
    "/audit/export/jsonl/",
    "/audit/history/",
]
NON_AUDITORS = [role for role in Role.values if role != Role.AUDITOR] + ["staff", "no_role"]


def make_user(kind):
    if kind == "staff":
        return UserFactory(username="staff-admin", is_staff=True, is_superuser=True)
    if kind == "no_role":
        return UserFactory(username="sans-role")
    return user_with_role(kind, username=f"u-{kind}")


@pytest.fixture
def first_event(db):
    return AuditEventFactory(reference="VAL-2026-0001")


def test_every_audit_url_is_covered():
    from tests.urlwalk import walk

    audit_paths = {path for path, _cb in walk() if path.startswith("/audit/")}
    covered = {page.split("?")[0] for page in PAGES}
    assert audit_paths <= covered, audit_paths - covered


@pytest.mark.parametrize("kind", NON_AUDITORS)
def test_non_auditors_get_403_everywhere(first_event, kind):
    client = Client()
    client.force_login(make_user(kind))
    count = AuditEvent.objects.count()
    for page in PAGES:
        assert client.get(page).status_code == 403, (kind, page)
    assert client.post("/audit/chain/").status_code == 403
    # No export or verification was recorded for them.
    assert AuditEvent.objects.count() == count
    assert not AuditVerification.objects.exists()


def test_auditors_get_200_everywhere(first_event, auditor_client):
    for page in PAGES:
        response = auditor_client.get(page)
        assert response.status_code == 200, page


def test_a_user_holding_auditor_and_another_role_is_an_auditor(first_event):
    user = user_with_role(Role.COORDINATOR, username="double")
    user.groups.add(Group.objects.get(name=Role.AUDITOR))
    client = Client()
    client.force_login(user)
    assert client.get("/audit/").status_code == 200


def test_inactive_auditor_is_refused(first_event):
    user = user_with_role(Role.AUDITOR, username="parti")
    client = Client()
    client.force_login(user)
    user.is_active = False
    user.save()
    assert client.get("/audit/").status_code in (302, 403)


def test_auditors_are_refused_by_every_other_workspace(auditor_client):
    for app in site.viewsets:
        if app.app_name in ("audit", "account"):  # "Mon compte" is every account's
            continue
        url = app.reverse("index")
        assert auditor_client.get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_login(first_event):
    client = Client()
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], page
