"""PostgreSQL: a successful verification can only be recorded for a head the chain holds.

``relais_audit_verification_insert`` (migration 0006) stored whatever its caller passed; the
application role could thus plant a successful record of a head beyond the chain or with a
wrong hash, and every later verification would report ``record_beyond_head`` or
``record_mismatch`` (a false alarm, never a hidden change). Now a successful record must name
a sequence number the chain holds (0: the genesis hash) and that event's stored hash, or the
function refuses (SQLSTATE 42501). A failed record is stored as given: verification never
compares with failed records; they are what the chain page shows. Nothing on SQLite.

``CREATE OR REPLACE FUNCTION`` resets SECURITY DEFINER and SET: both are stated again.
"""

from django.db import migrations

SIGNATURE = (
    "relais_audit_verification_insert(timestamptz, bigint, text, text, boolean, bigint, "
    "bigint, text, integer, bigint, text)"
)

BODY = r"""
CREATE OR REPLACE FUNCTION relais_audit_verification_insert(
    p_verified_at timestamptz,
    p_actor_id bigint,
    p_actor_username text,
    p_role text,
    p_ok boolean,
    p_event_count bigint,
    p_head_seq bigint,
    p_head_hash text,
    p_checkpoint_count integer,
    p_broken_seq bigint,
    p_reason text
) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    v_id bigint;
BEGIN
    %(check)s
    INSERT INTO audit_auditverification (
        verified_at, actor_id, actor_username, role, ok, event_count, head_seq, head_hash,
        checkpoint_count, broken_seq, reason
    ) VALUES (
        p_verified_at, p_actor_id, p_actor_username, p_role, p_ok, p_event_count, p_head_seq,
        p_head_hash, p_checkpoint_count, p_broken_seq, p_reason
    ) RETURNING id INTO v_id;
    RETURN v_id;
END;
$$;
"""

CHECK = r"""
    IF p_ok AND NOT (
        (p_head_seq = 0 AND p_head_hash = repeat('0', 64))
        OR EXISTS (
            SELECT 1 FROM audit_auditevent e WHERE e.seq = p_head_seq AND e.hash = p_head_hash
        )
    ) THEN
        RAISE EXCEPTION 'successful verification of a head the chain does not hold: seq %',
            p_head_seq USING ERRCODE = '42501';
    END IF;
"""

PG_FORWARD = BODY % {"check": CHECK} + f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC;"
PG_BACKWARD = BODY % {"check": ""} + f"REVOKE ALL ON FUNCTION {SIGNATURE} FROM PUBLIC;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0009_monitoring_object_types")]

    operations = [migrations.RunPython(forward, backward)]
