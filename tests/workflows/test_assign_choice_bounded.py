"""The coordinator's assignment form offers a bounded choice (the least loaded eligible
members, ``RELAIS_ASSIGN_CHOICES``) plus a search for any other; the service still decides
on whatever member is posted."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from support.models import SupportTrack
from tests.factories import OrganisationFactory, user_with_role
from tests.workflows.conftest import start_referral, triage_open
from workflows import services


@pytest.fixture
def muted(monkeypatch):
    monkeypatch.setattr(services, "notify_new_in_queue", lambda **kwargs: None)
    monkeypatch.setattr(services, "notify_assigned", lambda **kwargs: None)


def _social_members(count, *, prefix="extra"):
    return [
        user_with_role(Role.MEMBER, username=f"{prefix}{n:03d}", domains=["social"])
        for n in range(count)
    ]


def _open_track(people):
    process = triage_open(start_referral(people["cell"]), people["coordinator"], ["social"])
    return process.artifact_object_id, SupportTrack.objects.get(
        referral_id=process.artifact_object_id
    )


def _page(client, people, referral_pk, query=""):
    client.force_login(people["coordinator"])
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/coordination/orientations/{referral_pk}/{query}")
    assert response.status_code == 200
    (form,) = response.context["assign_forms"].values()
    offered = [value for value, _label in form.fields["member"].choices if value]
    return len(ctx.captured_queries), offered, response


def _assign(client, people, referral_pk, track, member_pk):
    client.force_login(people["coordinator"])
    response = client.post(
        f"/coordination/orientations/{referral_pk}/assign/",
        {"track": str(track.pk), f"assign-{track.pk}-member": str(member_pk)},
    )
    assert response.status_code == 302
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.mark.django_db
def test_the_least_loaded_members_are_offered_and_no_more(client, people, settings, muted):
    settings.RELAIS_ASSIGN_CHOICES = 3
    extra = _social_members(4)  # extra000…extra003, nothing held
    # "member" holds a track: the least loaded go first, whatever their name.
    _other, held = _open_track(people)
    services.track_assign(actor=people["coordinator"], track=held, member=people["member"])
    referral_pk, _track = _open_track(people)

    _queries, offered, response = _page(client, people, referral_pk)

    usernames = {user.pk: user.username for user in [*people.values(), *extra]}
    assert [usernames[pk] for pk in offered] == ["extra000", "extra001", "extra002"]
    assert "Rechercher un membre" in response.content.decode()


@pytest.mark.django_db
def test_the_page_runs_the_same_queries_with_many_members(client, people, settings):
    settings.RELAIS_ASSIGN_CHOICES = 5
    referral_pk, _track = _open_track(people)
    few_queries, few, _ = _page(client, people, referral_pk)
    _social_members(40)
    many_queries, many, _ = _page(client, people, referral_pk)
    assert len(few) == 2  # member, member2
    assert len(many) == 5  # bounded, not 42
    assert many_queries == few_queries


@pytest.mark.django_db
def test_a_search_finds_a_member_outside_the_first_ones(client, people, settings):
    settings.RELAIS_ASSIGN_CHOICES = 2
    _social_members(5, prefix="aaa")  # sort before everyone: they fill the first two
    target = user_with_role(
        Role.MEMBER,
        username="zz-target",
        domains=["social"],
        organisation=OrganisationFactory(name="Mission locale de Valenciennes"),
    )
    target.first_name, target.last_name = "Camille", "Dujardin"
    target.save()
    referral_pk, track = _open_track(people)
    _q, offered, _ = _page(client, people, referral_pk)
    assert target.pk not in offered

    for text in ("zz-tar", "valenciennes", "DUJARDIN", "camille locale"):
        _q, offered, response = _page(
            client, people, referral_pk, f"?cherche-{track.pk}-membre={text}"
        )
        assert offered == [target.pk], text
    # The search keeps the rules: a member of another domain is not found.
    _q, offered, response = _page(client, people, referral_pk, f"?cherche-{track.pk}-membre=psy")
    assert offered == []
    assert "Aucun membre disponible ne correspond à « psy »." in response.content.decode()


@pytest.mark.django_db
def test_an_eligible_member_outside_the_list_can_be_assigned(client, people, settings, muted):
    settings.RELAIS_ASSIGN_CHOICES = 1
    referral_pk, track = _open_track(people)
    _q, offered, _ = _page(client, people, referral_pk)
    assert offered == [people["member"].pk]

    messages = _assign(client, people, referral_pk, track, people["member2"].pk)

    track.refresh_from_db()
    assert track.holder_id == people["member2"].pk, messages


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("psy", "Ce domaine ne fait pas partie des compétences déclarées du membre."),
        ("cell", "Ce membre n'a pas de profil actif dans le groupe opérationnel."),
        ("full", "Capacité atteinte : 0 accompagnement(s) en cours sur 0."),
        ("nobody", "Choisissez un membre dans la liste."),
    ],
)
def test_an_ineligible_member_is_refused_in_french(client, people, who, message, muted):
    referral_pk, track = _open_track(people)
    if who == "full":
        member = people["member2"]
        profile = member.member_profile
        profile.capacity = 0  # bypasses the model's validators: no room at all
        profile.save()
        pk = member.pk
    elif who == "nobody":
        pk = 10**9
    else:
        pk = people[who].pk

    messages = _assign(client, people, referral_pk, track, pk)

    track.refresh_from_db()
    assert (track.state, track.holder_id) == ("open", None)
    assert any(message in text for text in messages), messages
