"""Bad input on the task pages: a French error on the field, nothing saved, never a 500."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone
from viewflow.workflow.models import Process, Task

from audit.models import AuditEvent
from core.roles import Role
from referrals.models import Referral
from support.models import Contact, SupportTrack
from tests.factories import commune, user_with_role
from tests.workflows.builders import build_cases, finish_track, url
from tests.workflows.conftest import run, start_referral, take, task_of, triage_open
from workflows import services

TODAY = timezone.localdate()
TOMORROW = (TODAY + timedelta(days=1)).isoformat()
YESTERDAY = (TODAY - timedelta(days=1)).isoformat()
TWO_DAYS_AGO = (TODAY - timedelta(days=2)).isoformat()
REQUIRED = "Ce champ est obligatoire."
FUTURE = "La date ne peut pas être future."
BAD_REFERENCE = "Référence invalide"


def _saved():
    """Everything a page could have written."""
    return tuple(
        model.objects.count()
        for model in (Referral, SupportTrack, Contact, Process, Task, AuditEvent)
    ) + tuple(Task.objects.order_by("pk").values_list("status", "owner_id"))


def _errors(response, form_name):
    assert response.status_code == 200, response.status_code
    return response.context[form_name].errors


# --- register (cell) ------------------------------------------------------------------------


def _register_data(**changes):
    data = {
        "reference": "VAL-2026-0900",
        "received_on": YESTERDAY,
        "commune": commune().pk,
        "age_bracket": "from_13_to_17",
        "place_typology": "urban",
        "family_involved": "no",
        "released_from_prison": "no",
        "family_asked_for_help": "unknown",
        "requested_domains": ["social"],
        "priority": "normal",
        "agreement": "person_agreed",
        "agreement_date": YESTERDAY,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"reference": "Jean Dupont"}, "reference", BAD_REFERENCE),
        ({"reference": "jean@example.fr"}, "reference", BAD_REFERENCE),
        ({"reference": "06 12 34 56 78"}, "reference", BAD_REFERENCE),
        ({"reference": "VAL-2026-0042 Jean"}, "reference", BAD_REFERENCE),
        ({"reference": None}, "reference", REQUIRED),
        ({"commune": None}, "commune", REQUIRED),
        ({"requested_domains": None}, "requested_domains", "Choisissez au moins un domaine"),
        ({"age_bracket": "42"}, "age_bracket", "Sélectionnez un choix valide"),
        ({"requested_domains": ["astrology"]}, "requested_domains", "Sélectionnez un choix"),
        ({"received_on": TOMORROW}, "received_on", FUTURE),
        ({"agreement_date": TOMORROW}, "agreement_date", FUTURE),
        ({"received_on": "31/02/2026"}, "received_on", "Saisissez une date valide."),
        # Honest dates and answers (issue 13).
        ({"received_on": "1900-01-01"}, "received_on", "début du programme (01/01/2018)"),
        ({"agreement_date": "1900-01-01"}, "agreement_date", "début du programme"),
        (
            {"received_on": YESTERDAY, "agreement_date": TWO_DAYS_AGO},
            "agreement_date",
            "ne peut pas précéder la date de réception",
        ),
        ({"agreement": "refused"}, "requested_domains", "Un refus exclut tout domaine"),
        ({"age_bracket": ""}, "age_bracket", REQUIRED),
        ({"family_involved": ""}, "family_involved", REQUIRED),
        ({"agreement": ""}, "agreement", REQUIRED),
    ],
)
def test_register_rejects_bad_input(client, people, changes, field, message):
    client.force_login(people["cell"])
    before = _saved()
    response = client.post("/workflow/register/", _register_data(**changes))
    errors = _errors(response, "form")
    assert any(message in error for error in errors[field]), errors
    # The message never repeats what was typed (it may be a name or a phone number).
    if field == "reference" and changes[field]:
        assert all(changes[field] not in error for error in errors[field])
    assert _saved() == before


@pytest.mark.django_db
def test_register_form_preselects_no_coded_answer(client, people):
    """Skipping a question must be an error, not a made-up answer that feeds the indicators."""
    client.force_login(people["cell"])
    html = client.get("/workflow/register/").content.decode()
    import re

    selected = re.findall(r'<option value="([^"]*)"[^>]* selected>', html)
    assert selected == [""] * len(selected) and selected, selected
    assert html.count("— à renseigner —") == 8  # commune, 5 coded questions, priority, agreement
    assert "Non renseigné" in html  # the explicit "unknown" answer stays available
    assert 'name="received_on" value=' not in html  # no date made up either


@pytest.mark.django_db
def test_a_refusal_is_registered_without_domains(client, people):
    client.force_login(people["cell"])
    response = client.post(
        "/workflow/register/", _register_data(agreement="refused", requested_domains=None)
    )
    assert response.status_code == 302
    assert Referral.objects.get(reference="VAL-2026-0900").requested_domains == []


@pytest.mark.django_db
def test_register_control_the_same_data_unchanged_is_accepted(client, people):
    client.force_login(people["cell"])
    response = client.post("/workflow/register/", _register_data())
    assert response.status_code == 302
    assert Referral.objects.filter(reference="VAL-2026-0900").exists()


@pytest.mark.django_db
def test_register_with_every_field_missing_names_each_field(client, people):
    client.force_login(people["cell"])
    before = _saved()
    errors = _errors(client.post("/workflow/register/", {}), "form")
    for field in ("reference", "received_on", "commune", "age_bracket", "agreement"):
        assert errors[field] == [REQUIRED]
    assert errors["requested_domains"] == ["Choisissez au moins un domaine d'accompagnement."]
    assert _saved() == before


# --- triage (coordinator) and review (cell) ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "open_support"}, "domains", "Choisissez au moins un domaine."),
        ({"decision": "return_to_cell"}, "reason", "Choisissez le motif du retour."),
        ({"decision": "return_to_cell", "reason": "bored"}, "reason", "Sélectionnez un choix"),
        ({"decision": "throw_away"}, "decision", "Sélectionnez un choix valide"),
        ({}, "decision", REQUIRED),
    ],
)
def test_triage_rejects_bad_input(client, people, data, field, message):
    process = start_referral(people["cell"])
    task = take(task_of(process, "triage"), people["coordinator"])
    client.force_login(people["coordinator"])
    before = _saved()
    response = client.post(url(task, "execute"), {f"triage-{k}": v for k, v in data.items()})
    errors = _errors(response, "triage_form")
    assert any(message in error for error in errors[field]), errors
    assert _saved() == before


@pytest.fixture
def in_review(people):
    """A referral in review (its only track completed); the cell has taken the review."""
    process = start_referral(people["cell"])
    triage_open(process, people["coordinator"])
    finish_track(process, people["member"])
    return take(task_of(process, "review"), people["cell"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"decision": "close"}, "code", "Choisissez le motif de clôture."),
        ({"decision": "close", "code": "bored"}, "code", "Sélectionnez un choix valide"),
        # Continue with no running track and no new domain: refused by the service.
        ({"decision": "continue"}, "domains", "choisissez au moins un domaine"),
        ({"decision": "continue", "domains": ["astrology"]}, "domains", "Sélectionnez un choix"),
    ],
)
def test_review_rejects_bad_input(client, people, in_review, data, field, message):
    client.force_login(people["cell"])
    before = _saved()
    response = client.post(url(in_review, "execute"), {f"review-{k}": v for k, v in data.items()})
    errors = _errors(response, "review_form")
    assert any(message in error for error in errors[field]), errors
    assert _saved() == before


# --- the track page (member) ----------------------------------------------------------------


@pytest.fixture
def held(people, in_support):
    """The social task of ``in_support``, held by ``member``."""
    return take(task_of(in_support, "support", status="NEW"), people["member"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "data", "field", "message"),
    [
        ("first_contact", {"occurred_on": TOMORROW, "kind": "phone"}, "occurred_on", FUTURE),
        ("first_contact", {"occurred_on": "2001-01-01", "kind": "phone"}, "occurred_on", "précède"),
        ("first_contact", {"occurred_on": YESTERDAY, "kind": "seance"}, "kind", "Sélectionnez"),
        ("first_contact", {"kind": "phone"}, "occurred_on", REQUIRED),
        ("release", {}, "code", REQUIRED),
        ("release", {"code": "bored"}, "code", "Sélectionnez un choix valide"),
        ("complete", {"code": "goals_reached"}, "code", None),  # not active yet: refused
    ],
)
def test_track_page_rejects_bad_input(client, people, held, action, data, field, message):
    client.force_login(people["member"])
    before = _saved()
    payload = {f"{action}-{k}": v for k, v in data.items()}
    payload["confirmed"] = "1"  # past the confirmation page of irreversible actions
    response = client.post(url(held, action), payload)
    errors = _errors(response, f"{action}_form")
    assert errors, "the form should carry an error"
    if message is not None:
        assert any(message in error for error in errors[field]), errors
    assert _saved() == before


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["dance", "first_contact; DROP TABLE", "assign2"])
def test_an_unknown_action_is_not_found(client, people, held, action):
    """Each action has its own URL: another one does not exist (and the track page itself
    takes no POST)."""
    client.force_login(people["member"])
    before = _saved()
    response = client.post(url(held, "execute").replace("/execute/", f"/{action}/"))
    assert response.status_code == 404
    assert client.post(url(held, "execute"), {"action": "complete"}).status_code == 405
    assert _saved() == before


# --- stale pages: the task moved on meanwhile -------------------------------------------------


def _stale_done_support(people, cases):
    """Member completed C's track; their page is submitted again."""
    return (
        people["member"],
        url(cases.task("C", "support"), "complete"),
        {"complete-code": "goals_reached"},
    )


def _stale_triage(people, cases):
    return (
        people["coordinator"],
        url(cases.task("A", "triage"), "execute"),
        {
            "triage-decision": "open_support",
            "triage-domains": ["social"],
        },
    )


def _stale_take(people, cases):
    """A second cell liaison takes the review the first one already took."""
    take(cases.task("C", "review"), people["cell"])
    return (
        user_with_role(Role.CELL_LIAISON, username="cell2"),
        url(cases.task("C", "review"), "assign"),
        {},
    )


def _stale_release(people, cases):
    """Member's page of B's task, after the coordinator gave the track to member2."""
    track = cases.task("B", "social").artifact
    services.track_assign(actor=people["coordinator"], track=track, member=people["member2"])
    return (
        people["member"],
        url(cases.task("B", "social"), "release"),
        {"release-code": "unavailable"},
    )


def _stale_review(people, cases):
    """The review was closed; the cell's page is submitted again."""
    task = take(cases.task("C", "review"), people["cell"])
    run(task, people["cell"], services.review_complete, decision="close", code="goals_reached")
    return people["cell"], url(task, "execute"), {"review-decision": "close", "review-code": "x"}


ALREADY_DONE = "Cette tâche a déjà été traitée : rien n'a été enregistré."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stale", "status", "message"),
    [
        # Its holder submits a finished task's page again (a second click, the loser of two
        # concurrent completes): a French message, not a bare 403.
        (_stale_done_support, 302, ALREADY_DONE),
        (_stale_triage, 302, ALREADY_DONE),
        (_stale_take, 302, "déjà prise en charge"),  # back to the queue
        (_stale_release, 404, None),  # no longer theirs: not even visible
        (_stale_review, 302, ALREADY_DONE),
    ],
    ids=["support-done", "triage-done", "take-taken", "release-reassigned", "review-closed"],
)
def test_a_stale_task_gives_no_server_error(client, people, stale, status, message):
    cases = build_cases(people)
    user, page, data = stale(people, cases)
    client.force_login(user)
    before = _saved()
    response = client.post(page, data)
    assert response.status_code == status
    assert _saved() == before
    if message is not None:
        messages = [str(m) for m in get_messages(response.wsgi_request)]
        assert any(message in m for m in messages), messages


@pytest.mark.django_db
def test_a_rejected_reference_is_not_sent_back_to_the_browser(client, people):
    client.force_login(people["cell"])
    response = client.post("/workflow/register/", {"reference": "Jean Dupont 0612345678"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Référence invalide" in body
    assert "Jean Dupont" not in body
    assert "0612345678" not in body
