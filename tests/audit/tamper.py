"""What an attacker holding the owner's credentials would do: drop the append-only triggers
inside the test's transaction (DDL is transactional on SQLite and PostgreSQL, so the rollback
at the end of the test restores them), then edit, delete, reorder or rewrite events.

When the suite runs as the restricted application role (DATABASE_OWNER_URL set), none of this
is allowed to it: ``as_owner`` switches the test's own connection to the owner for the rest of
the test's transaction (``SET LOCAL ROLE``; the test role is a NOINHERIT member of the owner in
test clusters only). A second connection would not see the test's uncommitted rows.
"""

from django.conf import settings
from django.db import connection

from audit import chain
from audit.models import AuditEvent, ChainHead

TRIGGERS = {
    "postgresql": {
        "audit_auditevent": ["audit_event_append_only"],
        "audit_auditcheckpoint": ["audit_auditcheckpoint_append_only"],
        "audit_auditverification": ["audit_auditverification_append_only"],
    },
    "sqlite": {
        "audit_auditevent": ["audit_event_no_update", "audit_event_no_delete"],
        "audit_auditcheckpoint": [
            "audit_auditcheckpoint_no_update",
            "audit_auditcheckpoint_no_delete",
        ],
        "audit_auditverification": [
            "audit_auditverification_no_update",
            "audit_auditverification_no_delete",
        ],
    },
}


def as_owner():
    """Act as the database owner until the end of the current transaction (PostgreSQL with
    two roles); a no-op otherwise (the connection already owns the tables)."""
    owner = settings.DATABASE_OWNER
    if connection.vendor == "postgresql" and owner is not None:
        from audit.dbroles import quote_ident

        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL ROLE {quote_ident(owner['USER'])}")


def drop_triggers(table="audit_auditevent"):
    as_owner()
    with connection.cursor() as cursor:
        for name in TRIGGERS[connection.vendor][table]:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER {name} ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER {name}")


def event_values(seq) -> dict:
    return AuditEvent.objects.filter(seq=seq).values(*chain.FIELDS, "hash").get()


def edit(seq, **changes):
    """Change fields of an event without touching its hash (triggers dropped first)."""
    AuditEvent.objects.filter(seq=seq).update(**changes)


def forge(seq, **changes):
    """Change fields and recompute that event's own hash (its successor still links to the
    old hash)."""
    values = event_values(seq)
    values.update(changes)
    values["hash"] = chain.compute_hash(values)
    AuditEvent.objects.filter(seq=seq).update(**{k: v for k, v in values.items() if k != "seq"})


def rewrite_from(seq, **changes):
    """The consistent rewrite: change an event, then recompute every hash and link after it
    and the head, so the chain verifies on its own."""
    forge(seq, **changes)
    last = ChainHead.objects.get(pk=1).seq
    prev = event_values(seq)["hash"]
    for later in range(seq + 1, last + 1):
        values = event_values(later)
        values["prev_hash"] = prev
        values["hash"] = chain.compute_hash(values)
        AuditEvent.objects.filter(seq=later).update(prev_hash=prev, hash=values["hash"])
        prev = values["hash"]
    ChainHead.objects.filter(pk=1).update(hash=prev)


def swap_contents(seq_a, seq_b):
    """Exchange everything but the sequence numbers of two events."""
    fields = [name for name in (*chain.FIELDS, "hash") if name != "seq"]
    a = AuditEvent.objects.filter(seq=seq_a).values(*fields).get()
    b = AuditEvent.objects.filter(seq=seq_b).values(*fields).get()
    AuditEvent.objects.filter(seq=seq_a).update(**b)
    AuditEvent.objects.filter(seq=seq_b).update(**a)
