"""The product's error pages: French, in the frame, with a way back; a step already done
(the back button after a transition) is a 409 that says so, not a server error."""

import pytest
from django.template.loader import render_to_string

from core.roles import Role
from tests.factories import user_with_role
from tests.workflows.conftest import people, start_referral, task_of  # noqa: F401

pytestmark = pytest.mark.django_db


def test_404_is_french_with_a_way_back(client, settings):
    settings.DEBUG = False
    client.force_login(user_with_role(Role.CELL_LIAISON, username="c"))
    response = client.get("/pas-de-page-ici/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html
    assert 'href="/"' in html and "Retour à mon accueil" in html
    assert "<title>Page introuvable – Relais</title>" in html


def test_403_is_french_with_a_way_back(client, settings):
    settings.DEBUG = False
    client.force_login(user_with_role(Role.MEMBER, username="m", domains=["social"]))
    response = client.get("/cell/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Accès refusé" in html and "Retour à mon accueil" in html
    assert "n'ont pas le droit" not in html and "another user" not in html


def test_500_renders_without_a_request():
    html = render_to_string("500.html")
    assert "Une erreur est survenue" in html and 'href="/"' in html


def test_back_button_after_a_done_step_says_what_happened(client, people):  # noqa: F811
    from django.contrib.messages import get_messages

    from tests.workflows.conftest import take
    from workflows import services

    process = start_referral(people["cell"])
    task = take(task_of(process, "triage"), people["coordinator"])
    execute_url = task.flow_task.reverse("execute", args=[process.pk, task.pk])
    services.triage_complete(
        actor=people["coordinator"], task=task, decision="open_support", domains=("social",)
    )
    client.force_login(people["coordinator"])
    response = client.get(execute_url)
    assert response.status_code in (302, 409), response.status_code
    if response.status_code == 302:
        messages = " ".join(str(m) for m in get_messages(response.wsgi_request))
        assert "déjà" in messages, messages
    else:
        assert "Cette étape est déjà passée" in response.content.decode()


def test_a_refused_transition_from_viewflow_is_a_french_409(rf, people):  # noqa: F811
    """viewflow re-raises a transition refused by state as PermissionDenied: the middleware
    answers the product's 409 page, not a bare 403."""
    from django.core.exceptions import PermissionDenied
    from viewflow.fsm.base import NoTransition

    from config.error_pages import ConflictPageMiddleware

    request = rf.get("/workflow/1/triage/2/execute/")
    request.user = people["coordinator"]
    request.resolver_match = None
    try:
        try:
            raise NoTransition("DONE", "Start")
        except NoTransition as exc:
            raise PermissionDenied(str(exc)) from exc
    except PermissionDenied as exc:
        response = ConflictPageMiddleware(lambda r: None).process_exception(request, exc)
    assert response.status_code == 409
    assert "Cette étape est déjà passée" in response.content.decode()
    assert "no transition" not in response.content.decode()
