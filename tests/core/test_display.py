"""The cached choice labels give exactly what Django's ``get_<field>_display`` gives."""

import pytest
from django.db import models
from django.utils import translation

from audit.models import AuditEvent
from referrals.models import Referral
from support.models import SupportTrack


def django_display(instance, field_name):
    field = instance._meta.get_field(field_name)
    return models.Model._get_FIELD_display(instance, field)


@pytest.mark.parametrize(
    ("model", "field_name"),
    [
        (Referral, "state"),
        (Referral, "closure_code"),
        (SupportTrack, "domain"),
        (SupportTrack, "outcome"),
        (AuditEvent, "action"),
        (AuditEvent, "role"),
    ],
)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_same_labels_as_django_in_each_language(model, field_name, language):
    field = model._meta.get_field(field_name)
    with translation.override(language):
        for value, _label in field.flatchoices:
            instance = model(**{field.attname: value})
            shown = getattr(instance, f"get_{field_name}_display")()
            assert shown == django_display(instance, field_name)


def test_an_unknown_or_empty_value_is_shown_as_it_is():
    assert Referral(state="nonsense").get_state_display() == "nonsense"
    assert Referral(closure_code="").get_closure_code_display() == ""
