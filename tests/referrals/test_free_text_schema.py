"""No free text on any case object, transition or audit event (docs/design.md §2.2): every model
of referrals, support, workflows, audit and monitoring has no TextField, and no CharField or
JSONField that is neither a choice from a vocabulary nor constrained by a validator."""

import pytest
from django.apps import apps
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models

APPS = ("referrals", "support", "workflows", "audit", "monitoring")
# Validators Django adds to every CharField: they constrain the length, not the content.
GENERIC = (MaxLengthValidator, ProhibitNullCharactersValidator)
# Reviewed exceptions, and only these: fields of viewflow's own ``Process`` table that the
# workflows app's proxy model inherits (Relais does not own that table). ``flow_class`` holds
# the dotted path of the flow class; ``data`` is viewflow's per-process JSON, which Relais
# must leave empty (case data lives in coded fields of referrals and tracks).
EXEMPT = {
    "workflows.ReferralProcess.flow_class": "viewflow.workflow.models",
    "workflows.ReferralProcess.data": "viewflow.workflow.models",
}


def free_text_problem(field) -> str | None:
    """Why ``field`` could hold free text (None when it cannot)."""
    if isinstance(field, models.TextField):
        return "TextField"
    constrained = [v for v in getattr(field, "validators", []) if not isinstance(v, GENERIC)]
    if isinstance(field, models.JSONField) and not constrained:
        # A JSON field passes only with a schema validator (codes and counts, e.g. the
        # monitoring releases, whose models run it on every save).
        return "JSONField without a schema validator"
    if isinstance(field, models.CharField) and not field.choices and not constrained:
        return "CharField without choices or validator"
    return None


def _fields():
    for label in APPS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.Field):
                    yield f"{label}.{model.__name__}.{field.name}", field


def test_the_walked_apps_have_models():
    walked = {name.split(".")[0] for name, _ in _fields()}
    assert {"referrals", "support", "audit"} <= walked


def _problems():
    return {name: why for name, field in _fields() if (why := free_text_problem(field))}


def test_no_model_field_can_hold_free_text():
    problems = [f"{name}: {why}" for name, why in _problems().items() if name not in EXEMPT]
    assert problems == []


def test_exemptions_are_third_party_fields_still_present():
    # Each exemption must still be needed and must come from the third-party model, never
    # from a field declared in Relais.
    fields = dict(_fields())
    problems = _problems()
    for name, module in EXEMPT.items():
        assert name in problems, f"{name} no longer needs an exemption: remove it"
        assert fields[name].model.__module__ == module


@pytest.mark.parametrize(
    ("field", "flagged"),
    [
        (models.TextField(), True),
        (models.JSONField(), True),
        (models.CharField(max_length=40), True),
        (models.CharField(max_length=40, blank=True), True),
        (models.CharField(max_length=8, choices=[("a", "A")]), False),
        (models.CharField(max_length=8, validators=[MaxLengthValidator(4)]), True),
        (models.CharField(max_length=40, validators=[lambda value: None]), False),
        (models.IntegerField(), False),
    ],
)
def test_the_checker_flags_free_text_fields(field, flagged):
    assert (free_text_problem(field) is not None) is flagged
