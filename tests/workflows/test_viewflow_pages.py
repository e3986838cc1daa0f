"""viewflow's own pages, as Relais shows them: French, cases by reference, steps by their
French name, coded values by label, and no button that leads to a refusal."""

from html import unescape

import pytest

from tests.workflows.conftest import take, task_of


@pytest.mark.django_db
def test_process_page_names_the_case_and_its_steps_without_dead_buttons(client, people, in_support):
    referral = in_support.artifact
    client.force_login(people["coordinator"])
    html = unescape(client.get(f"/workflow/{in_support.pk}/").content.decode())
    assert referral.reference in html
    assert "Examen par le coordinateur" in html and "Ouverture des accompagnements" in html
    assert f"/workflow/{in_support.pk}/cancel/" not in html  # would answer 403
    assert f">{in_support.pk}/" not in html  # no "#5/11" task ids
    assert "['social']" not in html and "Artifact" not in html
    assert "Social" in html  # requested domains by label


@pytest.mark.django_db
def test_task_page_shows_the_track_by_labels_not_raw_data(client, people, in_support):
    task = take(task_of(in_support, "support", status="NEW"), people["member"])
    client.force_login(people["coordinator"])  # members are sent to their track page
    html = unescape(
        client.get(task.flow_task.reverse("detail", args=[in_support.pk, task.pk])).content.decode()
    )
    assert "{'track'" not in html
    assert f"Social — {in_support.artifact.reference}" in html


@pytest.mark.django_db
def test_viewflow_lists_name_cases_by_reference(client, people, in_support):
    client.force_login(people["coordinator"])
    for url in ("/workflow/flows/", "/workflow/queue/", "/workflow/tasks/"):
        html = unescape(client.get(url).content.decode())
        assert in_support.artifact.reference in html, url
        assert "Brief" not in html and "Process id" not in html, url
