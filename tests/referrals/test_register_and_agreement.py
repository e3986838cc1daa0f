"""Registering a referral (cell liaison only, coded fields only) and recording the person's
or family's agreement (cell liaison or coordinator, on a running referral)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import ApplicationError
from core.roles import Role
from referrals import services as rs
from referrals.models import Referral
from referrals.vocabularies import NON_TERMINAL_STATES, TERMINAL_STATES, Agreement
from tests.referrals.builders import (
    Cast,
    assert_unchanged,
    new_events,
    referral_in_state,
    registration_fields,
    snapshot,
)
from tests.referrals.specs import ACTORS

TODAY = timezone.localdate()


@pytest.mark.django_db
def test_the_cell_registers_a_received_referral_with_one_audit_event():
    cast = Cast()
    before = AuditEvent.objects.count()
    referral = rs.referral_register(
        actor=cast.cell, **registration_fields(reference="VAL-2026-0042")
    )
    stored = Referral.objects.get(pk=referral.pk)
    assert stored.state == "received"
    assert stored.registered_by == cast.cell
    assert stored.received_on == TODAY
    assert stored.triage_due_on == TODAY + timedelta(days=7)
    (event,) = new_events(before)
    assert (event.actor_id, event.role, event.action) == (cast.cell.pk, "cell_liaison", "create")
    assert (event.transition, event.to_state, event.reference) == (
        "register",
        "received",
        "VAL-2026-0042",
    )
    assert event.object_id == referral.pk


@pytest.mark.django_db
@pytest.mark.parametrize("who", [a for a in ACTORS if a != Role.CELL_LIAISON])
def test_only_the_cell_registers(who):
    cast = Cast()
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refusal:
        rs.referral_register(actor=cast.actor(who), **registration_fields())
    assert refusal.value.code == "forbidden"
    assert not Referral.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "Dupont"}, None),  # no field outside the coded ones
        ({"birth_date": TODAY}, None),
        ({"age_bracket": "17"}, "age_bracket"),
        ({"place_typology": ""}, "place_typology"),
        ({"family_involved": "maybe"}, "family_involved"),
        ({"requested_domains": []}, "requested_domains"),
        ({"requested_domains": ["social", "spiritual"]}, "requested_domains"),
        ({"priority": "very_high"}, "priority"),
        ({"agreement": "oral"}, "agreement"),
        ({"agreement": Agreement.PERSON_AGREED, "agreement_date": None}, "agreement_date"),
        ({"agreement": Agreement.NOT_RECORDED, "agreement_date": TODAY}, "agreement_date"),
        ({"agreement_date": TODAY + timedelta(days=1)}, "agreement_date"),
    ],
)
def test_registration_refuses_anything_but_valid_codes(overrides, field):
    cast = Cast()
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refusal:
        rs.referral_register(actor=cast.cell, **registration_fields(**overrides))
    assert refusal.value.field == field
    assert not Referral.objects.exists()
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_a_reference_is_registered_once():
    cast = Cast()
    rs.referral_register(actor=cast.cell, **registration_fields(reference="VAL-2026-0042"))
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as refusal:
        rs.referral_register(actor=cast.cell, **registration_fields(reference="VAL-2026-0042"))
    assert refusal.value.field == "reference"
    assert Referral.objects.count() == 1
    assert AuditEvent.objects.count() == before


# --- agreement ---------------------------------------------------------------------------
def _record(cast, who, referral, agreement=Agreement.FAMILY_AGREED, agreement_date=TODAY):
    return rs.referral_record_agreement(
        actor=cast.actor(who),
        referral=referral,
        agreement=agreement,
        agreement_date=agreement_date,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("who", [Role.CELL_LIAISON, Role.COORDINATOR])
@pytest.mark.parametrize("state", NON_TERMINAL_STATES)
def test_agreement_is_recorded_by_cell_or_coordinator_on_a_running_referral(who, state):
    cast = Cast()
    # Registered a week ago with the person's agreement (an agreement never predates reception).
    referral = referral_in_state(state, cast, received_on=TODAY - timedelta(days=7))
    before = AuditEvent.objects.count()
    _record(cast, who, referral, agreement_date=TODAY - timedelta(days=1))
    stored = Referral.objects.get(pk=referral.pk)
    assert (stored.agreement, stored.agreement_date) == (
        Agreement.FAMILY_AGREED,
        TODAY - timedelta(days=1),
    )
    assert stored.state == state
    (event,) = new_events(before)
    assert (event.action, event.transition, event.code, event.role, event.actor_id) == (
        "update",
        "record_agreement",
        "family_agreed",
        str(who),
        cast.actor(who).pk,
    )


def _refused(cast, who, referral, **kwargs):
    before = snapshot(referral)
    with pytest.raises(ApplicationError) as refusal:
        _record(cast, who, referral, **kwargs)
    assert_unchanged(before, referral)
    return refusal.value


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who", [a for a in ACTORS if a not in (Role.CELL_LIAISON, Role.COORDINATOR)]
)
def test_agreement_is_refused_for_other_roles(who):
    cast = Cast()
    referral = referral_in_state("in_assessment", cast)
    assert _refused(cast, who, referral).code == "forbidden"


@pytest.mark.django_db
@pytest.mark.parametrize("state", TERMINAL_STATES)
def test_agreement_is_refused_on_an_ended_referral(state):
    cast = Cast()
    referral = referral_in_state(state, cast)
    assert _refused(cast, Role.CELL_LIAISON, referral).code == "invalid_state"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kwargs",
    [
        {"agreement": Agreement.NOT_RECORDED},
        {"agreement": ""},
        {"agreement": "oral_consent"},
        {"agreement_date": None},
        {"agreement_date": TODAY + timedelta(days=1)},
    ],
)
def test_agreement_needs_a_known_code_and_a_past_date(kwargs):
    cast = Cast()
    referral = referral_in_state("in_assessment", cast)
    assert _refused(cast, Role.COORDINATOR, referral, **kwargs).field in {
        "agreement",
        "agreement_date",
    }
