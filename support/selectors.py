"""Reads on support tracks."""

from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from core.access import has_role
from core.roles import Role
from directory.models import MemberProfile
from support.models import SupportTrack
from support.vocabularies import HELD_STATES


def running_domains(*, referral) -> set[str]:
    """Domains of the referral's tracks that have not ended."""
    return set(
        SupportTrack.objects.filter(referral=referral).running().values_list("domain", flat=True)
    )


def held_track_count(*, member) -> int:
    """Tracks the member holds now (assigned, active or on hold): what capacity counts."""
    return SupportTrack.objects.filter(holder=member).held().count()


# --- capacity (design §3): one rule, used by taking, assigning, queues and eligibility ----
def profiles_with_held():
    """Member profiles, each annotated with ``held``: the tracks its member holds now (a count
    per profile from the ``(holder, state)`` index, not an aggregate over every track)."""
    held = (
        SupportTrack.objects.filter(holder=OuterRef("user_id"), state__in=HELD_STATES)
        .order_by()
        .values("holder")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return MemberProfile.objects.annotate(held=Coalesce(Subquery(held), 0))


def has_room(*, capacity: int, held: int) -> bool:
    """A member may hold one more track while they hold fewer than their capacity."""
    return held < capacity


def member_profile(member) -> MemberProfile | None:
    try:
        return MemberProfile.objects.select_related("organisation").get(user=member)
    except MemberProfile.DoesNotExist:
        return None


def member_refusal(
    *, profile: MemberProfile | None, domain: str, held: int, is_member: bool | None = None
) -> str | None:
    """Why this member may not hold a track of ``domain`` now (None when they may)."""
    if is_member is None and profile is not None:
        is_member = has_role(profile.user, Role.MEMBER)
    if profile is None or not profile.active or not profile.user.is_active or not is_member:
        return _("Ce membre n'a pas de profil actif dans le groupe opérationnel.")
    if domain not in profile.domains:
        return _("Ce domaine ne fait pas partie des compétences déclarées du membre.")
    if not has_room(capacity=profile.capacity, held=held):
        return _("Capacité atteinte : %(held)d accompagnement(s) en cours sur %(cap)d.") % {
            "held": held,
            "cap": profile.capacity,
        }
    return None


def members_eligible(*, tracks) -> dict[int, list]:
    """For each track, the members who could hold it now (the rules of ``member_refusal``),
    its current holder excluded. One query, whatever the number of tracks: only active
    profiles declaring one of the tracks' domains are read, each with its count of held tracks
    from the (holder, state) index — not an aggregate over every track."""
    domains = sorted({track.domain for track in tracks})
    if not domains:
        return {}
    declares = Q()
    for domain in domains:
        declares |= Q(domains__contains=domain)  # sorted CSV codes, none inside another
    profiles = list(
        profiles_with_held()
        .filter(declares, active=True, user__is_active=True, user__groups__name=Role.MEMBER)
        .select_related("user")
        .order_by("user__username")
    )
    return {
        track.pk: [
            profile.user
            for profile in profiles
            if profile.user_id != track.holder_id
            and member_refusal(
                profile=profile, domain=track.domain, held=profile.held, is_member=True
            )
            is None
        ]
        for track in tracks
    }
