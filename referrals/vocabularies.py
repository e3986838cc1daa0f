"""Coded vocabularies of a referral: stable English codes, French labels. Never free text."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReferralState(models.TextChoices):
    RECEIVED = "received", _("Reçue")
    IN_ASSESSMENT = "in_assessment", _("En examen")
    RETURNED = "returned", _("Retournée à la cellule")
    IN_SUPPORT = "in_support", _("En accompagnement")
    SUSPENDED = "suspended", _("Suspendue")
    IN_REVIEW = "in_review", _("En bilan")
    CLOSED = "closed", _("Clôturée")
    WITHDRAWN = "withdrawn", _("Retirée")


TERMINAL_STATES = (ReferralState.RETURNED, ReferralState.CLOSED, ReferralState.WITHDRAWN)
NON_TERMINAL_STATES = tuple(s for s in ReferralState if s not in TERMINAL_STATES)
# States in which the tracks of a referral are worked on (taken, contacts recorded).
WORKING_STATES = (ReferralState.IN_SUPPORT, ReferralState.IN_REVIEW)
# States whose triage is pending (its due date counts).
TRIAGE_STATES = (ReferralState.RECEIVED, ReferralState.IN_ASSESSMENT)


class AgeBracket(models.TextChoices):
    UNDER_13 = "under_13", _("Moins de 13 ans")
    FROM_13_TO_17 = "from_13_to_17", _("13 à 17 ans")
    FROM_18_TO_25 = "from_18_to_25", _("18 à 25 ans")
    FROM_26_TO_40 = "from_26_to_40", _("26 à 40 ans")
    OVER_40 = "over_40", _("Plus de 40 ans")


class PlaceTypology(models.TextChoices):
    PRIORITY_NEIGHBOURHOOD = "priority_neighbourhood", _("Quartier prioritaire de la ville")
    URBAN = "urban", _("Zone urbaine hors quartier prioritaire")
    PERIURBAN = "periurban", _("Zone périurbaine")
    RURAL = "rural", _("Zone rurale")


class YesNoUnknown(models.TextChoices):
    YES = "yes", _("Oui")
    NO = "no", _("Non")
    UNKNOWN = "unknown", _("Non renseigné")


class Agreement(models.TextChoices):
    """The person's or family's agreement to voluntary support."""

    NOT_RECORDED = "not_recorded", _("Non recueilli")
    PERSON_AGREED = "person_agreed", _("Accord de la personne")
    FAMILY_AGREED = "family_agreed", _("Accord de la famille")
    REFUSED = "refused", _("Refus")


AGREED = (Agreement.PERSON_AGREED, Agreement.FAMILY_AGREED)


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normale")
    HIGH = "high", _("Élevée")
    URGENT = "urgent", _("Urgente")


class ReturnReason(models.TextChoices):
    OUTSIDE_SCOPE = "outside_scope", _("Hors du champ du groupe opérationnel")
    OUTSIDE_TERRITORY = "outside_territory", _("Hors du territoire")
    INSUFFICIENT_INFORMATION = "insufficient_information", _("Éléments insuffisants")
    ALREADY_SUPPORTED = "already_supported", _("Déjà accompagné par ailleurs")
    AGREEMENT_REFUSED = "agreement_refused", _("Refus de l'accompagnement")
    OTHER_SERVICE_BETTER_SUITED = "other_service_better_suited", _("Autre dispositif plus adapté")


class SuspensionReason(models.TextChoices):
    HOSPITALISATION = "hospitalisation", _("Hospitalisation")
    INCARCERATION = "incarceration", _("Incarcération")
    TEMPORARY_ABSENCE = "temporary_absence", _("Absence temporaire du territoire")
    PERSON_REQUEST = "person_request", _("À la demande de la personne ou de la famille")
    CELL_REQUEST = "cell_request", _("À la demande de la cellule")


class ClosureCode(models.TextChoices):
    GOALS_REACHED = "goals_reached", _("Objectifs atteints")
    SITUATION_STABILISED = "situation_stabilised", _("Situation stabilisée")
    HANDED_TO_COMMON_LAW = "handed_to_common_law", _("Relais vers le droit commun")
    PERSON_MOVED = "person_moved", _("Déménagement hors du territoire")
    PERSON_DISENGAGED = "person_disengaged", _("Fin d'adhésion de la personne")


class WithdrawalReason(models.TextChoices):
    TAKEN_OVER_ELSEWHERE = "taken_over_elsewhere", _("Pris en charge par un autre dispositif")
    JUDICIAL_PROCEEDINGS = "judicial_proceedings", _("Procédure judiciaire")
    PERSON_MOVED = "person_moved", _("Déménagement hors du territoire")
    CELL_DECISION = "cell_decision", _("Décision de la cellule")


class CorrectionReason(models.TextChoices):
    """Why the cell corrected a coded datum after registration."""

    ENTRY_ERROR = "entry_error", _("Erreur de saisie")
    UPDATED_BY_CELL = "updated_by_cell", _("Information actualisée par la cellule")


# The coded registration data the cell may correct, with their vocabularies. The audit event
# of a correction is transition "correct_<field>", from/to = the old and new codes.
CORRECTABLE = {
    "age_bracket": AgeBracket,
    "place_typology": PlaceTypology,
    "family_involved": YesNoUnknown,
    "released_from_prison": YesNoUnknown,
    "family_asked_for_help": YesNoUnknown,
    "priority": Priority,
}
