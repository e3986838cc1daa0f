"""The triage page's agreement form has its own URL and view: the coordinator records the
agreement, comes back to the triage page, then opens support."""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.models import Referral
from tests.workflows.builders import url
from tests.workflows.conftest import start_referral, take, task_of

YESTERDAY = timezone.localdate() - timedelta(days=1)


@pytest.mark.django_db
def test_the_coordinator_records_the_agreement_then_opens_support(client, people):
    process = start_referral(people["cell"], agreed=False)
    task = take(task_of(process, "triage"), people["coordinator"])
    client.force_login(people["coordinator"])
    page = client.get(url(task, "execute")).content.decode()
    assert f'action="{url(task, "agreement")}"' in page

    refused = client.post(
        url(task, "execute"), {"triage-decision": "open_support", "triage-domains": ["social"]}
    )
    assert refused.status_code == 200  # no agreement yet: the guard's French message
    assert "accord" in refused.content.decode()

    response = client.post(
        url(task, "agreement"),
        {"agreement-agreement": "family_agreed", "agreement-agreement_date": YESTERDAY},
    )
    assert (response.status_code, response.url) == (302, url(task, "execute"))
    referral = Referral.objects.get(pk=process.artifact_object_id)
    assert (referral.agreement, referral.agreement_date) == ("family_agreed", YESTERDAY)

    opened = client.post(
        url(task, "execute"), {"triage-decision": "open_support", "triage-domains": ["social"]}
    )
    assert opened.status_code == 302
    assert Referral.objects.get(pk=referral.pk).state == "in_support"


@pytest.mark.django_db
def test_only_the_holder_of_the_triage_may_post_the_agreement(client, people):
    process = start_referral(people["cell"], agreed=False)
    task = take(task_of(process, "triage"), people["coordinator"])
    client.force_login(people["cell"])
    response = client.post(
        url(task, "agreement"),
        {"agreement-agreement": "family_agreed", "agreement-agreement_date": YESTERDAY},
    )
    assert response.status_code == 403
    assert Referral.objects.get(pk=process.artifact_object_id).agreement == "not_recorded"
