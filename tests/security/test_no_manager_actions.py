"""viewflow's manager actions — cancel, undo or revive a task, cancel a process, execute
someone else's task — are refused to everyone, superusers included: they would change a
case outside the services, with no event in the chain."""

import pytest
from django.test import Client
from viewflow.workflow.models import Process, Task

from audit.models import AuditEvent
from core.roles import Role
from tests.factories import UserFactory
from tests.workflows.conftest import people as people  # noqa: F401 (the fixture)
from tests.workflows.conftest import start_referral, triage_open

pytestmark = pytest.mark.django_db


def state():
    return (
        list(Process.objects.order_by("pk").values_list("pk", "status")),
        list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id")),
        AuditEvent.objects.exclude(action="access").count(),
    )


@pytest.mark.parametrize("roles", [[], [Role.COORDINATOR]])
def test_a_superuser_cannot_cancel_undo_revive_or_execute_through_viewflow(people, roles):  # noqa: F811
    case = triage_open(start_referral(people["cell"]), people["coordinator"])
    root = UserFactory(username="root", is_staff=True, is_superuser=True, roles=roles)
    client = Client()
    client.force_login(root)
    before = state()
    tasks = list(Task.objects.filter(process=case).order_by("pk"))
    assert any(t.status == "NEW" for t in tasks)  # live tasks to try on
    for task in tasks:
        for action in ("cancel", "undo", "revive", "execute"):
            url = f"/workflow/{case.pk}/{task.flow_task.name}/{task.pk}/{action}/"
            response = client.post(url, {"_continue": "1"})
            # Refused (403), unknown (404) or conflicting (409): never done.
            assert response.status_code in (403, 404, 409), (url, response.status_code)
    assert client.post(f"/workflow/{case.pk}/cancel/", {"_continue": "1"}).status_code in (
        403,
        404,
    )
    assert state() == before
