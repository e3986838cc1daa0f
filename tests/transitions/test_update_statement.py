"""The transition's UPDATE (``transitions.runner._update_sql``) is Django's own: compiled once
per model, columns and empty values, then reused with each call's values — the text and the
parameters stay exactly what Django's compiler gives for the same change."""

import pytest
from django.db import connection
from django.db.models import Q
from django.db.models.sql import UpdateQuery

from referrals.models import Referral
from tests.referrals.builders import referral_in_state
from transitions import runner

pytestmark = pytest.mark.django_db


def _django(instance, changed, source):
    query = UpdateQuery(Referral)
    query.add_q(Q(pk=instance.pk) & Q(state=source))
    query.add_update_fields([(f, None, f.pre_save(instance, False)) for f in changed])
    sql, params = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def _changed(instance, before):
    fields = Referral._meta.concrete_fields
    return [f for f, old in zip(fields, before, strict=True) if getattr(instance, f.attname) != old]


def _move(referral, name, *args):
    before = [getattr(referral, f.attname) for f in Referral._meta.concrete_fields]
    source = referral.state
    getattr(referral, name)(*args)
    return _changed(referral, before), source


@pytest.mark.parametrize(
    ("state", "name", "args"),
    [
        ("in_support", "suspend", ("hospitalisation",)),
        ("suspended", "resume", ()),
        ("received", "withdraw", ("cell_decision",)),
    ],
)
def test_the_cached_statement_is_djangos(state, name, args):
    referrals = [referral_in_state(state) for _ in range(2)]
    runner._UPDATE_TEXTS.clear()
    for referral in referrals:  # compiled, then from the cache with other values
        changed, source = _move(referral, name, *args)
        assert changed
        assert runner._update_sql(referral, changed, Referral._meta.get_field("state"), source) == (
            _django(referral, changed, source)
        )
    assert len(runner._UPDATE_TEXTS) == 1


def test_an_empty_value_gets_its_own_statement():
    state = Referral._meta.get_field("state")
    referral = referral_in_state("in_support")
    runner._UPDATE_TEXTS.clear()
    changed, source = _move(referral, "suspend", "hospitalisation")
    runner._update_sql(referral, changed, state, source)
    referral.suspension_reason = None  # the same columns, one of them empty: ``= NULL``
    sql, params = runner._update_sql(referral, changed, state, source)
    assert (sql, params) == _django(referral, changed, source)
    assert '"suspension_reason" = NULL' in sql
    assert len(runner._UPDATE_TEXTS) == 2
