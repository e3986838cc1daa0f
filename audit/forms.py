"""Filters of the auditors' workspace (also used by ``audit_export`` to check its options).

Every value is validated like the field it filters: a bad value gives a French message and no
query runs.
"""

from datetime import date

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from audit import labels
from audit.models import reference_validator
from audit.selectors import HISTORY_ACTIONS, EventFilter, HistoryFilter, history_content_types
from audit.vocabularies import AuditAction, AuditRole, ObjectType

MAX_SEQ = 2**63 - 1
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _choices(vocabulary):
    return [("", _("Tous"))] + list(vocabulary.choices)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReferenceField(forms.CharField):
    """A pseudonymous reference, typed in any case (references are upper-case)."""

    def __init__(self, **kwargs):
        super().__init__(max_length=40, validators=[reference_validator], **kwargs)

    def to_python(self, value):
        return super().to_python(value).upper()


class CursorForm(forms.Form):
    before = forms.IntegerField(required=False, min_value=1, max_value=MAX_SEQ)
    after = forms.IntegerField(required=False, min_value=0, max_value=MAX_SEQ)


class EventFilterForm(CursorForm):
    since = forms.DateField(label=_("Du"), required=False, widget=DateInput())
    until = forms.DateField(label=_("Au"), required=False, widget=DateInput())
    actor = forms.CharField(
        label=_("Acteur (identifiant)"),
        required=False,
        max_length=150,
        validators=[UnicodeUsernameValidator()],
    )
    role = forms.ChoiceField(label=_("Rôle"), required=False, choices=_choices(AuditRole))
    action = forms.ChoiceField(label=_("Action"), required=False, choices=_choices(AuditAction))
    object_type = forms.ChoiceField(
        label=_("Type d'objet"), required=False, choices=_choices(ObjectType)
    )
    reference = ReferenceField(label=_("Référence"), required=False)
    # Select lists of labelled codes (audit.labels), not codes typed by hand.
    transition = forms.ChoiceField(label=_("Transition"), required=False)
    code = forms.ChoiceField(label=_("Code"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["transition"].choices = [("", _("Toutes")), *labels.transition_choices()]
        self.fields["code"].choices = [("", _("Tous")), *labels.code_choices()]

    FILTER_FIELDS = (
        "since",
        "until",
        "actor",
        "role",
        "action",
        "object_type",
        "reference",
        "transition",
        "code",
    )

    def _clean_date(self, name):
        value = self.cleaned_data.get(name)
        if value is not None and not EARLIEST <= value <= LATEST:
            raise forms.ValidationError(
                _("Choisissez une date entre le %(start)s et le %(end)s."),
                code="out_of_range",
                params={"start": EARLIEST.strftime("%d/%m/%Y"), "end": LATEST.strftime("%d/%m/%Y")},
            )
        return value

    def clean_since(self):
        return self._clean_date("since")

    def clean_until(self):
        return self._clean_date("until")

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError(
                _("La date de début doit précéder la date de fin."), code="period"
            )
        return cleaned

    def filters(self) -> EventFilter:
        return EventFilter(
            **{name: self.cleaned_data.get(name) or None for name in self.FILTER_FIELDS}
        )

    def filter_query(self) -> str:
        """The filter as a query string (without cursors), for exports and page links."""
        query = QueryDict(mutable=True)
        for name in self.FILTER_FIELDS:
            value = self.cleaned_data.get(name)
            if value:
                query[name] = value.isoformat() if isinstance(value, date) else value
        return query.urlencode()


class TimelineForm(forms.Form):
    reference = ReferenceField(label=_("Référence"), required=True)
    after = forms.IntegerField(required=False, min_value=0, max_value=MAX_SEQ)


class HistoryFilterForm(CursorForm):
    model = forms.ChoiceField(label=_("Type de donnée"), required=False)
    object_id = forms.IntegerField(
        label=_("Identifiant"), required=False, min_value=1, max_value=MAX_SEQ
    )
    action = forms.TypedChoiceField(
        label=_("Action"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Toutes")), *HISTORY_ACTIONS.items()],
    )

    FILTER_FIELDS = ("model", "object_id", "action")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.content_types = history_content_types()
        self.fields["model"].choices = [("", _("Toutes"))] + [
            (key, ct.model_class()._meta.verbose_name.capitalize())
            for key, ct in self.content_types.items()
        ]

    def filters(self) -> HistoryFilter:
        model = self.cleaned_data.get("model")
        return HistoryFilter(
            content_type_id=self.content_types[model].pk if model else None,
            object_id=self.cleaned_data.get("object_id"),
            action=self.cleaned_data.get("action"),
        )

    def filter_query(self) -> str:
        query = QueryDict(mutable=True)
        for name in self.FILTER_FIELDS:
            value = self.cleaned_data.get(name)
            if value not in (None, ""):
                query[name] = value
        return query.urlencode()
