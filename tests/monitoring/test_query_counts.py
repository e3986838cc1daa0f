"""Each page runs the same number of queries with 5 referrals as with 40 (aggregates only),
and the indicators' pages as many with one release as with several."""

import itertools
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import Role
from directory.vocabularies import SupportDomain
from monitoring.models import ReleaseTrigger
from monitoring.periods import current_quarter
from monitoring.services import indicator_releases_publish, territorial_indicator_set
from referrals.vocabularies import AgeBracket, PlaceTypology
from tests.factories import UserFactory
from tests.monitoring.builders import Case, build

STATES = ("received", "in_assessment", "returned", "in_support", "suspended", "in_review")
FATES = ("open", "assigned", "active", "completed")
ENDINGS = ("closed", "withdrawn")

PAGES = (
    [
        (Role.STATE_DELEGATE, reverse_args)
        for reverse_args in (
            ("monitoring:index", (), ""),
            ("monitoring:index", (), "?commune=59606&domain=social"),
            ("monitoring:export", ("all",), ""),
        )
    ]
    + [
        (Role.STRATEGIC_GROUP, reverse_args)
        for reverse_args in (
            ("indicators:index", (), ""),
            ("indicators:print", (), ""),
            ("indicators:export", ("all",), ""),
        )
    ]
    + [
        (Role.COORDINATOR, ("indicators:territorial", (), "")),
        (Role.COORDINATOR, ("indicators:releases", (), "")),
    ]
)


def cases(count: int, first_day: date):
    """``count`` varied cases received from ``first_day`` on, one a day."""
    states = itertools.cycle((*STATES, *ENDINGS))
    fates = itertools.cycle(FATES)
    ages = itertools.cycle(AgeBracket.values)
    places = itertools.cycle(PlaceTypology.values)
    domains = itertools.cycle(SupportDomain.values)
    for i in range(count):
        yield Case(
            state=next(states),
            received_on=first_day + timedelta(days=i),
            insee="59606" if i % 3 else "59014",
            age_bracket=next(ages),
            place_typology=next(places),
            domains=(next(domains),),
            track=next(fates),
            member=i % 2,
            step_days=0,
        )


def count_queries(client, name, args, query) -> int:
    url = reverse(name, args=args) + query
    client.get(url)  # warm-up (session, caches)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_data(client, cast, clock, django_assert_num_queries):
    # A past quarter, so that it can be released.
    quarter = current_quarter(date(2025, 1, 1))
    clock.current = datetime.combine(quarter.start, datetime.min.time()).replace(
        hour=9, tzinfo=timezone.get_current_timezone()
    )
    users = {role: UserFactory(roles=[role]) for role in {role for role, _page in PAGES}}
    territorial_indicator_set(
        actor=cast.coordinator, period=quarter, indicator="trainings", value=4
    )
    built = list(cases(5, quarter.start))
    for case in built:
        build(cast, case, clock)
    clock.set_day(date(2025, 4, 2))
    assert indicator_releases_publish(trigger=ReleaseTrigger.COMMAND, years=[2025]).released
    small = {}
    for role, (name, args, query) in PAGES:
        client.force_login(users[role])
        small[(role, name, args, query)] = count_queries(client, name, args, query)

    for case in cases(35, quarter.start + timedelta(days=5)):
        build(cast, case, clock)
    # And more releases: the second quarter and the first semester (and late Q1 cases, a
    # correction or a withheld one).
    clock.set_day(date(2025, 7, 2))
    assert indicator_releases_publish(trigger=ReleaseTrigger.COMMAND, years=[2025]).released
    for role, (name, args, query) in PAGES:
        client.force_login(users[role])
        url = reverse(name, args=args) + query
        client.get(url)
        with django_assert_num_queries(small[(role, name, args, query)]):
            response = client.get(url)
        assert response.status_code == 200
    # Sanity: the big run really had 40 referrals in the current quarter.
    from referrals.models import Referral

    assert Referral.objects.filter(received_on__gte=quarter.start).count() == 40


@pytest.mark.django_db
def test_dashboard_queries_are_few(client):
    user = UserFactory(roles=[Role.STATE_DELEGATE])
    client.force_login(user)
    # session + user + roles + communes + 8 aggregates (12), with some slack for the framework.
    assert count_queries(client, "monitoring:index", (), "") <= 16
