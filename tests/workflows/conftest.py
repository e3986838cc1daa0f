"""Fixtures of the workflow tests: people in every role and referrals started through the
flow (register → triage task), driven through the same services as the pages."""

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from core.roles import Role
from referrals.vocabularies import AgeBracket, Agreement, PlaceTypology, YesNoUnknown
from tests.factories import commune, user_with_role
from workflows import services
from workflows.selectors import flow_tasks

_numbers = itertools.count(1)


@pytest.fixture
def people(db):
    return {
        "cell": user_with_role(Role.CELL_LIAISON, username="cell"),
        "coordinator": user_with_role(Role.COORDINATOR, username="coord"),
        "member": user_with_role(Role.MEMBER, username="member", domains=["social"]),
        "member2": user_with_role(Role.MEMBER, username="member2", domains=["social"]),
        "psy": user_with_role(Role.MEMBER, username="psy", domains=["psychological"]),
        "delegate": user_with_role(Role.STATE_DELEGATE, username="delegate"),
        "auditor": user_with_role(Role.AUDITOR, username="auditor"),
        "strategic": user_with_role(Role.STRATEGIC_GROUP, username="strategic"),
    }


def start_referral(cell, *, domains=("social",), agreed=True, number=None):
    number = number or next(_numbers)
    today = timezone.localdate()
    return services.referral_start(
        actor=cell,
        reference=f"VAL-2026-{number:04d}",
        received_on=today - timedelta(days=1),
        commune=commune(),
        age_bracket=AgeBracket.FROM_13_TO_17,
        place_typology=PlaceTypology.URBAN,
        family_involved=YesNoUnknown.NO,
        released_from_prison=YesNoUnknown.NO,
        family_asked_for_help=YesNoUnknown.UNKNOWN,
        requested_domains=list(domains),
        agreement=Agreement.PERSON_AGREED if agreed else Agreement.NOT_RECORDED,
        agreement_date=today - timedelta(days=1) if agreed else None,
    )


def task_of(process, node_name, *, status=None, domain=None):
    tasks = flow_tasks().filter(process=process).order_by("pk")
    found = [
        t
        for t in tasks
        if t.flow_task.name == node_name
        and (status is None or t.status == status)
        and (domain is None or (t.artifact is not None and t.artifact.domain == domain))
    ]
    assert found, f"no {node_name} task"
    return found[-1]


def take(task, user):
    services.task_take(actor=user, task=task)
    task.refresh_from_db()
    return task


def run(task, user, func, **kwargs):
    """Complete ``task`` through a task service (``triage_complete``, ``review_complete``)."""
    return func(actor=user, task=task, **kwargs)


def triage_open(process, coordinator, domains=("social",)):
    task = take(task_of(process, "triage"), coordinator)
    run(task, coordinator, services.triage_complete, decision="open_support", domains=domains)
    return process


@pytest.fixture
def in_support(people):
    """A referral in support with one open social track (its task in the social queue)."""
    process = start_referral(people["cell"])
    return triage_open(process, people["coordinator"])
