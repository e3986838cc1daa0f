"""Writing to the audit chain. Every audited change calls ``audit_record`` in its transaction.

Besides ``audit_record`` (the one primitive), thin recorders for the events that are not state
transitions: logins and logouts, access to a case page, exports, administrative
changes; and the two writes of the auditors' workspace: a verification result and a checkpoint.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import chain, context
from audit.models import AuditCheckpoint, AuditEvent, AuditVerification, ChainHead
from audit.vocabularies import AuditAction, AuditRole, LoginFailure, ObjectType
from core.access import user_roles
from core.roles import Role

# The client IP is hashed as the column stores it: GenericIPAddressField writes an IPv4-mapped
# address in dotted form (``::ffff:192.0.2.10``) where Python's ipaddress prints hex groups
# (``::ffff:c000:20a``); hashing the other form broke the chain on SQLite.
_CLIENT_IP = AuditEvent._meta.get_field("client_ip")


def stored_ip(value: str | None) -> str | None:
    """``value`` in the form the audit table stores (None when empty)."""
    return _CLIENT_IP.get_prep_value(value) if value else None


def audit_record(
    *,
    actor,
    role: str,
    action: str,
    object_type: str,
    object_id: int | None = None,
    reference: str = "",
    transition: str = "",
    from_state: str = "",
    to_state: str = "",
    code: str = "",
    actor_username: str | None = None,
    together: tuple[str, list, str] | None = None,
) -> AuditEvent:
    """Append one event to the chain, with the current request's id and client IP.

    Guarantees: the event is hash-linked to the previous one and committed with the caller's
    transaction (or rolled back with it). No free text: every value is a code, a reference,
    a username or an identifier.
    """
    ctx = context.current()
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    fields = {
        "occurred_at": timezone.now(),
        "actor_id": actor.pk if authenticated else None,
        "actor_username": (
            actor_username
            if actor_username is not None
            else (actor.get_username() if authenticated else "")
        ),
        "role": str(role),
        "action": str(action),
        "object_type": str(object_type),
        "object_id": object_id,
        "reference": reference or "",
        "transition": str(transition or ""),
        "from_state": str(from_state or ""),
        "to_state": str(to_state or ""),
        "code": str(code or ""),
        "request_id": ctx.request_id,
        "client_ip": stored_ip(ctx.client_ip),
    }
    _validate(fields)
    if together is not None:  # the change it records, in the same statement (PostgreSQL)
        return chain.append(fields, together=together)
    return chain.append(fields)


# The rules of AuditEvent's fields (max lengths, choices, validators), checked without
# building a model instance: ``full_clean`` cost ~1.3 ms per event, more than the append.
# tests/audit/test_fast_validation.py keeps both in agreement.
_CODE = re.compile(r"^[a-z0-9_]*\Z")
_RULES = {
    "actor_username": (150, re.compile(r"^[\w.@+-]*\Z")),
    "reference": (40, re.compile(r"^[A-Z0-9-]*\Z")),
    "transition": (64, _CODE),
    "from_state": (32, _CODE),
    "to_state": (32, _CODE),
    "code": (64, _CODE),
    "request_id": (32, re.compile(r"^[0-9a-f]{0,32}\Z")),
}
_CHOICES = {
    "role": frozenset(AuditRole.values),
    "action": frozenset(AuditAction.values),
    "object_type": frozenset(ObjectType.values),
}


def _validate(fields: dict) -> None:
    """Refuse an event whose values break a rule of ``AuditEvent`` (the values end up hashed
    and can never be corrected): ValidationError, field by field, like ``full_clean``."""
    errors = {}
    for name, allowed in _CHOICES.items():
        if fields[name] not in allowed:
            errors[name] = [_("Valeur « %(value)s » invalide.") % {"value": fields[name]}]
    for name, (max_length, pattern) in _RULES.items():
        value = fields[name]
        if not isinstance(value, str) or len(value) > max_length or not pattern.match(value):
            errors[name] = [_("Valeur invalide.")]
    for name in ("actor_id", "object_id"):
        if fields[name] is not None and not isinstance(fields[name], int):
            errors[name] = [_("Identifiant invalide.")]
    if not isinstance(fields["occurred_at"], datetime):
        errors["occurred_at"] = [_("Date invalide.")]
    if fields["client_ip"] is not None:
        try:
            validate_ipv46_address(fields["client_ip"])
        except ValidationError as exc:
            errors["client_ip"] = exc.messages
    if errors:
        raise ValidationError(errors)


# --- sessions -------------------------------------------------------------------------------

_username_validator = UnicodeUsernameValidator()


def _valid_username(value) -> bool:
    if not isinstance(value, str) or not value or len(value) > 150:
        return False
    try:
        _username_validator(value)
    except ValidationError:
        return False
    return True


def recordable_username(value) -> str:
    """The username as the chain may record it: a username that fails today's validator
    (created before it) is not recorded (empty)."""
    return value if _valid_username(value) else ""


def session_role(user) -> str:
    """The role a session is recorded under: the user's first role (in the order of
    ``core.roles.Role``), else administrator for staff, else ``no_role``."""
    held = user_roles(user)
    for role in Role.values:
        if role in held:
            return role
    if getattr(user, "is_staff", False):
        return AuditRole.ADMINISTRATOR
    return AuditRole.NO_ROLE


def _session_event(*, user, action: str, code: str = "") -> AuditEvent:
    return audit_record(
        actor=user,
        role=session_role(user),
        action=action,
        object_type=ObjectType.SESSION,
        object_id=user.pk,
        code=code,
        actor_username=recordable_username(user.get_username()),
    )


def audit_record_login(*, user) -> AuditEvent:
    return _session_event(user=user, action=AuditAction.LOGIN)


def audit_record_logout(*, user) -> AuditEvent:
    return _session_event(user=user, action=AuditAction.LOGOUT)


def attempted_account(attempted_username) -> tuple[int | None, str]:
    """What a login attempt's username names: ``(account id, code)``. The code is
    ``bad_credentials`` for an existing account, else ``unknown_username`` (well-formed, no
    such account) or ``invalid_username`` (not a valid username at all). Callers record the
    username only with an account id: what people type in the username field is sometimes
    their password, and the chain can never be erased."""
    if not _valid_username(attempted_username):
        return None, LoginFailure.INVALID_USERNAME
    User = get_user_model()
    user_id = (
        User._default_manager.filter(**{User.USERNAME_FIELD: attempted_username})
        .values_list("pk", flat=True)
        .first()
    )
    if user_id is None:
        return None, LoginFailure.UNKNOWN_USERNAME
    return user_id, LoginFailure.BAD_CREDENTIALS


# --- case pages, exports, administration -----------------------------------------------------


def audit_record_access(*, actor, role: str, object_type: str, object_id, reference: str):
    """Record that ``actor`` (acting as ``role``) opened the page of a case object."""
    return audit_record(
        actor=actor,
        role=role,
        action=AuditAction.ACCESS,
        object_type=object_type,
        object_id=object_id,
        reference=reference,
    )


def audit_record_export(
    *, actor, role: str, export_format: str, up_to_seq: int, reference: str = ""
) -> AuditEvent:
    """Record an export of the audit log: its format (code), the last sequence number it
    covers (object id) and the reference it was limited to, if any."""
    return audit_record(
        actor=actor,
        role=role,
        action=AuditAction.EXPORT,
        object_type=ObjectType.AUDIT_LOG,
        object_id=up_to_seq,
        reference=reference,
        code=export_format,
    )


def audit_record_admin_change(
    *,
    actor,
    object_type: str,
    object_id: int | None,
    operation: str,
    code: str = "",
    from_state: str = "",
    to_state: str = "",
) -> AuditEvent:
    """Record an administrative change (Django admin): object ids and codes only."""
    return audit_record(
        actor=actor,
        role=AuditRole.ADMINISTRATOR,
        action=AuditAction.ADMIN_CHANGE,
        object_type=object_type,
        object_id=object_id,
        transition=operation,
        code=code,
        from_state=from_state,
        to_state=to_state,
    )


# --- verification and checkpoints -------------------------------------------------------------


def audit_verification_run(
    *,
    actor,
    role: str,
    checkpoints: Iterable[chain.Checkpoint] = (),
    engine: str = "auto",
    jobs: int = 1,
) -> AuditVerification:
    """Verify the chain up to its current head (and every checkpoint), store the result and
    write a ``verify`` event. The reading runs before the writing transaction, so events
    written meanwhile are simply not covered."""
    result = chain.verify(checkpoints=checkpoints, engine=engine, jobs=jobs)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        verification = AuditVerification(
            verified_at=timezone.now(),
            actor=actor if authenticated else None,
            actor_username=actor.get_username() if authenticated else "",
            role=str(role),
            ok=result.ok,
            event_count=result.count,
            head_seq=result.head_seq,
            head_hash=result.head_hash,
            checkpoint_count=result.checkpoint_count,
            broken_seq=result.broken_seq,
            reason=result.reason_code,
        )
        verification.full_clean(exclude=["actor"])
        _verification_insert(verification)
        audit_record(
            actor=actor,
            role=role,
            action=AuditAction.VERIFY,
            object_type=ObjectType.AUDIT_LOG,
            object_id=result.broken_seq if not result.ok else result.head_seq,
            code="ok" if result.ok else result.reason_code,
        )
    verification.result = result
    return verification


def audit_checkpoint_create(*, actor=None, role: str = AuditRole.SYSTEM) -> AuditCheckpoint:
    """Record the current head (seq, hash, time) as a checkpoint, then a ``checkpoint`` event
    (whose object id is the checkpointed sequence number), in one transaction."""
    with transaction.atomic():
        checkpoint = _checkpoint_insert(created_at=timezone.now())
        audit_record(
            actor=actor,
            role=role,
            action=AuditAction.CHECKPOINT,
            object_type=ObjectType.AUDIT_LOG,
            object_id=checkpoint.seq,
        )
    return checkpoint


# On PostgreSQL the application role has SELECT only on the audit tables: checkpoints and
# verification results are inserted by SECURITY DEFINER functions (migration 0006).


def _checkpoint_insert(*, created_at) -> AuditCheckpoint:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT checkpoint_id, checkpoint_seq, checkpoint_hash "
                "FROM relais_audit_checkpoint_insert(%s)",
                [created_at],
            )
            pk, seq, digest = cursor.fetchone()
        checkpoint = AuditCheckpoint(id=pk, seq=seq, hash=digest, created_at=created_at)
        checkpoint._state.adding = False
        checkpoint._state.db = connection.alias
        return checkpoint
    # SQLite: writers are serialised by the database lock, the head cannot move meanwhile.
    head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    seq, digest = head if head is not None else (0, chain.GENESIS_HASH)
    checkpoint = AuditCheckpoint(seq=seq, hash=digest, created_at=created_at)
    checkpoint.full_clean()
    checkpoint.save()
    return checkpoint


def _verification_insert(verification: AuditVerification) -> None:
    if connection.vendor != "postgresql":
        verification.save()
        return
    v = verification
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relais_audit_verification_insert(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                v.verified_at,
                v.actor_id,
                v.actor_username,
                v.role,
                v.ok,
                v.event_count,
                v.head_seq,
                v.head_hash,
                v.checkpoint_count,
                v.broken_seq,
                v.reason,
            ],
        )
        v.id = cursor.fetchone()[0]
    v._state.adding = False
    v._state.db = connection.alias


__all__ = [
    "AuditAction",
    "AuditRole",
    "audit_checkpoint_create",
    "audit_record",
    "audit_record_access",
    "audit_record_admin_change",
    "audit_record_export",
    "audit_record_login",
    "audit_record_logout",
    "audit_verification_run",
]
