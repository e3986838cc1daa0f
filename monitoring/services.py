"""Every write of the monitoring app: territorial indicators (coordinator) and the releases of
the strategic group's indicators (coordinator or scheduled command)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from audit.vocabularies import AuditAction, AuditRole, ObjectType
from core.access import has_role
from core.errors import ApplicationError
from core.roles import Role
from monitoring import disclosure, selectors
from monitoring.models import (
    IndicatorLedger,
    IndicatorRelease,
    ReleaseTrigger,
    TerritorialIndicator,
)
from monitoring.periods import FIRST_YEAR, Period, PeriodError, PeriodKind, parse_period
from monitoring.populations import POPULATIONS
from monitoring.vocabularies import (
    INDICATOR_KINDS,
    KIND_CHOICES,
    MAX_COUNT,
    TerritorialIndicatorCode,
    ValueKind,
)

TRANSITION = "set_indicator"


def _period(period) -> Period:
    try:
        return period if isinstance(period, Period) else parse_period(period)
    except PeriodError as exc:
        raise ApplicationError(str(exc), field="period") from exc


def _fields_for(indicator: str, value) -> dict:
    """The answer/count columns for ``value``, checked against the indicator's kind."""
    kind = INDICATOR_KINDS[indicator]
    label = TerritorialIndicatorCode(indicator).label
    if kind == ValueKind.COUNT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ApplicationError(
                _("« %(indicator)s » : indiquez un nombre entier.") % {"indicator": label},
                field=indicator,
            )
        if not 0 <= value <= MAX_COUNT:
            raise ApplicationError(
                _("« %(indicator)s » : le nombre doit être compris entre 0 et %(max)s.")
                % {"indicator": label, "max": MAX_COUNT},
                field=indicator,
            )
        return {"answer": "", "count": value}
    vocabulary = KIND_CHOICES[kind]
    if not isinstance(value, str) or value not in vocabulary.values:
        raise ApplicationError(
            _("« %(indicator)s » : choisissez une réponse dans la liste (%(choices)s).")
            % {"indicator": label, "choices": ", ".join(str(c.label) for c in vocabulary)},
            field=indicator,
        )
    return {"answer": value, "count": None}


@transaction.atomic
def territorial_indicator_set(
    *, actor, period, indicator: str, value: int | str
) -> TerritorialIndicator:
    """Enter (or correct) a territorial indicator of a period: coordinator only.

    Creates the row the first time, updates it afterwards (never a duplicate: one row per
    period and indicator, enforced by the database), and writes one audit event in the same
    transaction (``create`` or ``update``, transition ``set_indicator``, code = the indicator).
    Periods that have not started are refused. Raises ApplicationError (French) and changes
    nothing on refusal.
    """
    if not has_role(actor, Role.COORDINATOR):
        raise ApplicationError(
            _("Seul le coordinateur saisit les indicateurs territoriaux."), code="forbidden"
        )
    period = _period(period)
    if not period.has_started():
        raise ApplicationError(_("Cette période n'a pas encore commencé."), field="period")
    if indicator not in TerritorialIndicatorCode.values:
        raise ApplicationError(_("Indicateur inconnu."), field="indicator")
    fields = _fields_for(indicator, value)
    key = {"period_kind": period.kind, "period_start": period.start, "indicator": indicator}
    fields.update(entered_by=actor, entered_at=timezone.now())

    row = TerritorialIndicator.objects.select_for_update().filter(**key).first()
    action = AuditAction.UPDATE
    if row is None:
        try:
            with transaction.atomic():  # a concurrent first entry may win the race
                row = TerritorialIndicator.objects.create(**key, **fields)
            action = AuditAction.CREATE
        except IntegrityError:
            row = TerritorialIndicator.objects.select_for_update().get(**key)
    if action == AuditAction.UPDATE:
        for name, field_value in fields.items():
            setattr(row, name, field_value)
        row.save(update_fields=list(fields))
    audit_record(
        actor=actor,
        role=Role.COORDINATOR,
        action=action,
        object_type=ObjectType.TERRITORIAL_INDICATOR,
        object_id=row.pk,
        transition=TRANSITION,
        code=indicator,
    )
    return row


@transaction.atomic
def territorial_indicators_set(*, actor, period, values: dict) -> int:
    """Enter the territorial indicators of one period as one batch: ``values`` maps
    indicator codes to values (``None`` or ``""``: left blank, unchanged). Values equal to
    what is stored are skipped.

    One transaction: every indicator is written (and audited) or none is; a refusal names the
    indicator (``ApplicationError.field``). Returns the number of indicators written.
    """
    period = _period(period)
    stored = {
        row.indicator: row.value
        for row in TerritorialIndicator.objects.filter(
            period_kind=period.kind, period_start=period.start
        )
    }
    written = 0
    for indicator, value in values.items():
        if value in (None, "") or stored.get(indicator) == value:
            continue
        territorial_indicator_set(actor=actor, period=period, indicator=indicator, value=value)
        written += 1
    return written


def audit_record_table_export(
    *, actor, role: str, object_type: str, table: str, object_id: int | None = None
):
    """Record a CSV export of a monitoring or indicators table (``all``: every table of the
    page): action ``export``, the object type (``monitoring_table`` for the delegates'
    dashboard, ``indicator_release`` with the release id for the strategic group's
    indicators) and the table as code. Committed before the file is sent."""
    return audit_record(
        actor=actor,
        role=role,
        action=AuditAction.EXPORT,
        object_type=object_type,
        object_id=object_id,
        code=table.replace("-", "_"),
    )


# --- releases of the strategic group's indicators -------------------------------------------
PUBLISH = "publish"
MIN_THRESHOLD = 3
CORRECT = "correct"
_KIND_LETTER = {PeriodKind.QUARTER: "q", PeriodKind.SEMESTER: "s"}


def release_code(period: Period) -> str:
    """The period as an audit code (``2026_q3``, ``2026_s1``, ``2026``)."""
    letter = _KIND_LETTER.get(period.kind)
    return f"{period.start.year}_{letter}{period.number}" if letter else str(period.start.year)


def _period_of(kind: str, number: int, year: int) -> Period:
    months = {"quarter": 3, "semester": 6, "year": 12}[kind]
    return Period(kind, date(year, months * (number - 1) + 1, 1))


@dataclass
class PublicationReport:
    """What a publication run did: the releases written, and the corrections withheld
    (``(year, population code)``: live counts changed in a way that is not safe to publish)."""

    released: list[IndicatorRelease] = field(default_factory=list)
    withheld: list[tuple[int, str]] = field(default_factory=list)


def _release(*, actor, period: Period, figures: dict, ledger: IndicatorLedger, trigger: str):
    previous = selectors.release_latest(period)
    if previous is not None and previous.figures == figures:
        return None
    release = IndicatorRelease.objects.create(
        period_kind=period.kind,
        period_start=period.start,
        version=(previous.version + 1) if previous else 1,
        released_at=ledger.created_at,
        released_by=actor if trigger == ReleaseTrigger.COORDINATOR else None,
        trigger=trigger,
        threshold=ledger.threshold,
        ledger=ledger,
        figures=figures,
    )
    audit_record(
        actor=actor if trigger == ReleaseTrigger.COORDINATOR else None,
        role=Role.COORDINATOR if trigger == ReleaseTrigger.COORDINATOR else AuditRole.SYSTEM,
        action=AuditAction.CREATE,
        object_type=ObjectType.INDICATOR_RELEASE,
        object_id=release.pk,
        transition=PUBLISH if release.version == 1 else CORRECT,
        code=release_code(period),
    )
    return release


def _publish_year(*, actor, year: int, today: date, trigger: str, report: PublicationReport):
    current = selectors.ledger_latest(year, lock=True)
    k = current.threshold if current else settings.RELAIS_SUPPRESSION_THRESHOLD
    if current:
        state = current.state
    else:  # the year's first release fixes its grain, from the previous year only
        grain = disclosure.choose_grain(
            selectors.received_in_year(year - 1),
            quarter_floor=settings.RELAIS_INDICATORS_QUARTER_FLOOR,
            semester_floor=settings.RELAIS_INDICATORS_SEMESTER_FLOOR,
        )
        state = disclosure.empty_year(POPULATIONS, grain)
    ended = [q for q in disclosure.QUARTERS if _period_of("quarter", q, year).end < today]
    if not ended:
        return
    event = (current.seq + 1) if current else 1
    step = disclosure.advance_year(
        state, POPULATIONS, selectors.quarter_counts(year), last_ended=max(ended), k=k, event=event
    )
    report.withheld += [(year, code) for code in step.withheld]
    if not step.changed:
        return
    try:
        with transaction.atomic():
            ledger = IndicatorLedger.objects.create(
                year=year, seq=event, created_at=timezone.now(), threshold=k, state=step.state
            )
    except IntegrityError as exc:
        raise ApplicationError(
            _("Une autre publication des indicateurs est en cours : réessayez dans un instant."),
            code="conflict",
        ) from exc
    for kind, number in step.periods:
        release = _release(
            actor=actor,
            period=_period_of(kind, number, year),
            figures=disclosure.year_figures(step.state, POPULATIONS, (kind, number), k=k),
            ledger=ledger,
            trigger=trigger,
        )
        if release is not None:
            report.released.append(release)


@transaction.atomic
def indicator_releases_publish(
    *, actor=None, trigger: str, today: date | None = None, years=None
) -> PublicationReport:
    """Publish the strategic group's indicators of every ended quarter not yet released, with
    the semesters and years that end with it, and re-examine late corrections.

    ``years``: the years to publish (default: this year and the previous one). Quarters are
    released in order; each release stores the figures exactly as shown (frozen, append-only)
    and writes one audit event (``create``, ``indicator_release``, ``publish`` or ``correct``,
    code = the period). A correction becomes a new version of every period it changes only
    when ``monitoring.disclosure.correct`` finds it safe; otherwise it is listed in the report
    as withheld and nothing of it is published. ``trigger`` is ``coordinator`` (``actor``
    must be one) or ``command`` (no actor). All or nothing: one transaction.
    """
    if trigger == ReleaseTrigger.COORDINATOR:
        if not has_role(actor, Role.COORDINATOR):
            raise ApplicationError(
                _("Seul le coordinateur publie les indicateurs."), code="forbidden"
            )
    elif trigger == ReleaseTrigger.COMMAND:
        actor = None
    else:
        raise ApplicationError(_("Origine de publication inconnue."))
    if settings.RELAIS_SUPPRESSION_THRESHOLD < MIN_THRESHOLD:
        # With k = 2, "not published" would mean "exactly 1": the band must hold 2 values.
        raise ApplicationError(
            _("Le seuil du secret statistique doit être au moins %(min)s.") % {"min": MIN_THRESHOLD}
        )
    today = today or timezone.localdate()
    years = sorted(set(years or (today.year - 1, today.year)))
    for year in years:
        if isinstance(year, bool) or not isinstance(year, int):
            raise ApplicationError(_("Année invalide."), field="year")
        if not FIRST_YEAR <= year <= today.year:
            raise ApplicationError(
                _("Année hors limites : choisissez entre %(first)s et %(last)s.")
                % {"first": FIRST_YEAR, "last": today.year},
                field="year",
            )
    report = PublicationReport()
    for year in years:
        _publish_year(actor=actor, year=year, today=today, trigger=trigger, report=report)
    return report
