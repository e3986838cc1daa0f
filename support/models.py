"""Support tracks (one per domain of a referral) and their structured contacts.

State changes only through the transitions below, called by ``support.services``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from core.access import has_role, transition_permission
from core.display import CachedChoiceLabelsMixin
from core.guards import guard
from core.roles import Role
from directory.models import Organisation
from directory.vocabularies import SupportDomain
from support.vocabularies import (
    ENDED_STATES,
    HELD_STATES,
    ContactKind,
    HoldReason,
    InterruptionReason,
    Outcome,
    ReleaseReason,
    TrackState,
)

T = TrackState


@guard(_("L'orientation n'est pas en cours d'accompagnement (suspendue ou terminée)."))
def referral_in_support(track) -> bool:
    # The referral's own rule (referrals.models.Referral.is_working): this app does not
    # import the referrals app; the foreign key names it by its label.
    return track.referral.is_working


def holder_or(*roles):
    """django-fsm-2 ``permission=``: the member who holds the track, or one of ``roles``."""

    def check(track, user) -> bool:
        holds = track.holder_id is not None and track.holder_id == getattr(user, "pk", None)
        return (holds and has_role(user, Role.MEMBER)) or has_role(user, *roles)

    return check


# --- the overdue rules (design §5): one definition, used by pages, reminders, monitoring ---
def take_overdue(today) -> Q:
    """Open in its domain's queue after the date by which it should have been taken."""
    return Q(state=T.OPEN, take_due_on__lt=today)


def first_contact_overdue(today) -> Q:
    """Taken, but no first contact recorded by its due date."""
    return Q(state=T.ASSIGNED, first_contact_due_on__lt=today)


class TrackQuerySet(models.QuerySet):
    def running(self):
        """Tracks that have not ended (open, assigned, active, on hold)."""
        return self.exclude(state__in=ENDED_STATES)

    def ended(self):
        return self.filter(state__in=ENDED_STATES)

    def held(self):
        """Tracks a member holds now (assigned, active, on hold): what capacity counts."""
        return self.filter(state__in=HELD_STATES)

    def overdue(self, today):
        """Tracks late to be taken or to get their first contact on ``today``."""
        return self.filter(take_overdue(today) | first_contact_overdue(today))


class SupportTrack(CachedChoiceLabelsMixin, ConcurrentTransitionMixin, models.Model):
    referral = models.ForeignKey(
        "referrals.Referral",
        on_delete=models.PROTECT,
        related_name="tracks",
        verbose_name=_("orientation"),
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

    objects = TrackQuerySet.as_manager()

    class Meta:
        ordering = ["opened_at", "id"]
        verbose_name = _("accompagnement")
        verbose_name_plural = _("accompagnements")
        indexes = [
            models.Index(fields=["state", "domain"], name="track_state_domain"),
            models.Index(fields=["holder", "state"], name="track_holder_state"),
            # What each member holds now (capacity, the assignment form's order): the
            # count reads the held tracks only, not every track they ever ended.
            models.Index(
                fields=["holder"],
                condition=models.Q(state__in=["assigned", "active", "on_hold"]),
                name="track_held_holder",
            ),
            models.Index(fields=["state", "referral"], name="track_state_referral"),
            # Overdue steps (coordinator's workspace, reminders): open past the take date,
            # assigned past the first-contact date.
            models.Index(
                fields=["take_due_on", "id"],
                condition=models.Q(state="open"),
                name="track_open_take_due",
            ),
            models.Index(
                fields=["first_contact_due_on", "id"],
                condition=models.Q(state="assigned"),
                name="track_assigned_contact_due",
            ),
            # The member's queue: open tracks in opening order (a few per cent of the table).
            models.Index(
                fields=["opened_at", "id"],
                condition=models.Q(state="open"),
                name="track_open_opened",
            ),
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
        permission=transition_permission(Role.MEMBER),
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
        permission=transition_permission(Role.COORDINATOR),
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
        permission=transition_permission(Role.COORDINATOR),
        custom={"label": _("Réattribuer"), "roles": (Role.COORDINATOR,)},
    )
    def reassign(self, member, organisation):
        self.holder, self.organisation = member, organisation

    @transition(
        field=state,
        source=T.ASSIGNED,
        target=T.OPEN,
        permission=holder_or(Role.COORDINATOR),
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
        permission=holder_or(),
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
        permission=holder_or(),
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
        permission=holder_or(Role.COORDINATOR),
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
        permission=holder_or(Role.COORDINATOR),
        custom={"label": _("Reprendre"), "roles": (Role.MEMBER, Role.COORDINATOR)},
    )
    def resume(self):
        self.hold_reason = ""
        self._moved()

    @transition(
        field=state,
        source=T.ACTIVE,
        target=T.COMPLETED,
        permission=holder_or(),
        custom={"label": _("Terminer avec une issue"), "roles": (Role.MEMBER,), "code": Outcome},
    )
    def complete(self, outcome):
        self.outcome = outcome
        self._moved()

    @transition(
        field=state,
        source=[T.OPEN, T.ASSIGNED, T.ACTIVE, T.ON_HOLD],
        target=T.INTERRUPTED,
        permission=holder_or(Role.COORDINATOR, Role.CELL_LIAISON),
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


class Contact(CachedChoiceLabelsMixin, models.Model):
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
