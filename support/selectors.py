"""Reads on support tracks."""

from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
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
        .annotate(n=Count("*"))  # index-only: the (holder, state) index suffices
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


@dataclass(frozen=True)
class EligibleMember:
    """A member who could hold a track now, as the assignment form shows them."""

    pk: int
    username: str
    first_name: str
    last_name: str
    organisation: str
    held: int
    capacity: int

    def get_username(self) -> str:
        return self.username

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


SEARCH_MAX_LENGTH = 100
SEARCH_MAX_TERMS = 5


def member_search_terms(text: str | None) -> list[str]:
    """The words of a member search (at most ``SEARCH_MAX_TERMS``, of a bounded text)."""
    return (text or "")[:SEARCH_MAX_LENGTH].split()[:SEARCH_MAX_TERMS]


def _eligible_part(track, *, limit: int, terms, using: str) -> tuple[str, list]:
    """SQL of the members who could hold ``track`` now, least loaded first, at most ``limit``:
    active profiles of active members declaring the domain, its holder excluded, each with
    its held tracks counted on the ``(holder, state)`` index, those with room only."""
    members = profiles_with_held().filter(
        domains__contains=track.domain,  # sorted CSV codes, none inside another
        active=True,
        user__is_active=True,
        user__groups__name=Role.MEMBER,
    )
    if track.holder_id is not None:
        members = members.exclude(user_id=track.holder_id)
    for term in terms:
        members = members.filter(
            Q(user__username__icontains=term)
            | Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
            | Q(organisation__name__icontains=term)
        )
    candidates = members.order_by().values(
        "capacity",
        "held",
        member_id=F("user_id"),
        member_username=F("user__username"),
        member_first_name=F("user__first_name"),
        member_last_name=F("user__last_name"),
        member_organisation=F("organisation__name"),
        for_track=Value(track.pk, output_field=IntegerField()),
    )
    sql, params = candidates.query.get_compiler(using).as_sql()
    # Room, order and bound around the SELECT: each candidate's tracks are counted once,
    # the ``limit`` least loaded kept (a top-N sort), nothing more returned.
    return (
        f"SELECT * FROM ({sql}) AS c WHERE c.held < c.capacity"  # noqa: S608 — ORM SQL
        " ORDER BY c.held, c.member_username LIMIT %s",
        [*params, limit],
    )


_ELIGIBLE_COLUMNS = (
    "capacity",
    "held",
    "member_id",
    "member_username",
    "member_first_name",
    "member_last_name",
    "member_organisation",
    "for_track",
)


def members_eligible(*, tracks, limit: int, searches=None) -> dict[int, list[EligibleMember]]:
    """For each track, at most ``limit`` members who could hold it now (the rules of
    ``member_refusal``, in SQL), the least loaded first (held tracks, then username), its
    current holder excluded. With ``searches[track.pk]`` (a text), only the members whose
    username, name or organisation contains each of its words.

    One query whatever the number of tracks and of members: a ``UNION ALL`` of one bounded
    ``SELECT`` per track; each reads the profiles of its domain and returns ``limit`` rows at
    most (the page no longer renders every member of a domain)."""
    tracks = list(tracks)
    result: dict[int, list[EligibleMember]] = {track.pk: [] for track in tracks}
    if not tracks or limit < 1:
        return result
    searches = searches or {}
    using = router.db_for_read(MemberProfile)
    parts = [
        _eligible_part(
            track, limit=limit, terms=member_search_terms(searches.get(track.pk)), using=using
        )
        for track in tracks
    ]
    params = [param for _part, part_params in parts for param in part_params]
    columns = ", ".join(f"p.{column}" for column in _ELIGIBLE_COLUMNS)
    # Each part wrapped once more: SQLite refuses ORDER BY/LIMIT in a compound's member.
    # The text is the ORM's and constant column names; every value is a bound parameter.
    sql = " UNION ALL ".join(
        f"SELECT {columns} FROM ({part}) AS p"  # noqa: S608
        for part, _params in parts
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for capacity, held, pk, username, first, last, organisation, track_pk in rows:
        result[track_pk].append(
            EligibleMember(
                pk=pk,
                username=username,
                first_name=first or "",
                last_name=last or "",
                organisation=organisation or "",
                held=held,
                capacity=capacity,
            )
        )
    for members in result.values():  # UNION ALL keeps no order: each part's order again
        members.sort(key=lambda member: (member.held, member.username))
    return result
