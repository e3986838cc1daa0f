"""Writing to the audit chain. Every audited change calls ``audit_record`` in its transaction."""

from django.utils import timezone

from audit import chain, context
from audit.models import AuditEvent
from audit.vocabularies import AuditAction, AuditRole


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
        "client_ip": ctx.client_ip,
    }
    _validate(fields)
    return chain.append(fields)


def _validate(fields: dict) -> None:
    # The values end up hashed and can never be corrected: check them before writing.
    event = AuditEvent(seq=1, prev_hash=chain.GENESIS_HASH, hash=chain.GENESIS_HASH, **fields)
    event.full_clean(exclude=["actor", "seq"], validate_unique=False)


__all__ = ["AuditAction", "AuditRole", "audit_record"]
