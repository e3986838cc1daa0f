"""A referral from the cell: a pseudonymous reference and coded attributes, nothing else.

State changes only through the transitions below, and the transitions only through
``referrals.services`` (which lock, check the actor's role, audit).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.access import transition_permission
from core.display import CachedChoiceLabelsMixin
from core.guards import guard
from core.roles import Role
from directory.fields import ChoiceSetField
from directory.models import Commune
from directory.vocabularies import SupportDomain
from referrals.reference import MAX_LENGTH, ReferenceValidator
from referrals.vocabularies import (
    AGREED,
    NON_TERMINAL_STATES,
    TRIAGE_STATES,
    WORKING_STATES,
    AgeBracket,
    Agreement,
    ClosureCode,
    PlaceTypology,
    Priority,
    ReferralState,
    ReturnReason,
    SuspensionReason,
    WithdrawalReason,
    YesNoUnknown,
)

S = ReferralState


@guard(_("L'accord de la personne ou de la famille (avec sa date) doit être recueilli."))
def agreement_recorded(referral) -> bool:
    return referral.agreement in AGREED and referral.agreement_date is not None


@guard(_("Tous les accompagnements doivent être terminés ou interrompus avant la clôture."))
def every_track_ended(referral) -> bool:
    # ``tracks`` is the reverse manager of the support app's tracks; its ``running()`` is
    # their rule (support.models.TrackQuerySet), so this app does not import that app.
    return not referral.tracks.running().exists()


# --- the overdue rules (design §5): one definition, used by pages, reminders, monitoring ---
def triage_overdue(today) -> Q:
    """Triage not finished after its due date."""
    return Q(state__in=TRIAGE_STATES, triage_due_on__lt=today)


def review_overdue(today) -> Q:
    """In support after the review date (the reminders then request the review)."""
    return Q(state=S.IN_SUPPORT, next_review_on__lt=today)


class ReferralQuerySet(models.QuerySet):
    def working(self):
        """Referrals whose tracks are worked on (in support or in review)."""
        return self.filter(state__in=WORKING_STATES)

    def overdue(self, today):
        """Referrals late for triage or review on ``today``."""
        return self.filter(triage_overdue(today) | review_overdue(today))


class Referral(CachedChoiceLabelsMixin, ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(
        _("référence"),
        max_length=MAX_LENGTH,
        unique=True,
        validators=[ReferenceValidator()],
        help_text=_("La référence pseudonyme attribuée par la cellule."),
    )
    received_on = models.DateField(_("date de réception"), default=timezone.localdate)
    commune = models.ForeignKey(
        Commune, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("commune")
    )
    age_bracket = models.CharField(_("tranche d'âge"), max_length=32, choices=AgeBracket.choices)
    place_typology = models.CharField(
        _("typologie du lieu"), max_length=32, choices=PlaceTypology.choices
    )
    family_involved = models.CharField(
        _("dynamique familiale"), max_length=8, choices=YesNoUnknown.choices
    )
    released_from_prison = models.CharField(
        _("sortant de détention"), max_length=8, choices=YesNoUnknown.choices
    )
    family_asked_for_help = models.CharField(
        _("famille demandeuse d'aide"), max_length=8, choices=YesNoUnknown.choices
    )
    requested_domains = ChoiceSetField(_("domaines demandés"), vocabulary=SupportDomain)
    agreement = models.CharField(
        _("accord à l'accompagnement"),
        max_length=16,
        choices=Agreement.choices,
        default=Agreement.NOT_RECORDED,
    )
    agreement_date = models.DateField(_("date de l'accord"), null=True, blank=True)
    priority = models.CharField(
        _("priorité"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    triage_due_on = models.DateField(_("examen attendu avant le"), null=True, blank=True)
    next_review_on = models.DateField(_("prochain bilan"), null=True, blank=True)
    state = FSMField(
        _("état"), max_length=16, choices=S.choices, default=S.RECEIVED, protected=True
    )
    state_changed_at = models.DateTimeField(_("dernier changement d'état"), default=timezone.now)
    return_reason = models.CharField(
        _("motif de retour"), max_length=32, choices=ReturnReason.choices, blank=True
    )
    suspension_reason = models.CharField(
        _("motif de suspension"), max_length=32, choices=SuspensionReason.choices, blank=True
    )
    closure_code = models.CharField(
        _("motif de clôture"), max_length=32, choices=ClosureCode.choices, blank=True
    )
    withdrawal_reason = models.CharField(
        _("motif de retrait"), max_length=32, choices=WithdrawalReason.choices, blank=True
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("enregistrée par"),
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("orientation")
        verbose_name_plural = _("orientations")
        indexes = [
            models.Index(fields=["state", "received_on"], name="referral_state_received"),
            # The cell's list: newest first, keyset on (received_on, id).
            models.Index(fields=["received_on", "id"], name="referral_received_id"),
            # Closures by month (dashboard flow, indicators): state, then time of the change.
            models.Index(fields=["state", "state_changed_at"], name="referral_state_changed"),
            # The dashboard's counts by state and by commune: one index-only reading (72 ms at
            # 500k referrals, where the table's took 200–280 ms; docs/performance.md).
            models.Index(fields=["state", "commune"], name="referral_state_commune"),
            # Overdue steps (coordinator's workspace, reminders).
            models.Index(
                fields=["triage_due_on", "id"],
                condition=models.Q(state__in=["received", "in_assessment"]),
                name="referral_triage_due",
            ),
            models.Index(
                fields=["next_review_on", "id"],
                condition=models.Q(state="in_support"),
                name="referral_review_due",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def is_working(self) -> bool:
        """Its tracks may be taken and worked on (in support or in review)."""
        return self.state in WORKING_STATES

    @property
    def requested_domain_labels(self) -> list[str]:
        return self._meta.get_field("requested_domains").labels(self.requested_domains)

    def _moved(self):
        self.state_changed_at = timezone.now()

    # --- transitions (pure: they set fields of this object, nothing else) -----------------
    @transition(
        field=state,
        source=S.RECEIVED,
        target=S.IN_ASSESSMENT,
        permission=transition_permission(Role.COORDINATOR),
        custom={"label": _("Commencer l'examen"), "roles": (Role.COORDINATOR,)},
    )
    def start_assessment(self):
        self._moved()

    @transition(
        field=state,
        source=S.IN_ASSESSMENT,
        target=S.RETURNED,
        permission=transition_permission(Role.COORDINATOR),
        custom={
            "label": _("Retourner à la cellule"),
            "roles": (Role.COORDINATOR,),
            "code": ReturnReason,
        },
    )
    def return_to_cell(self, reason):
        self.return_reason = reason
        self._moved()

    @transition(
        field=state,
        source=S.IN_ASSESSMENT,
        target=S.IN_SUPPORT,
        conditions=[agreement_recorded],
        permission=transition_permission(Role.COORDINATOR),
        custom={"label": _("Ouvrir l'accompagnement"), "roles": (Role.COORDINATOR,)},
    )
    def open_support(self, next_review_on):
        self.next_review_on = next_review_on
        self._moved()

    @transition(
        field=state,
        source=S.IN_SUPPORT,
        target=S.SUSPENDED,
        permission=transition_permission(Role.COORDINATOR),
        custom={
            "label": _("Suspendre"),
            "roles": (Role.COORDINATOR,),
            "code": SuspensionReason,
        },
    )
    def suspend(self, reason):
        self.suspension_reason = reason
        self._moved()

    @transition(
        field=state,
        source=S.SUSPENDED,
        target=S.IN_SUPPORT,
        permission=transition_permission(Role.COORDINATOR),
        custom={"label": _("Reprendre"), "roles": (Role.COORDINATOR,)},
    )
    def resume(self):
        self.suspension_reason = ""
        self._moved()

    @transition(
        field=state,
        source=S.IN_SUPPORT,
        target=S.IN_REVIEW,
        permission=transition_permission(Role.COORDINATOR),
        custom={"label": _("Demander un bilan"), "roles": (Role.COORDINATOR, "system")},
    )
    def request_review(self):
        self._moved()

    @transition(
        field=state,
        source=S.IN_REVIEW,
        target=S.IN_SUPPORT,
        permission=transition_permission(Role.CELL_LIAISON),
        custom={"label": _("Poursuivre l'accompagnement"), "roles": (Role.CELL_LIAISON,)},
    )
    def continue_support(self, next_review_on):
        self.next_review_on = next_review_on
        self._moved()

    @transition(
        field=state,
        source=[S.IN_REVIEW, S.SUSPENDED],
        target=S.CLOSED,
        conditions=[every_track_ended],
        permission=transition_permission(Role.CELL_LIAISON),
        custom={"label": _("Clôturer"), "roles": (Role.CELL_LIAISON,), "code": ClosureCode},
    )
    def close(self, code):
        self.closure_code = code
        self.next_review_on = None
        self._moved()

    @transition(
        field=state,
        source=list(NON_TERMINAL_STATES),
        target=S.WITHDRAWN,
        permission=transition_permission(Role.CELL_LIAISON),
        custom={"label": _("Retirer"), "roles": (Role.CELL_LIAISON,), "code": WithdrawalReason},
    )
    def withdraw(self, reason):
        self.withdrawal_reason = reason
        self.next_review_on = None
        self._moved()


class ReferralStay(CachedChoiceLabelsMixin, models.Model):
    """One stay of a referral in a non-terminal state: when it entered it, and when it left
    (empty while it is still there). Written by ``referrals.stays`` in the transaction of the
    transition that opens or ends the stay, so the dashboard's time in each state reads
    stored durations instead of replaying the audit chain."""

    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="stays", verbose_name=_("orientation")
    )
    state = models.CharField(_("état"), max_length=16, choices=S.choices)
    entered_at = models.DateTimeField(_("entrée dans l'état"))
    left_at = models.DateTimeField(_("sortie de l'état"), null=True, blank=True)

    class Meta:
        ordering = ["referral", "entered_at", "id"]
        verbose_name = _("passage dans un état")
        verbose_name_plural = _("passages dans un état")
        # At most one open stay per referral holds by construction (the services hold the
        # referral's row lock); no unique constraint, so closing the old stay and opening the
        # new one can be a single statement (a unique index would see both in it).
        indexes = [
            models.Index(
                fields=["state", "entered_at"],
                condition=models.Q(left_at__isnull=True),
                name="stay_open_state_entered",
            ),
            # The open stay of one referral, closed by every transition: one index entry,
            # however many stays the referral had (the foreign key's index holds them all).
            models.Index(
                fields=["referral"],
                condition=models.Q(left_at__isnull=True),
                name="stay_open_referral",
            ),
        ]

    def __str__(self):
        return f"{self.referral_id} {self.state}"


class StayDurationBucket(models.Model):
    """How many finished stays in ``state`` lasted ``hours`` hours (rounded up): the
    dashboard's time in each state without reading every stay. Incremented by
    ``referrals.stays`` in the transaction that ends a stay."""

    state = models.CharField(_("état"), max_length=16, choices=S.choices)
    hours = models.PositiveIntegerField(_("durée (heures, arrondie au-dessus)"))
    stays = models.PositiveBigIntegerField(_("passages"), default=0)

    class Meta:
        verbose_name = _("durée de passage (agrégat)")
        verbose_name_plural = _("durées de passage (agrégats)")
        constraints = [
            models.UniqueConstraint(fields=["state", "hours"], name="stay_bucket_state_hours")
        ]

    def __str__(self):
        return f"{self.state} {self.hours} h: {self.stays}"
