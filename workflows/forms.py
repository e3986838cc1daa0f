"""Forms of the task pages: coded fields only. They validate input; services decide."""

from datetime import date

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.deadlines import programme_start
from directory.models import Commune
from directory.vocabularies import SupportDomain
from referrals.reference import MAX_LENGTH, ReferenceValidator
from referrals.vocabularies import (
    CORRECTABLE,
    AgeBracket,
    Agreement,
    ClosureCode,
    CorrectionReason,
    PlaceTypology,
    Priority,
    ReferralState,
    ReturnReason,
    SuspensionReason,
    WithdrawalReason,
    YesNoUnknown,
)
from support.selectors import SEARCH_MAX_LENGTH
from support.vocabularies import ContactKind, HoldReason, InterruptionReason, Outcome, ReleaseReason


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def _not_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("La date ne peut pas être future."))
    return value


TO_FILL = _("— à renseigner —")


def _to_fill(vocabulary):
    """A coded question that starts unanswered: nothing is pre-selected, so skipping it is an
    error, never a made-up answer ("Non renseigné" stays a choice where the vocabulary has it)."""
    return [("", TO_FILL), *vocabulary.choices]


def _not_before_start(value):
    start = programme_start()
    if value and value < start:
        raise forms.ValidationError(
            _("La date ne peut pas précéder le début du programme (%(start)s)."),
            params={"start": start.strftime("%d/%m/%Y")},
        )
    return value


class RegisterReferralForm(forms.Form):
    reference = forms.CharField(
        label=_("Référence pseudonyme"),
        max_length=MAX_LENGTH,
        validators=[ReferenceValidator()],
        help_text=_("La référence attribuée par la cellule, par exemple VAL-2026-0042."),
    )
    received_on = forms.DateField(
        label=_("Date de réception"),
        widget=DateInput(),
        help_text=_("Au plus tôt le début du programme ; jamais une date future."),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.filter(active=True).order_by("name"),
        empty_label=TO_FILL,
    )
    age_bracket = forms.ChoiceField(label=_("Tranche d'âge"), choices=_to_fill(AgeBracket))
    place_typology = forms.ChoiceField(
        label=_("Typologie du lieu"), choices=_to_fill(PlaceTypology)
    )
    family_involved = forms.ChoiceField(
        label=_("Dynamique familiale"), choices=_to_fill(YesNoUnknown)
    )
    released_from_prison = forms.ChoiceField(
        label=_("Sortant de détention"), choices=_to_fill(YesNoUnknown)
    )
    family_asked_for_help = forms.ChoiceField(
        label=_("Famille demandeuse d'aide"), choices=_to_fill(YesNoUnknown)
    )
    requested_domains = forms.MultipleChoiceField(
        label=_("Domaines d'accompagnement demandés"),
        choices=SupportDomain.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Au moins un, sauf en cas de refus (aucun alors)."),
    )
    priority = forms.ChoiceField(label=_("Priorité"), choices=_to_fill(Priority))
    agreement = forms.ChoiceField(
        label=_("Accord à l'accompagnement"),
        choices=_to_fill(Agreement),
        help_text=_("« Non recueilli » si la question n'a pas encore été posée."),
    )
    agreement_date = forms.DateField(
        label=_("Date de l'accord ou du refus"),
        required=False,
        widget=DateInput(),
        help_text=_("Au plus tôt la date de réception."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser's date picker starts at the programme's first day and stops today.
        for name in ("received_on", "agreement_date"):
            self.fields[name].widget.attrs.update(
                {"min": programme_start().isoformat(), "max": timezone.localdate().isoformat()}
            )

    def full_clean(self):
        super().full_clean()
        if self.is_bound and "reference" in self.errors:
            # What was typed instead of a reference may be a name or a phone number: never
            # send it back to the browser.
            self.data = self.data.copy()
            self.data[self.add_prefix("reference")] = ""

    def clean_received_on(self):
        return _not_before_start(_not_future(self.cleaned_data["received_on"]))

    def clean_agreement_date(self):
        return _not_before_start(_not_future(self.cleaned_data.get("agreement_date")))

    def clean(self):
        # The same rules as referrals.services (which guarantees them), all shown at once.
        data = super().clean()
        agreement, domains = data.get("agreement"), data.get("requested_domains") or []
        if agreement == Agreement.REFUSED and domains:
            self.add_error(
                "requested_domains",
                _("Un refus exclut tout domaine d'accompagnement : décochez les domaines."),
            )
        elif agreement != Agreement.REFUSED and not domains:
            self.add_error(
                "requested_domains", _("Choisissez au moins un domaine d'accompagnement.")
            )
        received_on, agreed_on = data.get("received_on"), data.get("agreement_date")
        if received_on and agreed_on and agreed_on < received_on:
            self.add_error(
                "agreement_date",
                _("La date de l'accord ne peut pas précéder la date de réception."),
            )
        return data


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


class MemberField(forms.TypedChoiceField):
    """A member's id: the form shows a bounded list, but any member found by the search may
    be posted. The service decides whether they may hold the track (and says why not)."""

    def valid_value(self, value):
        value = str(value)
        return value.isascii() and value.isdigit() and len(value) <= 18


class AssignForm(forms.Form):
    """Give a track to a member: the ``members`` computed by the page (the least loaded, or
    those found by ``search``), no query when rendered. A posted member outside that list is
    accepted here and checked by the service."""

    member = MemberField(label=_("Membre"), coerce=int)

    def __init__(self, *args, members=(), search="", limit=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        field.choices = [("", "—")] + [(member.pk, member_label(member)) for member in members]
        if search and not members:
            field.help_text = _("Aucun membre disponible ne correspond à « %(search)s ».") % {
                "search": search
            }
        elif search:
            field.help_text = _(
                "Membres disponibles dont le nom, l'identifiant ou l'organisation contient "
                "« %(search)s » (%(count)d au plus), les moins chargés d'abord."
            ) % {"search": search, "count": limit}
        elif not members:
            field.help_text = _(
                "Aucun membre disponible : aucun ne déclare ce domaine ou tous sont à capacité."
            )
        else:
            field.help_text = _(
                "Les membres disponibles les moins chargés (%(count)d au plus) ; cherchez pour "
                "en trouver un autre."
            ) % {"count": limit}

    def clean_member(self):
        member = get_user_model().objects.filter(pk=self.cleaned_data["member"]).first()
        if member is None:
            raise forms.ValidationError(_("Choisissez un membre dans la liste."))
        return member


def member_label(member) -> str:
    """How a member is offered: identifiant, name, organisation, tracks held / capacity."""
    name = f" ({member.full_name})" if member.full_name else ""
    return _("%(username)s%(name)s — %(organisation)s, %(held)d/%(capacity)d en cours") % {
        "username": member.username,
        "name": name,
        "organisation": member.organisation,
        "held": member.held,
        "capacity": member.capacity,
    }


class MemberSearchForm(forms.Form):
    """Find any member who could hold a track (GET, server-side, bounded like the list)."""

    membre = forms.CharField(
        label=_("Rechercher un membre"),
        required=False,
        max_length=SEARCH_MAX_LENGTH,
        strip=True,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class ReferralSearchForm(forms.Form):
    """The referral list's filters (GET). Every value is checked; the cursor is opaque to the
    user but validated like the rest."""

    reference = forms.CharField(
        label=_("Référence (ou début, ou fin)"),
        required=False,
        max_length=MAX_LENGTH,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9-]*$", _("Une référence ne contient que lettres, chiffres et tirets.")
            )
        ],
    )
    state = forms.ChoiceField(
        label=_("État"), required=False, choices=[("", _("Tous")), *ReferralState.choices]
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        required=False,
        queryset=Commune.objects.order_by("name"),
        empty_label=_("Toutes"),
    )
    domain = forms.ChoiceField(
        label=_("Domaine"), required=False, choices=[("", _("Tous")), *SupportDomain.choices]
    )
    overdue = forms.BooleanField(label=_("En retard seulement"), required=False)
    sort = forms.ChoiceField(
        label=_("Trier par"),
        required=False,
        choices=[
            ("recent", _("Réception, la plus récente d'abord")),
            ("oldest", _("Réception, la plus ancienne d'abord")),
            ("reference", _("Référence")),
        ],
    )
    after = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    FILTERS = ("reference", "state", "commune", "domain", "overdue", "sort")

    def clean_sort(self):
        return self.cleaned_data.get("sort") or "recent"

    def clean(self):
        data = super().clean()
        raw = data.get("after")
        data["after"] = None
        if raw:
            key, _sep, pk = raw.rpartition("~")
            try:
                pk = int(pk)
                key = key if data.get("sort") == "reference" else date.fromisoformat(key)
            except ValueError:
                raise forms.ValidationError(
                    _("Lien de page invalide : revenez à la première page.")
                ) from None
            data["after"] = (key, pk)
        return data

    def query_string(self, **extra) -> str:
        """The current filters (and ``extra``) as a query string, for the page links."""
        from django.http import QueryDict

        query = QueryDict(mutable=True)
        for name in self.FILTERS:
            value = self.cleaned_data.get(name)
            if value in (None, "", False):
                continue
            query[name] = value.pk if name == "commune" else ("1" if value is True else value)
        for name, value in extra.items():
            query[name] = value
        return query.urlencode()


def cursor_token(cursor) -> str:
    key, pk = cursor
    return f"{key.isoformat() if hasattr(key, 'isoformat') else key}~{pk}"


class CorrectionForm(forms.Form):
    """The cell corrects one coded registration datum: "field:code" in one list grouped by
    datum, and a coded reason. Nothing is pre-selected."""

    correction = forms.ChoiceField(label=_("Donnée et nouvelle valeur"))
    reason = forms.ChoiceField(
        label=_("Motif de la correction"), choices=[("", TO_FILL), *CorrectionReason.choices]
    )

    def __init__(self, *args, referral=None, **kwargs):
        super().__init__(*args, **kwargs)
        from referrals.models import Referral

        groups = []
        for field, vocabulary in CORRECTABLE.items():
            current = getattr(referral, field, None) if referral is not None else None
            label = str(Referral._meta.get_field(field).verbose_name).capitalize()
            groups.append(
                (
                    label,
                    [
                        (f"{field}:{code}", name)
                        for code, name in vocabulary.choices
                        if code != current
                    ],
                )
            )
        current = referral.commune_id if referral is not None else None
        communes = Commune.objects.filter(active=True).exclude(pk=current).order_by("name")
        groups.append(
            (
                _("Commune"),
                [(f"commune:{c.insee_code}", f"{c.name} ({c.insee_code})") for c in communes],
            )
        )
        self.fields["correction"].choices = [("", TO_FILL), *groups]

    def clean(self):
        data = super().clean()
        if data.get("correction"):
            data["field"], _sep, data["value"] = data["correction"].partition(":")
        return data
