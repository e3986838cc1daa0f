"""The monitoring app stores no free text (docs/design.md §2.2): no TextField, every CharField is a
choice from a vocabulary, and the only JSON fields (a release's figures, a ledger's blocks) are
validated on every save to hold codes, quarters and counts only."""

from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from monitoring import disclosure
from monitoring.models import IndicatorLedger, IndicatorRelease
from monitoring.periods import PeriodKind
from monitoring.populations import POPULATIONS

VALIDATED_JSON = {("indicatorrelease", "figures"), ("indicatorledger", "state")}


def test_monitoring_models_hold_no_free_text():
    fields = [
        field
        for model in apps.get_app_config("monitoring").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.Field)
    ]
    assert fields
    for field in fields:
        assert not isinstance(field, models.TextField), field
        if isinstance(field, models.JSONField):
            assert (field.model._meta.model_name, field.name) in VALIDATED_JSON, field
            assert field.validators, field
        if isinstance(field, models.CharField):
            assert field.choices, f"{field} has no choices"


@pytest.mark.django_db
def test_json_fields_refuse_text():
    state = disclosure.empty_year(POPULATIONS)
    ledger = IndicatorLedger(year=2025, seq=1, created_at=timezone.now(), threshold=5, state=state)
    ledger.save()
    bad_state = {**state, "note": "texte libre"}
    with pytest.raises(ValidationError):
        IndicatorLedger(
            year=2025, seq=2, created_at=timezone.now(), threshold=5, state=bad_state
        ).save()
    good = {
        p.code: {
            "total": 0,
            "withheld": False,
            **{table: dict.fromkeys(cats, None) for table, cats in p.tables},
        }
        for p in POPULATIONS
    }
    release = dict(
        period_kind=PeriodKind.YEAR,
        period_start=date(2025, 1, 1),
        released_at=timezone.now(),
        trigger="command",
        threshold=5,
        ledger=ledger,
    )
    IndicatorRelease(version=1, figures=good, **release).save()
    bad = {**good, "received": {**good["received"], "age_bracket": {"x": "texte libre"}}}
    with pytest.raises(ValidationError):
        IndicatorRelease(version=2, figures=bad, **release).save()
    with pytest.raises(ValueError):  # and a release is never edited
        IndicatorRelease.objects.get(version=1).save()
