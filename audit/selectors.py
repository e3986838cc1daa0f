"""Reading the audit log for the auditors' workspace. Nothing here writes.

Lists use keyset pagination on the sequence number (``before``/``after`` cursors, one query per
page, never a COUNT over the table), so page 1 and page 10,000 cost the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit import chain, labels
from audit.models import AuditCheckpoint, AuditEvent, AuditVerification, ChainHead
from audit.vocabularies import AuditAction

PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 100


@dataclass(frozen=True)
class EventFilter:
    since: date | None = None
    until: date | None = None
    actor: str | None = None
    role: str | None = None
    action: str | None = None
    object_type: str | None = None
    reference: str | None = None
    transition: str | None = None
    code: str | None = None


@dataclass
class Page:
    """One page of a keyset-paginated list: ``older``/``newer`` are the cursors of the
    neighbouring pages (None when there is none)."""

    items: list
    older: int | None = None  # ?before=<older>
    newer: int | None = None  # ?after=<newer>
    extra: dict = field(default_factory=dict)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def chain_head() -> tuple[int, str]:
    """The head of the chain now: (last sequence number, its hash)."""
    return ChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (
        0,
        chain.GENESIS_HASH,
    )


def events(filters: EventFilter, *, up_to_seq: int | None = None):
    """The events matching ``filters`` (unordered queryset)."""
    qs = AuditEvent.objects.all()
    if filters.since:
        qs = qs.filter(occurred_at__gte=_day_start(filters.since))
    if filters.until:
        qs = qs.filter(occurred_at__lt=_day_start(filters.until + timedelta(days=1)))
    if filters.actor:
        qs = qs.filter(actor_username=filters.actor)
    for name in ("role", "action", "object_type", "reference", "transition", "code"):
        value = getattr(filters, name)
        if value:
            qs = qs.filter(**{name: value})
    if up_to_seq is not None:
        qs = qs.filter(seq__lte=up_to_seq)
    return qs


def _keyset(qs, *, key: str, before: int | None, after: int | None, size: int) -> Page:
    """Newest first. ``before``: the page of items older than that key; ``after``: the page
    of items just newer than that key; neither: the newest page."""
    if after is not None and before is None:
        items = list(qs.filter(**{f"{key}__gt": after}).order_by(key)[: size + 1])
        has_newer = len(items) > size
        items = items[:size][::-1]
        return Page(
            items,
            older=getattr(items[-1], key) if items else None,
            newer=getattr(items[0], key) if items and has_newer else None,
        )
    if before is not None:
        qs = qs.filter(**{f"{key}__lt": before})
    items = list(qs.order_by(f"-{key}")[: size + 1])
    has_older = len(items) > size
    items = items[:size]
    return Page(
        items,
        older=getattr(items[-1], key) if items and has_older else None,
        newer=getattr(items[0], key) if items and before is not None else None,
    )


def event_page(
    filters: EventFilter, *, before: int | None = None, after: int | None = None, size=PAGE_SIZE
) -> Page:
    page = _keyset(events(filters), key="seq", before=before, after=after, size=size)
    labels.resolve_values(page.items)
    return page


def reference_timeline(reference: str, *, after: int | None = None, size=TIMELINE_PAGE_SIZE):
    """Every event about one reference (the referral and its tracks), oldest first."""
    qs = AuditEvent.objects.filter(reference=reference)
    if after is not None:
        qs = qs.filter(seq__gt=after)
    items = list(qs.order_by("seq")[: size + 1])
    more = len(items) > size
    items = items[:size]
    labels.resolve_values(items)
    return Page(items, older=None, newer=items[-1].seq if items and more else None)


@dataclass(frozen=True)
class EventCheck:
    hash_ok: bool
    link_ok: bool | None  # None: no previous event to compare with (first event or missing)


def event_with_check(seq: int) -> tuple[AuditEvent, EventCheck] | None:
    """One event and a local check: its hash against its content, its link to the previous
    event. (Only the full verification proves the whole chain.)"""
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        return None
    values = {name: getattr(event, name) for name in chain.FIELDS}
    hash_ok = chain.compute_hash(values) == event.hash
    if seq == 1:
        link_ok = event.prev_hash == chain.GENESIS_HASH
    else:
        prev = AuditEvent.objects.filter(seq=seq - 1).values_list("hash", flat=True).first()
        link_ok = None if prev is None else prev == event.prev_hash
    return event, EventCheck(hash_ok, link_ok)


@dataclass(frozen=True)
class ChainStatus:
    head_seq: int
    head_hash: str
    last_verification: AuditVerification | None
    checkpoints: list


def chain_status(*, checkpoints: int = 10) -> ChainStatus:
    head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (
        0,
        chain.GENESIS_HASH,
    )
    return ChainStatus(
        head_seq=head[0],
        head_hash=head[1],
        last_verification=AuditVerification.objects.order_by("-id").first(),
        checkpoints=list(AuditCheckpoint.objects.order_by("-id")[:checkpoints]),
    )


# --- django-auditlog history of reference data ------------------------------------------------


@dataclass(frozen=True)
class HistoryFilter:
    content_type_id: int | None = None
    object_id: int | None = None
    action: int | None = None


def history_content_types() -> dict[str, ContentType]:
    """The models django-auditlog records, as {"app_label.model": ContentType} (cached)."""
    models = sorted(auditlog.get_models(), key=lambda m: m._meta.label_lower)
    by_model = ContentType.objects.get_for_models(*models)
    return {model._meta.label_lower: by_model[model] for model in models}


def history_page(
    filters: HistoryFilter, *, before: int | None = None, after: int | None = None, size=PAGE_SIZE
) -> Page:
    registered = [ct.pk for ct in history_content_types().values()]
    qs = LogEntry.objects.filter(content_type_id__in=registered).select_related(
        "content_type", "actor"
    )
    if filters.content_type_id:
        qs = qs.filter(content_type_id=filters.content_type_id)
    if filters.object_id:
        qs = qs.filter(object_id=filters.object_id)
    if filters.action is not None:
        qs = qs.filter(action=filters.action)
    page = _keyset(qs, key="id", before=before, after=after, size=size)
    page.items = [
        HistoryRow(
            entry=entry,
            type_label=_model_label(entry.content_type),
            action_label=str(HISTORY_ACTIONS.get(entry.action, entry.action)),
            changes=describe_changes(entry),
        )
        for entry in page.items
    ]
    return page


HISTORY_ACTIONS = {
    LogEntry.Action.CREATE: _("Création"),
    LogEntry.Action.UPDATE: _("Modification"),
    LogEntry.Action.DELETE: _("Suppression"),
    LogEntry.Action.ACCESS: _("Consultation"),
}


@dataclass(frozen=True)
class HistoryRow:
    entry: LogEntry
    type_label: str
    action_label: str
    changes: list


def _model_label(content_type) -> str:
    model = content_type.model_class()
    return str(model._meta.verbose_name).capitalize() if model else content_type.model


M2M_OPERATIONS = {"add": _("ajout"), "delete": _("retrait"), "clear": _("vidage")}


def describe_changes(entry) -> list[tuple[str, str]]:
    """The changed fields of a LogEntry as (field label, "old → new") pairs, for display.
    Masked fields (passwords) arrive already masked from django-auditlog."""
    changes = entry.changes or {}
    if isinstance(changes, str):
        try:
            changes = json.loads(changes)
        except ValueError:
            return []
    model = entry.content_type.model_class() if entry.content_type_id else None
    described = []
    for name, value in changes.items():
        label = name
        if model is not None:
            try:
                label = str(getattr(model._meta.get_field(name), "verbose_name", name))
            except FieldDoesNotExist:  # a field removed since: show its name
                label = name
        if isinstance(value, dict) and value.get("type") == "m2m":
            objects = ", ".join(str(o) for o in value.get("objects", []))
            operation = M2M_OPERATIONS.get(value.get("operation"), value.get("operation", ""))
            text = f"{operation} : {objects}"
        elif isinstance(value, list | tuple) and len(value) == 2:
            if _show(value[0]) == _show(value[1]):
                continue  # e.g. a reverse relation's manager, "∅ → ∅": nothing changed
            text = f"{_show(value[0])} → {_show(value[1])}"
        else:
            text = _show(value)
        described.append((label, text))
    return described


_RELATED_MANAGER = re.compile(r"\w+\.\w+\.None")


def _show(value) -> str:
    # django-auditlog stores values as text ("True", "None"): show them in French.
    if value in (None, "", "None") or _RELATED_MANAGER.fullmatch(str(value)):
        # django-auditlog writes a related manager as "app.Model.None": no value to show.
        return "∅"
    if value in (True, "True"):
        return str(_("oui"))
    if value in (False, "False"):
        return str(_("non"))
    return str(value)


CASE_HISTORY_ACTIONS = (AuditAction.TRANSITION, AuditAction.CREATE, AuditAction.UPDATE)


def case_history(reference: str, *, limit: int = 200) -> list[AuditEvent]:
    """The coded history of one case from the audit chain: every transition, creation and
    coded update of the referral and its tracks (not the consultations or exports), oldest
    first, at most ``limit`` events. One query."""
    return list(
        AuditEvent.objects.filter(reference=reference, action__in=CASE_HISTORY_ACTIONS).order_by(
            "seq"
        )[:limit]
    )
