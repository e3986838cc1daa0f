"""Demo cases at every step of the process, driven through the services and the flow (so the
audit chain verifies). Idempotent: a demo reference that exists is left as it is.

References VAL-2026-90xx are reserved for this synthetic data.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from directory.models import Commune
from referrals.models import Referral
from referrals.vocabularies import (
    AgeBracket,
    Agreement,
    ClosureCode,
    PlaceTypology,
    Priority,
    ReturnReason,
    SuspensionReason,
    WithdrawalReason,
    YesNoUnknown,
)
from support.vocabularies import ContactKind, HoldReason, InterruptionReason, Outcome
from workflows import services
from workflows.selectors import flow_tasks

# (number, scenario, domains, commune index, age, place, days ago)
SCENARIOS = (
    (1, "received", ["social"], 0, AgeBracket.FROM_13_TO_17, PlaceTypology.URBAN, 2),
    (2, "received_overdue", ["educational"], 3, AgeBracket.UNDER_13, PlaceTypology.RURAL, 20),
    (
        3,
        "in_assessment",
        ["psychological", "social"],
        5,
        AgeBracket.FROM_18_TO_25,
        PlaceTypology.PRIORITY_NEIGHBOURHOOD,
        12,  # received 12 days ago: its assessment is overdue
    ),
    (4, "returned", ["professional"], 7, AgeBracket.OVER_40, PlaceTypology.PERIURBAN, 30),
    (
        5,
        "open_tracks",
        ["psychological", "educational", "social", "professional"],
        9,
        AgeBracket.FROM_13_TO_17,
        PlaceTypology.PRIORITY_NEIGHBOURHOOD,
        12,
    ),
    (
        6,
        "assigned",
        ["social", "psychological"],
        11,
        AgeBracket.FROM_18_TO_25,
        PlaceTypology.URBAN,
        25,
    ),
    (7, "active", ["psychological"], 13, AgeBracket.FROM_26_TO_40, PlaceTypology.URBAN, 40),
    (8, "suspended", ["social"], 15, AgeBracket.FROM_18_TO_25, PlaceTypology.RURAL, 60),
    (9, "in_review", ["professional"], 17, AgeBracket.FROM_26_TO_40, PlaceTypology.PERIURBAN, 100),
    (10, "closed", ["social"], 19, AgeBracket.FROM_13_TO_17, PlaceTypology.URBAN, 150),
    (
        11,
        "withdrawn",
        ["educational", "social"],
        21,
        AgeBracket.UNDER_13,
        PlaceTypology.PRIORITY_NEIGHBOURHOOD,
        45,
    ),
    (
        12,
        "open_tracks",
        ["professional", "educational"],
        23,
        AgeBracket.OVER_40,
        PlaceTypology.URBAN,
        8,
    ),
    (13, "on_hold", ["educational"], 25, AgeBracket.UNDER_13, PlaceTypology.URBAN, 35),
)


HOLDERS = {
    "psychological": "demo-member",
    "social": "demo-member",
    "professional": "demo-member-2",
    "educational": "demo-member-3",
}


def _user(username):
    return get_user_model().objects.get(username=username)


def _task(process, node_name):
    return (
        flow_tasks()
        .filter(process=process, flow_task__endswith=f".{node_name}")
        .exclude(status__in=["DONE", "CANCELED"])
    )


def _take(process, node_name, actor, domain=None):
    for task in _task(process, node_name):
        if domain and (task.artifact is None or task.artifact.domain != domain):
            continue
        services.task_take(actor=actor, task=task)
        task.refresh_from_db()
        return task
    raise LookupError(f"no {node_name} task ({domain}) in process {process.pk}")


def _triage(process, coordinator, domains, *, decision="open_support", reason=""):
    task = _take(process, "triage", coordinator)
    services.triage_complete(
        actor=coordinator, task=task, decision=decision, reason=reason, domains=domains
    )


def _scenario(number, scenario, domains, commune, age, place, days_ago, users):
    reference = f"VAL-2026-{9000 + number:04d}"
    if Referral.objects.filter(reference=reference).exists():
        return False
    cell, coordinator = users["demo-cell"], users["demo-coordinator"]
    today = timezone.localdate()
    agreed = scenario not in ("received", "received_overdue", "in_assessment")
    process = services.referral_start(
        actor=cell,
        reference=reference,
        received_on=today - timedelta(days=days_ago),
        commune=commune,
        age_bracket=age,
        place_typology=place,
        family_involved=YesNoUnknown.YES if number % 2 else YesNoUnknown.NO,
        released_from_prison=YesNoUnknown.YES if number % 5 == 0 else YesNoUnknown.NO,
        family_asked_for_help=YesNoUnknown.YES if number % 3 == 0 else YesNoUnknown.UNKNOWN,
        requested_domains=domains,
        priority=Priority.HIGH if number % 4 == 0 else Priority.NORMAL,
        agreement=Agreement.PERSON_AGREED if agreed else Agreement.NOT_RECORDED,
        agreement_date=today - timedelta(days=days_ago) if agreed else None,
    )
    if scenario.startswith("received"):
        return True
    if scenario == "in_assessment":
        _take(process, "triage", coordinator)
        return True
    if scenario == "returned":
        _triage(
            process, coordinator, [], decision="return_to_cell", reason=ReturnReason.OUTSIDE_SCOPE
        )
        return True
    _triage(process, coordinator, domains)
    if scenario == "open_tracks":
        return True
    first = domains[0]
    holder = users[HOLDERS[first]]
    task = _take(process, "support", holder, domain=first)
    if scenario == "assigned":
        return True
    track = task.artifact
    services.track_first_contact_record(
        actor=holder, track=track, occurred_on=today - timedelta(days=3), kind=ContactKind.INTERVIEW
    )
    services.track_contact_record(
        actor=holder,
        track=track,
        occurred_on=today - timedelta(days=1),
        kind=ContactKind.PHONE,
        attended=True,
    )
    if scenario == "active":
        return True
    if scenario == "on_hold":
        services.track_hold(actor=holder, track=track, reason=HoldReason.PERSON_UNAVAILABLE)
        return True
    if scenario == "suspended":
        services.process_suspend(
            actor=coordinator, referral=process.artifact, reason=SuspensionReason.HOSPITALISATION
        )
        return True
    if scenario == "withdrawn":
        services.process_withdraw(
            actor=cell, referral=process.artifact, reason=WithdrawalReason.TAKEN_OVER_ELSEWHERE
        )
        return True
    services.track_complete(actor=holder, track=track, outcome=Outcome.GOALS_REACHED)
    if scenario == "in_review":
        return True
    # closed: every track ended, the review was created by the flow.
    review = _take(process, "review", cell)
    services.review_complete(
        actor=cell, task=review, decision="close", code=ClosureCode.GOALS_REACHED
    )
    return True


def demo_seed_cases(*, password=None) -> int:
    """Create the demo referrals (one per scenario); returns how many were created."""
    del password  # accounts are made by directory.demo
    users = {
        name: _user(name)
        for name in ("demo-cell", "demo-coordinator", *sorted(set(HOLDERS.values())))
    }
    communes = list(Commune.objects.filter(active=True).order_by("insee_code"))
    created = 0
    for number, scenario, domains, commune_index, age, place, days in SCENARIOS:
        with transaction.atomic():
            created += _scenario(
                number,
                scenario,
                domains,
                communes[commune_index % len(communes)],
                age,
                place,
                days,
                users,
            )
    return created


__all__ = ["InterruptionReason", "demo_seed_cases"]
