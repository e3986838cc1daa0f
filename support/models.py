"""Support tracks (one per domain of a referral) and their structured contacts.

State changes only through the transitions below, called by ``support.services``.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.guards import guard
from core.roles import Role
from directory.models import Organisation
from directory.vocabularies import SupportDomain
from referrals.models import Referral
from referrals.vocabularies import ReferralState
from support.vocabularies import (
    ContactKind,
    HoldReason,
    InterruptionReason,
    Outcome,
    ReleaseReason,
    TrackState,
)

T = TrackState
WORKING_REFERRAL_STATES = (ReferralState.IN_SUPPORT, ReferralState.IN_REVIEW)


@guard(_("L'orientation n'est pas en cours d'accompagnement (suspendue ou terminée)."))
def referral_in_support(track) -> bool:
    return track.referral.state in WORKING_REFERRAL_STATES


class SupportTrack(ConcurrentTransitionMixin, models.Model):
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, related_name="tracks", verbose_name=_("orientation")
    )
    domain = models.CharField(_("domaine"), max_length=16, choices=SupportDomain.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_tracks",
        verbose_name=_("intervenant"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_tracks",
        verbose_name=_("organisation"),
    )
    state = FSMField(_("état"), max_length=16, choices=T.choices, default=T.OPEN, protected=True)
    state_changed_at = models.DateTimeField(_("dernier changement d'état"), default=timezone.now)
    opened_at = models.DateTimeField(_("ouvert le"), default=timezone.now)
    take_due_on = models.DateField(_("prise en charge attendue avant le"), null=True, blank=True)
    first_contact_due_on = models.DateField(
        _("premier contact attendu avant le"), null=True, blank=True
    )
    outcome = models.CharField(_("issue"), max_length=32, choices=Outcome.choices, blank=True)
    interruption_reason = models.CharField(
        _("motif d'interruption"), max_length=32, choices=InterruptionReason.choices, blank=True
    )
    hold_reason = models.CharField(
        _("motif de pause"), max_length=32, choices=HoldReason.choices, blank=True
    )

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")
        indexes = [
            models.Index(fields=["state", "domain"], name="track_state_domain"),
            models.Index(fields=["holder", "state"], name="track_holder_state"),
        ]

    def __str__(self):
        return f"{self.referral.reference} · {self.get_domain_display()}"

    def _moved(self):
        self.state_changed_at = timezone.now()

    # --- transitions -------------------------------------------------------------------
    @transition(
        field=state,
        source=T.OPEN,
        target=T.ASSIGNED,
        conditions=[referral_in_support],
        custom={"label": _("Prendre en charge"), "roles": (Role.MEMBER,)},
    )
    def take(self, member, organisation, first_contact_due_on):
        self.holder, self.organisation = member, organisation
        self.first_contact_due_on = first_contact_due_on
        self._moved()

    @transition(
        field=state,
        source=T.OPEN,
        target=T.ASSIGNED,
        conditions=[referral_in_support],
        custom={"label": _("Attribuer"), "roles": (Role.COORDINATOR,)},
    )
    def assign(self, member, organisation, first_contact_due_on):
        self.holder, self.organisation = member, organisation
        self.first_contact_due_on = first_contact_due_on
        self._moved()

    @transition(
        field=state,
        source=[T.ASSIGNED, T.ACTIVE, T.ON_HOLD],
        target=None,
        conditions=[referral_in_support],
        custom={"label": _("Réattribuer"), "roles": (Role.COORDINATOR,)},
    )
    def reassign(self, member, organisation):
        self.holder, self.organisation = member, organisation

    @transition(
        field=state,
        source=T.ASSIGNED,
        target=T.OPEN,
        custom={
            "label": _("Libérer"),
            "roles": (Role.MEMBER, Role.COORDINATOR),
            "code": ReleaseReason,
        },
    )
    def release(self, reason):
        self.holder = self.organisation = None
        self.first_contact_due_on = None
        self._moved()

    @transition(
        field=state,
        source=T.ASSIGNED,
        target=T.ACTIVE,
        conditions=[referral_in_support],
        custom={
            "label": _("Enregistrer le premier contact"),
            "roles": (Role.MEMBER,),
            "code": ContactKind,
        },
    )
    def record_first_contact(self):
        self.first_contact_due_on = None
        self._moved()

    @transition(
        field=state,
        source=T.ACTIVE,
        target=None,
        conditions=[referral_in_support],
        custom={
            "label": _("Enregistrer un contact"),
            "roles": (Role.MEMBER,),
            "code": ContactKind,
        },
    )
    def record_contact(self):
        pass

    @transition(
        field=state,
        source=T.ACTIVE,
        target=T.ON_HOLD,
        custom={
            "label": _("Mettre en pause"),
            "roles": (Role.MEMBER, Role.COORDINATOR),
            "code": HoldReason,
        },
    )
    def hold(self, reason):
        self.hold_reason = reason
        self._moved()

    @transition(
        field=state,
        source=T.ON_HOLD,
        target=T.ACTIVE,
        conditions=[referral_in_support],
        custom={"label": _("Reprendre"), "roles": (Role.MEMBER, Role.COORDINATOR)},
    )
    def resume(self):
        self.hold_reason = ""
        self._moved()

    @transition(
        field=state,
        source=T.ACTIVE,
        target=T.COMPLETED,
        custom={"label": _("Terminer avec une issue"), "roles": (Role.MEMBER,), "code": Outcome},
    )
    def complete(self, outcome):
        self.outcome = outcome
        self._moved()

    @transition(
        field=state,
        source=[T.OPEN, T.ASSIGNED, T.ACTIVE, T.ON_HOLD],
        target=T.INTERRUPTED,
        custom={
            "label": _("Interrompre"),
            "roles": (Role.MEMBER, Role.COORDINATOR, Role.CELL_LIAISON),
            "code": InterruptionReason,
        },
    )
    def interrupt(self, reason):
        self.interruption_reason = reason
        self.hold_reason = ""
        self._moved()


class Contact(models.Model):
    """A structured contact on a track: when, what kind, attended or not. No content."""

    track = models.ForeignKey(
        SupportTrack,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("accompagnement"),
    )
    occurred_on = models.DateField(_("date"))
    kind = models.CharField(_("type de contact"), max_length=16, choices=ContactKind.choices)
    attended = models.BooleanField(_("présence"), default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    recorded_at = models.DateTimeField(_("saisi le"), auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self):
        return f"{self.get_kind_display()} {self.occurred_on:%d/%m/%Y}"
