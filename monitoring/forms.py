"""Filter and entry forms. Every value is a code or a number; bad input gets a French error."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from directory.vocabularies import SupportDomain
from monitoring.periods import Period, PeriodError, parse_period, recent_periods
from monitoring.selectors import Filters
from monitoring.vocabularies import (
    INDICATOR_KINDS,
    KIND_CHOICES,
    MAX_COUNT,
    TerritorialIndicatorCode,
    ValueKind,
)


def _period_choices(current: str, *, everything: str | None = None) -> list[tuple[str, str]]:
    choices = [("", everything)] if everything else []
    choices += [(p.code, p.label) for p in recent_periods()]
    if current and current not in {code for code, _label in choices}:
        try:
            period = parse_period(current)
        except PeriodError:
            pass
        else:
            choices.append((period.code, period.label))
    return choices


class DashboardFilterForm(forms.Form):
    period = forms.CharField(label=_("Période de réception"), required=False, max_length=16)
    commune = forms.ChoiceField(
        label=_("Commune"),
        required=False,
        error_messages={"invalid_choice": _("Commune inconnue : choisissez-la dans la liste.")},
    )
    domain = forms.ChoiceField(
        label=_("Domaine"),
        required=False,
        choices=[("", _("Tous les domaines")), *SupportDomain.choices],
        error_messages={"invalid_choice": _("Domaine inconnu : choisissez-le dans la liste.")},
    )

    def __init__(self, *args, communes: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commune"].choices = [("", _("Toutes les communes")), *communes]
        current = str(self.data.get("period", "") or "")
        self.fields["period"].widget = forms.Select(
            choices=_period_choices(current, everything=_("Toutes les périodes"))
        )

    def clean_period(self) -> Period | None:
        value = self.cleaned_data["period"]
        if not value:
            return None
        try:
            return parse_period(value)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc), code="period") from exc

    def filters(self) -> Filters:
        data = self.cleaned_data
        return Filters(period=data["period"], commune=data["commune"], domain=data["domain"])


class PeriodForm(forms.Form):
    """The indicators' period: empty means the current quarter."""

    period = forms.CharField(label=_("Période"), required=False, max_length=16)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = str(self.data.get("period", "") or "")
        self.fields["period"].widget = forms.Select(choices=_period_choices(current))

    def clean_period(self) -> Period:
        try:
            return parse_period(self.cleaned_data["period"])
        except PeriodError as exc:
            raise forms.ValidationError(str(exc), code="period") from exc


class ReleasedPeriodForm(forms.Form):
    """The indicators' period, among the released ones; empty means the latest release."""

    period = forms.CharField(label=_("Période"), required=False, max_length=16)

    def __init__(self, *args, released: list[Period], **kwargs):
        super().__init__(*args, **kwargs)
        self.released = released
        self.fields["period"].widget = forms.Select(choices=[(p.code, p.label) for p in released])

    def clean_period(self) -> Period | None:
        value = self.cleaned_data["period"]
        if not value:
            return self.released[0] if self.released else None
        try:
            period = parse_period(value, allow_future=True)
        except PeriodError as exc:
            raise forms.ValidationError(str(exc), code="period") from exc
        if period not in self.released:
            raise forms.ValidationError(
                _(
                    "La période %(period)s n'est pas publiée : les indicateurs d'une période "
                    "sont publiés après sa fin."
                )
                % {"period": period.label},
                code="not_released",
            )
        return period


class TerritorialIndicatorForm(forms.Form):
    """One field per territorial indicator: a coded answer, a level or a count.

    A blank field leaves the indicator as it is (an entered value can be corrected, not
    erased)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for code in TerritorialIndicatorCode:
            kind = INDICATOR_KINDS[code]
            if kind == ValueKind.COUNT:
                field = forms.IntegerField(
                    min_value=0,
                    max_value=MAX_COUNT,
                    required=False,
                    error_messages={"invalid": _("Indiquez un nombre entier.")},
                )
            else:
                field = forms.ChoiceField(
                    choices=[("", _("— non saisi —")), *KIND_CHOICES[kind].choices],
                    required=False,
                    error_messages={
                        "invalid_choice": _("Réponse inconnue : choisissez-la dans la liste.")
                    },
                )
            field.label = code.label
            self.fields[code.value] = field
