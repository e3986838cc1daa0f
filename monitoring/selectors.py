"""Read-only aggregates over referrals, support tracks and the audit chain.

Every function runs a fixed number of queries (one, unless said otherwise) whatever the amount
of data: counting, grouping and the percentiles of time spent in each state are computed by
the database. Python only reshapes the handful of aggregated rows that come back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone

from directory.models import Commune
from monitoring.disclosure import QUARTERS, empty_counts
from monitoring.models import IndicatorLedger, IndicatorRelease, TerritorialIndicator
from monitoring.periods import Period, PeriodKind
from monitoring.populations import (
    CLOSED,
    INTERRUPTED,
    POPULATIONS,
    RECEIVED,
    RECEIVED_TABLES,
    TRACKS_ENDED,
)
from referrals.models import Referral, review_overdue, triage_overdue
from referrals.stays import PG_HOURS
from referrals.vocabularies import (
    ReferralState,
)
from support.models import SupportTrack, first_contact_overdue, take_overdue
from support.vocabularies import ENDED_STATES, TrackState

R = ReferralState
T = TrackState


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters. ``period`` restricts to referrals *received* in the period
    (a cohort); ``commune`` is an INSEE code; ``domain`` a support domain code."""

    period: Period | None = None
    commune: str = ""
    domain: str = ""


def commune_choices() -> list[tuple[str, str]]:
    """(INSEE code, name) of the communes, by name (deactivated ones too: they may still
    have referrals)."""
    return list(Commune.objects.order_by("name").values_list("insee_code", "name"))


# --- cohorts -----------------------------------------------------------------------------
def referral_cohort(filters: Filters, *, with_period: bool = True) -> QuerySet[Referral]:
    """Referrals matching the filters. The domain matches a requested domain or a track."""
    referrals = Referral.objects.order_by()
    if with_period and filters.period is not None:
        referrals = referrals.filter(
            received_on__gte=filters.period.start, received_on__lt=filters.period.end_exclusive
        )
    if filters.commune:
        referrals = referrals.filter(commune__insee_code=filters.commune)
    if filters.domain:
        has_track = SupportTrack.objects.filter(referral=OuterRef("pk"), domain=filters.domain)
        # Codes are sorted CSV; no domain code is a substring of another.
        referrals = referrals.filter(
            Q(requested_domains__contains=filters.domain) | Q(Exists(has_track))
        )
    return referrals


def track_cohort(filters: Filters) -> QuerySet[SupportTrack]:
    """Tracks of the referrals matching the period and commune, in the filtered domain."""
    tracks = SupportTrack.objects.order_by()
    if filters.period is not None:
        tracks = tracks.filter(
            referral__received_on__gte=filters.period.start,
            referral__received_on__lt=filters.period.end_exclusive,
        )
    if filters.commune:
        tracks = tracks.filter(referral__commune__insee_code=filters.commune)
    if filters.domain:
        tracks = tracks.filter(domain=filters.domain)
    return tracks


# --- State delegates' dashboard ----------------------------------------------------------
def referrals_by_state(filters: Filters) -> dict[str, int]:
    return referral_counts(filters)[0]


def referrals_by_commune(filters: Filters) -> list[tuple[str, int]]:
    """(commune name, count) for the communes with at least one referral, largest first."""
    return referral_counts(filters)[1]


def referral_counts(filters: Filters) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """The cohort's counts by state and by commune (name, count; largest first) from one
    reading of the referrals: on PostgreSQL one ``GROUP BY GROUPING SETS ((state),
    (commune))`` (the dashboard read the table twice), then the names of those communes."""
    cohort = referral_cohort(filters).values("state", "commune_id")
    if connection.vendor == "postgresql":
        sql, params = cohort.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT state, commune_id, COUNT(*), GROUPING(state) "  # noqa: S608
                f"FROM ({sql}) cohort GROUP BY GROUPING SETS ((state), (commune_id))",
                params,
            )
            rows = cursor.fetchall()
        by_state = {state: n for state, _c, n, by_commune in rows if not by_commune}
        per_commune = {commune: n for _s, commune, n, by_commune in rows if by_commune}
    else:
        by_state, per_commune = {}, {}
        for row in cohort.annotate(n=Count("id")):
            by_state[row["state"]] = by_state.get(row["state"], 0) + row["n"]
            commune = row["commune_id"]
            per_commune[commune] = per_commune.get(commune, 0) + row["n"]
    names = dict(Commune.objects.filter(pk__in=per_commune).values_list("pk", "name"))
    by_commune = sorted(
        ((names[pk], n) for pk, n in per_commune.items()), key=lambda item: (-item[1], item[0])
    )
    return by_state, by_commune


def tracks_by_domain_and_state(filters: Filters) -> dict[tuple[str, str], int]:
    rows = track_cohort(filters).values("domain", "state").annotate(n=Count("id"))
    return {(row["domain"], row["state"]): row["n"] for row in rows}


OVERDUE_STEPS = ("triage", "take", "first_contact", "review")


def overdue_referrals(filters: Filters, today: date) -> dict[str, int]:
    """Referral steps past their due date: triage (received or in assessment after
    ``triage_due_on``) and review (in support after ``next_review_on``)."""
    # Two counts, each on its partial index (referral_triage_due, referral_review_due): a
    # FILTER over the whole cohort read every referral.
    cohort = referral_cohort(filters)
    return {
        "triage": cohort.filter(triage_overdue(today)).count(),
        "review": cohort.filter(review_overdue(today)).count(),
    }


def overdue_tracks_by_organisation(filters: Filters, today: date) -> list[tuple[str | None, dict]]:
    """Track steps past their due date, by the track's organisation (None: not taken yet):
    take (open after ``take_due_on``) and first contact (assigned after
    ``first_contact_due_on``). No member is named."""
    take, first_contact = take_overdue(today), first_contact_overdue(today)
    rows = (
        track_cohort(filters)
        .filter(take | first_contact)
        .values("organisation__name")
        .annotate(
            take=Count("id", filter=take),
            first_contact=Count("id", filter=first_contact),
        )
        .order_by(F("organisation__name").asc(nulls_first=True))
    )
    return [
        (row["organisation__name"], {"take": row["take"], "first_contact": row["first_contact"]})
        for row in rows
    ]


def month_starts(last_month: date, count: int = 12) -> list[date]:
    """The first days of ``count`` months ending with ``last_month``'s month, oldest first."""
    index = last_month.year * 12 + last_month.month - 1
    return [date((i) // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def monthly_flow(filters: Filters, months: list[date]) -> dict[str, dict[date, int]]:
    """Referrals received (by ``received_on``) and closed (state ``closed``, by the time of
    the closure) in each month of ``months``. Two queries."""
    first = months[0]
    index = months[-1].year * 12 + months[-1].month
    after_last = date(index // 12, index % 12 + 1, 1)
    cohort = referral_cohort(filters, with_period=False)
    received = (
        cohort.filter(received_on__gte=first, received_on__lt=after_last)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(n=Count("id"))
    )
    tz = timezone.get_current_timezone()
    closed = (
        cohort.filter(
            state=R.CLOSED,
            state_changed_at__gte=datetime.combine(first, datetime.min.time(), tzinfo=tz),
            state_changed_at__lt=datetime.combine(after_last, datetime.min.time(), tzinfo=tz),
        )
        .annotate(month=TruncMonth("state_changed_at"))
        .values("month")
        .annotate(n=Count("id"))
    )

    def by_month(rows):
        counts = {month: 0 for month in months}
        for row in rows:
            month = row["month"]
            month = month.date() if isinstance(month, datetime) else month
            counts[month.replace(day=1)] = row["n"]
        return counts

    return {"received": by_month(received), "closed": by_month(closed)}


@dataclass(frozen=True)
class StateDurations:
    """Time spent in one referral state: number of stays, median and 90th percentile."""

    stays: int
    median: timedelta
    p90: timedelta


# Time in state, from durations stored when transitions happen (referrals.stays): finished
# stays are counted by whole hours (rounded up) in StayDurationBucket; open stays are the
# referrals' current stays, counted until now. Percentiles are read off the cumulative counts
# by the database, which returns at most three rows per state whatever the data.
_RANKS_SQL = """
WITH buckets AS (
    SELECT state, hours, CAST(SUM(n) AS BIGINT) AS n FROM ({buckets}) b GROUP BY state, hours
), ranked AS (
    SELECT state, hours, n,
           CAST(SUM(n) OVER (PARTITION BY state ORDER BY hours
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS BIGINT) AS upto,
           CAST(SUM(n) OVER (PARTITION BY state) AS BIGINT) AS total
    FROM buckets
)
SELECT state, hours, upto - n, upto, total FROM ranked
WHERE (upto - n < (total + 1) / 2 AND upto >= (total + 1) / 2)
   OR (upto - n < (total + 2) / 2 AND upto >= (total + 2) / 2)
   OR (upto - n < (9 * total + 9) / 10 AND upto >= (9 * total + 9) / 10)
ORDER BY state, hours
"""


def _hours_sql(end: str, start: str) -> str:
    """SQL for the whole hours, rounded up, from ``start`` to ``end`` (as
    ``referrals.stays.hours``)."""
    if connection.vendor == "postgresql":
        return PG_HOURS.format(interval=f"({end}) - {start}")
    # SQLite: Django's exact microsecond difference function.
    return f"((django_timestamp_diff({end}, {start}) + 3599999999) / 3600000000)"


def _stay_buckets(filters: Filters, now: datetime) -> tuple[str, list]:
    """SQL (state, hours, n) of every stay matching the filters, and its parameters."""
    now_sql = "%s::timestamptz" if connection.vendor == "postgresql" else "%s"
    now = connection.ops.adapt_datetimefield_value(now)  # SQLite: UTC text, as stored
    if filters == Filters():
        open_hours = _hours_sql(now_sql, "entered_at")
        sql = (
            "SELECT state, hours, stays AS n FROM referrals_staydurationbucket "
            f"UNION ALL SELECT state, {open_hours} AS hours, COUNT(*) AS n "
            "FROM referrals_referralstay WHERE left_at IS NULL "
            f"GROUP BY state, {open_hours}"
        )
        return sql, [now, now]
    cohort_sql, cohort_params = referral_cohort(filters).values("pk").query.sql_with_params()
    stay_hours = _hours_sql(f"COALESCE(left_at, {now_sql})", "entered_at")
    sql = (
        f"SELECT state, {stay_hours} AS hours, COUNT(*) AS n FROM referrals_referralstay "
        f"WHERE referral_id IN ({cohort_sql}) GROUP BY state, {stay_hours}"
    )
    return sql, [now, *cohort_params, now]


def time_in_state(filters: Filters, now: datetime | None = None) -> dict[str, StateDurations]:
    """Median and 90th percentile (nearest rank) of the time referrals spent in each
    non-terminal state, in whole hours rounded up, including the time open referrals have
    spent so far in their current state. The median of an even number of stays is the mean of
    the two middle ones. One query; unfiltered, it reads the stored duration counts and the
    open stays only."""
    now = now or timezone.now()
    buckets, params = _stay_buckets(filters, now)
    with connection.cursor() as cursor:
        cursor.execute(_RANKS_SQL.format(buckets=buckets), params)
        rows = cursor.fetchall()
    by_state: dict[str, list] = {}
    for state, hours, before, upto, total in rows:
        by_state.setdefault(state, []).append((int(before), int(upto), int(hours), int(total)))
    result = {}
    for state, spans in by_state.items():
        n = spans[0][3]

        def at(rank, spans=spans):
            return next(timedelta(hours=h) for low, high, h, _t in spans if low < rank <= high)

        result[state] = StateDurations(
            stays=n,
            median=(at((n + 1) // 2) + at((n + 2) // 2)) / 2,
            p90=at((9 * n + 9) // 10),
        )
    return result


DASHBOARD_SNAPSHOT_VERSION = 1


def dashboard_key(today: date) -> str:
    return f"relais:monitoring:dashboard:v{DASHBOARD_SNAPSHOT_VERSION}:{today.isoformat()}"


def dashboard_figures_compute(
    filters: Filters, *, today: date, now: datetime, months: list[date]
) -> dict:
    """Every figure of the State delegates' dashboard, from the database (nine queries,
    each reading the referrals or the tracks at most once)."""
    by_state, by_commune = referral_counts(filters)
    return {
        "by_state": by_state,
        "by_commune": by_commune,
        "tracks": tracks_by_domain_and_state(filters),
        "time_in_state": time_in_state(filters, now),
        "overdue_referrals": overdue_referrals(filters, today),
        "overdue_tracks": overdue_tracks_by_organisation(filters, today),
        "flow": monthly_flow(filters, months),
        "computed_at": now,
    }


def dashboard_figures(filters: Filters, *, today: date, now: datetime, months: list[date]):
    """The dashboard's figures. Unfiltered, and when ``RELAIS_DASHBOARD_SNAPSHOT_SECONDS`` is
    set, they come from a snapshot in the cache (shared by every application server when the
    cache is Redis), at most that many seconds old, refreshed by ``monitoring_snapshot`` (cron)
    or by the first request after it expired. Filtered views are always computed live."""
    seconds = getattr(settings, "RELAIS_DASHBOARD_SNAPSHOT_SECONDS", 0)
    if not seconds or filters != Filters():
        return dashboard_figures_compute(filters, today=today, now=now, months=months)
    return cache.get_or_set(
        dashboard_key(today),
        lambda: dashboard_figures_compute(filters, today=today, now=now, months=months),
        seconds,
    )


# --- Strategic group's indicators ----------------------------------------------------------
def quarter_counts(year: int) -> dict[str, dict[int, dict]]:
    """Exact counts of each quarter of ``year`` for the three populations of the indicators
    (``monitoring.populations``): ``{population: {quarter: {"total": n, table: {code: n}}}}``.

    Three queries whatever the data (conditional counts per quarter). Referrals are counted at
    their reception date, closures and track ends at the time of the state change.
    """
    quarters = [Period(PeriodKind.QUARTER, date(year, 3 * (q - 1) + 1, 1)) for q in QUARTERS]
    result: dict[str, dict[int, dict]] = {p.code: {} for p in POPULATIONS}

    received: dict[str, Count] = {}
    closed: dict[str, Count] = {}
    for q, period in zip(QUARTERS, quarters, strict=True):
        in_quarter = Q(received_on__gte=period.start, received_on__lt=period.end_exclusive)
        received[f"q{q}"] = Count("id", filter=in_quarter)
        for field, vocabulary in RECEIVED_TABLES.items():
            for code in vocabulary.values:
                received[f"q{q}__{field}__{code}"] = Count(
                    "id", filter=in_quarter & Q(**{field: code})
                )
        start, end = period.datetime_range()
        closed[f"q{q}"] = Count(
            "id", filter=Q(state=R.CLOSED, state_changed_at__gte=start, state_changed_at__lt=end)
        )
    year_start, year_end = Period(PeriodKind.YEAR, date(year, 1, 1)).datetime_range()
    values = Referral.objects.order_by().filter(received_on__year=year).aggregate(**received)
    closures = (
        Referral.objects.order_by()
        .filter(state=R.CLOSED, state_changed_at__gte=year_start, state_changed_at__lt=year_end)
        .aggregate(**closed)
    )
    track_counts: dict[str, Count] = {}
    for q, period in zip(QUARTERS, quarters, strict=True):
        start, end = period.datetime_range()
        track_counts[f"q{q}"] = Count(
            "id", filter=Q(state_changed_at__gte=start, state_changed_at__lt=end)
        )
    track_rows = (
        SupportTrack.objects.order_by()
        .filter(
            state__in=ENDED_STATES, state_changed_at__gte=year_start, state_changed_at__lt=year_end
        )
        .values("domain", "state", "outcome")
        .annotate(**track_counts)
    )
    track_rows = list(track_rows)
    for q in QUARTERS:
        counts = {"total": values[f"q{q}"]}
        for field, vocabulary in RECEIVED_TABLES.items():
            counts[field] = {code: values[f"q{q}__{field}__{code}"] for code in vocabulary.values}
        result[RECEIVED.code][q] = counts
        result[CLOSED.code][q] = {"total": closures[f"q{q}"]}
        tracks = empty_counts(TRACKS_ENDED)
        for row in track_rows:
            n = row[f"q{q}"]
            outcome = row["outcome"] if row["state"] == T.COMPLETED else INTERRUPTED
            tracks["total"] += n
            tracks["domain"][row["domain"]] += n
            tracks["outcome"][outcome] += n
        result[TRACKS_ENDED.code][q] = tracks
    return result


def received_in_year(year: int) -> int:
    """Referrals received during ``year`` (one query)."""
    return Referral.objects.filter(received_on__year=year).count()


def release_latest(period: Period) -> IndicatorRelease | None:
    """The latest version of the period's release, or None (one query)."""
    return (
        IndicatorRelease.objects.filter(period_kind=period.kind, period_start=period.start)
        .select_related("released_by")
        .order_by("-version")
        .first()
    )


def released_periods() -> list[Period]:
    """Every released period, latest end first (one query)."""
    rows = IndicatorRelease.objects.order_by().values_list("period_kind", "period_start").distinct()
    periods = [Period(kind, start) for kind, start in rows]
    return sorted(periods, key=lambda p: (p.end, p.start), reverse=True)


def quarters_awaiting_release(today: date | None = None) -> list[Period]:
    """The ended quarters of this year and the previous one not released yet (what the
    publication page's button would examine; one query), oldest first."""
    today = today or timezone.localdate()
    released = set(released_periods())
    pending = []
    for year in (today.year - 1, today.year):
        for q in QUARTERS:
            quarter = Period(PeriodKind.QUARTER, date(year, 3 * (q - 1) + 1, 1))
            if quarter.end < today and quarter not in released:
                pending.append(quarter)
    return pending


def releases(limit: int = 200) -> list[IndicatorRelease]:
    """The latest releases (every version), newest first, with who released them."""
    return list(
        IndicatorRelease.objects.select_related("released_by").order_by(
            "-released_at", "-period_start", "period_kind", "-version"
        )[:limit]
    )


def ledger_latest(year: int, *, lock: bool = False) -> IndicatorLedger | None:
    """The current ledger of ``year`` (``lock``: row-locked until the transaction ends)."""
    rows = IndicatorLedger.objects.filter(year=year).order_by("-seq")
    return (rows.select_for_update() if lock else rows).first()


def territorial_indicators(period: Period) -> dict[str, TerritorialIndicator]:
    rows = TerritorialIndicator.objects.filter(
        period_kind=period.kind, period_start=period.start
    ).select_related("entered_by")
    return {row.indicator: row for row in rows}
