"""Append-only audit table (triggers), the genesis head row, and PostgreSQL's append function.

Triggers refuse UPDATE and DELETE of audit events on SQLite and PostgreSQL, and DELETE of the
head row. On PostgreSQL, ``relais_audit_append`` appends an event in one round trip; it must
build exactly the canonical text of ``audit.chain`` (tests verify appended events).
"""

from django.db import migrations

PG_FORWARD = r"""
CREATE OR REPLACE FUNCTION relais_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'relais: % on % is refused: the audit log is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION relais_audit_refuse_change();

CREATE TRIGGER audit_head_no_delete
    BEFORE DELETE ON audit_chainhead
    FOR EACH ROW EXECUTE FUNCTION relais_audit_refuse_change();

CREATE OR REPLACE FUNCTION relais_audit_append(
    p_occurred_at timestamptz,
    p_actor_id bigint,
    p_actor_username text,
    p_role text,
    p_action text,
    p_object_type text,
    p_object_id bigint,
    p_reference text,
    p_transition text,
    p_from_state text,
    p_to_state text,
    p_code text,
    p_request_id text,
    p_client_ip inet
) RETURNS TABLE (event_id bigint, event_seq bigint, event_hash text, event_prev text)
LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint;
    v_prev text;
    v_hash text;
BEGIN
    -- The head row lock serialises appends across connections and servers.
    UPDATE audit_chainhead SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash INTO v_seq, v_prev;
    IF NOT FOUND THEN
        INSERT INTO audit_chainhead (id, seq, hash) VALUES (1, 0, repeat('0', 64))
            ON CONFLICT (id) DO NOTHING;
        UPDATE audit_chainhead SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash INTO v_seq, v_prev;
    END IF;
    v_hash := encode(sha256(convert_to(concat_ws(E'\n',
        'relais-audit-v1',
        'seq=' || v_seq::text,
        'occurred_at=' || to_char(p_occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'actor_id=' || coalesce(p_actor_id::text, ''),
        'actor=' || coalesce(p_actor_username, ''),
        'role=' || coalesce(p_role, ''),
        'action=' || coalesce(p_action, ''),
        'object_type=' || coalesce(p_object_type, ''),
        'object_id=' || coalesce(p_object_id::text, ''),
        'reference=' || coalesce(p_reference, ''),
        'transition=' || coalesce(p_transition, ''),
        'from_state=' || coalesce(p_from_state, ''),
        'to_state=' || coalesce(p_to_state, ''),
        'code=' || coalesce(p_code, ''),
        'request_id=' || coalesce(p_request_id, ''),
        'client_ip=' || coalesce(host(p_client_ip), ''),
        'prev_hash=' || v_prev
    ), 'UTF8')), 'hex');
    INSERT INTO audit_auditevent (
        seq, occurred_at, actor_id, actor_username, role, action, object_type, object_id,
        reference, transition, from_state, to_state, code, request_id, client_ip, prev_hash, hash
    ) VALUES (
        v_seq, p_occurred_at, p_actor_id, p_actor_username, p_role, p_action, p_object_type,
        p_object_id, p_reference, p_transition, p_from_state, p_to_state, p_code, p_request_id,
        p_client_ip, v_prev, v_hash
    ) RETURNING id INTO event_id;
    UPDATE audit_chainhead SET hash = v_hash WHERE id = 1;
    event_seq := v_seq;
    event_hash := v_hash;
    event_prev := v_prev;
    RETURN NEXT;
END;
$$;
"""

PG_BACKWARD = r"""
DROP FUNCTION IF EXISTS relais_audit_append(timestamptz, bigint, text, text, text, text, bigint,
    text, text, text, text, text, text, inet);
DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_chainhead;
DROP FUNCTION IF EXISTS relais_audit_refuse_change();
"""

SQLITE_FORWARD = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'relais: UPDATE on audit_auditevent is refused: the audit log is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'relais: DELETE on audit_auditevent is refused: the audit log is append-only'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_chainhead
       BEGIN SELECT RAISE(ABORT, 'relais: DELETE on audit_chainhead is refused: the audit log is append-only'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)
    else:
        raise RuntimeError(f"Relais supports PostgreSQL and SQLite, not {vendor}.")
    ChainHead = apps.get_model("audit", "ChainHead")
    ChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    else:
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
