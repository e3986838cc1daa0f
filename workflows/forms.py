"""Forms of the task pages: coded fields only. They validate input; services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models import Commune
from directory.vocabularies import SupportDomain
from referrals.reference import MAX_LENGTH, ReferenceValidator
from referrals.vocabularies import (
    AgeBracket,
    Agreement,
    ClosureCode,
    PlaceTypology,
    Priority,
    ReturnReason,
    SuspensionReason,
    WithdrawalReason,
    YesNoUnknown,
)
from support.vocabularies import ContactKind, HoldReason, InterruptionReason, Outcome, ReleaseReason


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("La date ne peut pas être future."))
    return value


class RegisterReferralForm(forms.Form):
    reference = forms.CharField(
        label=_("Référence pseudonyme"),
        max_length=MAX_LENGTH,
        validators=[ReferenceValidator()],
        help_text=_("La référence attribuée par la cellule, par exemple VAL-2026-0042."),
    )
    received_on = forms.DateField(
        label=_("Date de réception"), initial=timezone.localdate, widget=DateInput()
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"), queryset=Commune.objects.filter(active=True).order_by("name")
    )
    age_bracket = forms.ChoiceField(label=_("Tranche d'âge"), choices=AgeBracket.choices)
    place_typology = forms.ChoiceField(label=_("Typologie du lieu"), choices=PlaceTypology.choices)
    family_involved = forms.ChoiceField(
        label=_("Dynamique familiale"), choices=YesNoUnknown.choices
    )
    released_from_prison = forms.ChoiceField(
        label=_("Sortant de détention"), choices=YesNoUnknown.choices
    )
    family_asked_for_help = forms.ChoiceField(
        label=_("Famille demandeuse d'aide"), choices=YesNoUnknown.choices
    )
    requested_domains = forms.MultipleChoiceField(
        label=_("Domaines d'accompagnement demandés"),
        choices=SupportDomain.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.ChoiceField(
        label=_("Priorité"), choices=Priority.choices, initial=Priority.NORMAL
    )
    agreement = forms.ChoiceField(
        label=_("Accord à l'accompagnement"),
        choices=Agreement.choices,
        initial=Agreement.NOT_RECORDED,
    )
    agreement_date = forms.DateField(
        label=_("Date de l'accord"), required=False, widget=DateInput()
    )

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "reference" in self.errors:
            # What was typed instead of a reference may be a name or a phone number: never
            # send it back to the browser.
            self.data = self.data.copy()
            self.data[self.add_prefix("reference")] = ""

    def clean_received_on(self):
        return _not_future(self.cleaned_data["received_on"])

    def clean_agreement_date(self):
        return _not_future(self.cleaned_data.get("agreement_date"))


class AgreementForm(forms.Form):
    agreement = forms.ChoiceField(
        label=_("Accord recueilli"),
        choices=[c for c in Agreement.choices if c[0] != Agreement.NOT_RECORDED],
    )
    agreement_date = forms.DateField(label=_("Date"), widget=DateInput())

    def clean_agreement_date(self):
        return _not_future(self.cleaned_data["agreement_date"])


class TriageForm(forms.Form):
    OPEN, RETURN = "open_support", "return_to_cell"  # workflows.services.TRIAGE_*
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[(OPEN, _("Ouvrir l'accompagnement")), (RETURN, _("Retourner à la cellule"))],
        widget=forms.RadioSelect,
    )
    domains = forms.MultipleChoiceField(
        label=_("Domaines à ouvrir"),
        choices=SupportDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    reason = forms.ChoiceField(
        label=_("Motif de retour"), choices=[("", "—"), *ReturnReason.choices], required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.OPEN and not data.get("domains"):
            self.add_error("domains", _("Choisissez au moins un domaine."))
        if data.get("decision") == self.RETURN and not data.get("reason"):
            self.add_error("reason", _("Choisissez le motif du retour."))
        return data


class ReviewForm(forms.Form):
    CONTINUE, CLOSE = "continue", "close"
    decision = forms.ChoiceField(
        label=_("Décision"),
        choices=[(CONTINUE, _("Poursuivre l'accompagnement")), (CLOSE, _("Clôturer"))],
        widget=forms.RadioSelect,
    )
    domains = forms.MultipleChoiceField(
        label=_("Nouveaux domaines à ouvrir"),
        choices=SupportDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    code = forms.ChoiceField(
        label=_("Motif de clôture"), choices=[("", "—"), *ClosureCode.choices], required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.CLOSE and not data.get("code"):
            self.add_error("code", _("Choisissez le motif de clôture."))
        return data


class ContactForm(forms.Form):
    occurred_on = forms.DateField(
        label=_("Date du contact"), initial=timezone.localdate, widget=DateInput()
    )
    kind = forms.ChoiceField(label=_("Type de contact"), choices=ContactKind.choices)
    attended = forms.BooleanField(
        label=_("La personne était présente"), required=False, initial=True
    )

    def clean_occurred_on(self):
        return _not_future(self.cleaned_data["occurred_on"])


class CodeForm(forms.Form):
    """One coded reason; the vocabulary is given by the action."""

    code = forms.ChoiceField(label=_("Motif"))

    def __init__(self, *args, vocabulary, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [("", "—"), *vocabulary.choices]
        if label:
            self.fields["code"].label = label


VOCABULARIES = {
    "release": (ReleaseReason, _("Motif de libération")),
    "hold": (HoldReason, _("Motif de pause")),
    "complete": (Outcome, _("Issue")),
    "interrupt": (InterruptionReason, _("Motif d'interruption")),
    "suspend": (SuspensionReason, _("Motif de suspension")),
    "withdraw": (WithdrawalReason, _("Motif de retrait")),
    "close": (ClosureCode, _("Motif de clôture")),
}


def code_form(action, data=None, *, prefix=None):
    vocabulary, label = VOCABULARIES[action]
    return CodeForm(data, vocabulary=vocabulary, label=label, prefix=prefix or action)


class AssignForm(forms.Form):
    """Choose one of the ``members`` computed by the page (no query when rendered)."""

    member = forms.TypedChoiceField(label=_("Membre"), coerce=int)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self._members = {member.pk: member for member in members}
        self.fields["member"].choices = [("", "—")] + [
            (member.pk, member.get_username()) for member in members
        ]

    def clean_member(self):
        return self._members[self.cleaned_data["member"]]
