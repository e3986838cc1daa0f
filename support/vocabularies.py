"""Coded vocabularies of support tracks and contacts."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrackState(models.TextChoices):
    OPEN = "open", _("À prendre")
    ASSIGNED = "assigned", _("Pris en charge")
    ACTIVE = "active", _("Actif")
    ON_HOLD = "on_hold", _("En pause")
    COMPLETED = "completed", _("Terminé")
    INTERRUPTED = "interrupted", _("Interrompu")


ENDED_STATES = (TrackState.COMPLETED, TrackState.INTERRUPTED)
HELD_STATES = (TrackState.ASSIGNED, TrackState.ACTIVE, TrackState.ON_HOLD)


class ContactKind(models.TextChoices):
    INTERVIEW = "interview", _("Entretien")
    PHONE = "phone", _("Appel téléphonique")
    HOME_VISIT = "home_visit", _("Visite à domicile")
    WITH_FAMILY = "with_family", _("Rencontre avec la famille")
    PARTNER_MEETING = "partner_meeting", _("Réunion partenariale")


class Outcome(models.TextChoices):
    GOALS_REACHED = "goals_reached", _("Objectifs atteints")
    PARTIALLY_REACHED = "partially_reached", _("Objectifs partiellement atteints")
    REFERRED_TO_COMMON_LAW = "referred_to_common_law", _("Orientation vers le droit commun")
    NO_FURTHER_NEED = "no_further_need", _("Plus de besoin dans ce domaine")


class ReleaseReason(models.TextChoices):
    UNAVAILABLE = "unavailable", _("Indisponibilité")
    CONFLICT_OF_INTEREST = "conflict_of_interest", _("Conflit d'intérêts")
    DOMAIN_MISMATCH = "domain_mismatch", _("Compétence inadaptée")
    TAKEN_BY_MISTAKE = "taken_by_mistake", _("Prise en charge par erreur")


class HoldReason(models.TextChoices):
    PERSON_UNAVAILABLE = "person_unavailable", _("Personne indisponible")
    HOLDER_UNAVAILABLE = "holder_unavailable", _("Intervenant indisponible")
    AWAITING_PARTNER = "awaiting_partner", _("En attente d'un partenaire")


class InterruptionReason(models.TextChoices):
    """Why a track stops before its outcome. Includes every withdrawal reason of a referral,
    since withdrawing a referral interrupts its open tracks with the same reason."""

    PERSON_REFUSED = "person_refused", _("Refus de la personne")
    NO_CONTACT_POSSIBLE = "no_contact_possible", _("Contact impossible")
    HOLDER_LEFT = "holder_left", _("Départ de l'intervenant")
    TAKEN_OVER_ELSEWHERE = "taken_over_elsewhere", _("Pris en charge par un autre dispositif")
    JUDICIAL_PROCEEDINGS = "judicial_proceedings", _("Procédure judiciaire")
    PERSON_MOVED = "person_moved", _("Déménagement hors du territoire")
    CELL_DECISION = "cell_decision", _("Décision de la cellule")
    REFERRAL_CLOSED = "referral_closed", _("Clôture de l'orientation")
