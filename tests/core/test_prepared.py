"""Prepared statements for the transition path (``core.prepared``, issue 14): the lock and the
transition's statement are prepared once per connection on PostgreSQL, Django's logging still
sees them, the switch turns them off, and ``locked_get`` returns what the ORM returns."""

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from core.prepared import locked_get, prepared_cursor
from referrals import services as rs
from referrals.models import Referral
from tests.referrals.builders import Cast, referral_in_state

pytestmark = pytest.mark.django_db


def _prepared(fragment: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_is_prepared_once_and_answers(on_postgres):
    for value in (1, 2, 3):
        with prepared_cursor() as cursor:
            cursor.execute("SELECT %s::int + 40 /* relais-prepared-probe */", [value])
            assert cursor.fetchone() == (value + 40,)
    assert len(_prepared("relais-prepared-probe")) == 1


def test_the_switch_sends_the_same_statement_unprepared(on_postgres, settings):
    settings.RELAIS_DB_PREPARED_STATEMENTS = False
    with prepared_cursor() as cursor:
        cursor.execute("SELECT %s::int /* relais-unprepared-probe */", [7])
        assert cursor.fetchone() == (7,)
    assert _prepared("relais-unprepared-probe") == []


def test_a_transition_runs_prepared_statements(on_postgres):
    cast = Cast()
    referral = referral_in_state("in_support", cast)
    rs.referral_suspend(actor=cast.coordinator, referral=referral, reason="hospitalisation")
    assert _prepared("relais_audit_append"), "the transition's statement is not prepared"
    assert _prepared('FROM "referrals_referral" WHERE "referrals_referral"."id" = $1 FOR UPDATE')


def test_query_logging_shows_the_prepared_statements(on_postgres):
    cast = Cast()
    referral = referral_in_state("in_support", cast)
    with CaptureQueriesContext(connection) as ctx:
        rs.referral_suspend(actor=cast.coordinator, referral=referral, reason="hospitalisation")
    sql = [q["sql"] for q in ctx.captured_queries]
    assert all(isinstance(s, str) and s for s in sql)
    assert any("relais_audit_append" in s for s in sql)
    assert any(s.endswith("FOR UPDATE") for s in sql)


def test_locked_get_returns_what_the_orm_returns():
    referral = referral_in_state("in_support")
    with transaction.atomic():
        mine = locked_get(Referral, referral.pk)
        orm = Referral.objects.select_for_update().get(pk=referral.pk)
    assert type(mine) is Referral and not mine._state.adding
    assert model_to_dict(mine) == model_to_dict(orm)
    assert mine.requested_domains == orm.requested_domains  # a field with a converter
    assert mine.state_changed_at == orm.state_changed_at


def test_locked_get_takes_the_orms_primary_key_values():
    referral = referral_in_state("received")
    with transaction.atomic():
        assert locked_get(Referral, str(referral.pk)).pk == referral.pk
        with pytest.raises(Referral.DoesNotExist):
            locked_get(Referral, referral.pk + 1000)
        with pytest.raises((ValueError, TypeError)):
            locked_get(Referral, "abc")


def test_locked_get_with_its_related_object_returns_what_the_orm_returns():
    from support.models import SupportTrack
    from tests.referrals.builders import track_in_state

    track = track_in_state("active")
    with transaction.atomic():
        mine = locked_get(SupportTrack, track.pk, related=("referral",))
        orm = (
            SupportTrack.objects.select_for_update(of=("self",))
            .select_related("referral")
            .get(pk=track.pk)
        )
    assert model_to_dict(mine) == model_to_dict(orm)
    with CaptureQueriesContext(connection) as ctx:
        referral = mine.referral  # read with the track, no query
    assert ctx.captured_queries == []
    assert model_to_dict(referral) == model_to_dict(orm.referral)
    assert referral.requested_domains == orm.referral.requested_domains


def test_a_track_transition_runs_the_prepared_track_lock(on_postgres):
    from tests.referrals.builders import track_in_state

    track_in_state("active")  # taken, then its first contact: two track transitions
    assert _prepared('FOR UPDATE OF "support_supporttrack"')
