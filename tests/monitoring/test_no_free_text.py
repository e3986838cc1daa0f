"""The monitoring app stores no free text (docs/design.md §2.2): no TextField or JSONField, and
every CharField is a choice from a vocabulary."""

from django.apps import apps
from django.db import models


def test_monitoring_models_hold_no_free_text():
    fields = [
        field
        for model in apps.get_app_config("monitoring").get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.Field)
    ]
    assert fields
    for field in fields:
        assert not isinstance(field, models.TextField | models.JSONField), field
        if isinstance(field, models.CharField):
            assert field.choices, f"{field} has no choices"
