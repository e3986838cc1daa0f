"""Every write of the monitoring app: territorial indicators, entered by the coordinator."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from audit.vocabularies import AuditAction, ObjectType
from core.access import has_role
from core.errors import ApplicationError
from core.roles import Role
from monitoring.models import TerritorialIndicator
from monitoring.periods import Period, PeriodError, parse_period
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
