"""PostgreSQL: the application role appends without owning or writing the audit tables.

``relais_audit_append`` becomes SECURITY DEFINER (it runs as the owner, who may update the
head row) with ``search_path = public, pg_temp``: pg_temp last, otherwise a caller's temporary
tables named like ours would be found first and written as the owner. Two new functions of the
same kind insert a checkpoint (of the head as the function reads it, so no false checkpoint
can be inserted through it) and a verification result. New functions are executable by PUBLIC:
revoked; ``audit.dbroles.grants_apply`` grants EXECUTE to the application role. Nothing on
SQLite (one file, no roles: see docs/operations.md).

``CREATE OR REPLACE FUNCTION`` resets SECURITY DEFINER and SET: a later migration redefining
one of these functions must state both again.
"""

from django.db import migrations

PG_FORWARD = r"""
ALTER FUNCTION relais_audit_append(timestamptz, bigint, text, text, text, text, bigint, text, text, text, text, text, text, inet) SECURITY DEFINER SET search_path = public, pg_temp;
REVOKE ALL ON FUNCTION relais_audit_append(timestamptz, bigint, text, text, text, text, bigint, text, text, text, text, text, text, inet) FROM PUBLIC;
REVOKE ALL ON FUNCTION relais_audit_refuse_change() FROM PUBLIC;

CREATE FUNCTION relais_audit_checkpoint_insert(p_created_at timestamptz)
RETURNS TABLE (checkpoint_id bigint, checkpoint_seq bigint, checkpoint_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    -- The head as committed: seq and hash change together in one transaction.
    SELECT h.seq, h.hash INTO checkpoint_seq, checkpoint_hash FROM audit_chainhead h WHERE h.id = 1;
    IF NOT FOUND THEN
        checkpoint_seq := 0;
        checkpoint_hash := repeat('0', 64);
    END IF;
    INSERT INTO audit_auditcheckpoint (seq, hash, created_at)
        VALUES (checkpoint_seq, checkpoint_hash, p_created_at)
        RETURNING id INTO checkpoint_id;
    RETURN NEXT;
END;
$$;
REVOKE ALL ON FUNCTION relais_audit_checkpoint_insert(timestamptz) FROM PUBLIC;

CREATE FUNCTION relais_audit_verification_insert(
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
REVOKE ALL ON FUNCTION relais_audit_verification_insert(timestamptz, bigint, text, text,
    boolean, bigint, bigint, text, integer, bigint, text) FROM PUBLIC;
"""

PG_BACKWARD = r"""
DROP FUNCTION IF EXISTS relais_audit_verification_insert(timestamptz, bigint, text, text,
    boolean, bigint, bigint, text, integer, bigint, text);
DROP FUNCTION IF EXISTS relais_audit_checkpoint_insert(timestamptz);
ALTER FUNCTION relais_audit_append(timestamptz, bigint, text, text, text, text, bigint, text, text, text, text, text, text, inet) SECURITY INVOKER RESET search_path;
GRANT EXECUTE ON FUNCTION relais_audit_append(timestamptz, bigint, text, text, text, text, bigint, text, text, text, text, text, text, inet) TO PUBLIC;
GRANT EXECUTE ON FUNCTION relais_audit_refuse_change() TO PUBLIC;
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0005_fewer_filter_indexes")]

    operations = [migrations.RunPython(forward, backward)]
