"""A model field holding a set of codes from one TextChoices, stored as sorted CSV.

Used for "support domains" of members and referrals: a handful of codes, always validated
against the vocabulary, never free text. Stored as text so it works the same on SQLite and
PostgreSQL; queries on it are rare (the tracks table is what reports query).
"""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChoiceSetField(models.CharField):
    description = _("Ensemble de codes d'un vocabulaire")

    def __init__(self, *args, vocabulary=None, **kwargs):
        self.vocabulary = vocabulary
        if vocabulary is not None:
            kwargs.setdefault("max_length", sum(len(value) + 1 for value in vocabulary.values))
        kwargs.setdefault("blank", False)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)
        self.validators.append(self._validate_codes)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["vocabulary"] = self.vocabulary
        kwargs.pop("default", None)
        return name, path, args, kwargs

    # --- conversions -------------------------------------------------------------------
    def _normalise(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, str):
            value = value.split(",")
        return sorted({str(v).strip() for v in value if str(v).strip()})

    def from_db_value(self, value, expression, connection):
        return self._normalise(value)

    def to_python(self, value):
        return self._normalise(value)

    def get_prep_value(self, value):
        return ",".join(self._normalise(value))

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def get_default(self):
        return []

    # --- validation ---------------------------------------------------------------------
    def _validate_codes(self, value):
        known = set(self.vocabulary.values) if self.vocabulary is not None else set()
        unknown = [code for code in self._normalise(value) if code not in known]
        if unknown:
            raise ValidationError(
                _("Code(s) inconnu(s) : %(codes)s."),
                code="unknown_code",
                params={"codes": ", ".join(unknown)},
            )

    def validate(self, value, model_instance):
        if not self.blank and not self._normalise(value):
            raise ValidationError(self.error_messages["blank"], code="blank")
        # Skip CharField's "choices" check: it compares the whole list with single codes.
        for validator in self.validators:
            validator(value)

    def run_validators(self, value):
        super().run_validators(self.get_prep_value(value))

    def formfield(self, **kwargs):
        # Always a multiple choice among the vocabulary (never CharField's text input).
        kwargs.pop("form_class", None)
        defaults = {
            "choices": self.vocabulary.choices if self.vocabulary is not None else [],
            "widget": forms.CheckboxSelectMultiple,
            "required": not self.blank,
            "label": self.verbose_name,
            "help_text": self.help_text,
            **kwargs,
        }
        return forms.TypedMultipleChoiceField(**defaults)

    def labels(self, value) -> list[str]:
        """The French labels of the codes in ``value``."""
        mapping = dict(self.vocabulary.choices)
        return [str(mapping.get(code, code)) for code in self._normalise(value)]
