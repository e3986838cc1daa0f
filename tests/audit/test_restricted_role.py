"""PostgreSQL with two roles: the application role (what the suite and the running application
connect as) cannot erase, rewrite or unprotect any audit table, and can still append."""

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from audit import dbroles
from audit.models import AuditEvent, ChainHead
from audit.services import audit_checkpoint_create, audit_verification_run
from audit.vocabularies import AuditRole
from tests.audit import tamper

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TRIGGERS = {
    "audit_auditevent": "audit_event_append_only",
    "audit_chainhead": "audit_head_no_delete",
    "audit_auditcheckpoint": "audit_auditcheckpoint_append_only",
    "audit_auditverification": "audit_auditverification_append_only",
}
ATTACKS = {
    "truncate": "TRUNCATE {table}",
    "truncate_cascade": "TRUNCATE {table} CASCADE",
    "disable_trigger": "ALTER TABLE {table} DISABLE TRIGGER {trigger}",
    "disable_all_triggers": "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "drop_trigger": "DROP TRIGGER {trigger} ON {table}",
    "update": "UPDATE {table} SET id = id",
    "delete": "DELETE FROM {table}",
    "owner_change": "ALTER TABLE {table} OWNER TO CURRENT_USER",
    "lock_for_update": "SELECT 1 FROM {table} FOR UPDATE",
}


def refused(sql, match=r"permission denied|must be owner"):
    with (
        pytest.raises(DatabaseError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)


@pytest.fixture
def some_events(two_roles, make_events):
    make_events(3)
    audit_checkpoint_create()
    audit_verification_run(actor=None, role=AuditRole.SYSTEM)


def test_every_audit_table_is_covered():
    assert sorted(TRIGGERS) == dbroles.audit_tables()


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("table", sorted(TRIGGERS))
def test_the_application_role_cannot_erase_or_unprotect(some_events, table, attack):
    refused(ATTACKS[attack].format(table=table, trigger=TRIGGERS[table]))
    assert AuditEvent.objects.count() == 5
    assert ChainHead.objects.get(pk=1).seq == 5
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgname = %s AND tgenabled = 'O'",
            [TRIGGERS[table]],
        )
        assert cursor.fetchone()[0] == 1


def test_no_direct_insert_nor_replication_mode_nor_function_swap(some_events):
    refused(
        "INSERT INTO audit_auditevent (seq, occurred_at, actor_username, role, action, "
        "object_type, reference, transition, from_state, to_state, code, request_id, "
        "prev_hash, hash) SELECT seq + 100, occurred_at, actor_username, role, action, "
        "object_type, reference, transition, from_state, to_state, code, request_id, "
        "prev_hash, hash FROM audit_auditevent"
    )
    refused("INSERT INTO audit_auditcheckpoint (seq, hash, created_at) VALUES (1, 'x', now())")
    refused("SET session_replication_role = replica")
    refused("ALTER FUNCTION relais_audit_refuse_change() SECURITY INVOKER")
    refused("DROP FUNCTION relais_audit_refuse_change() CASCADE")
    refused(
        "CREATE OR REPLACE FUNCTION relais_audit_refuse_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
    )
    refused("CREATE TABLE public.relais_shadow (id int)")
    assert AuditEvent.objects.count() == 5


def test_privileges_of_the_application_role(some_events):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, session_user")
        assert cursor.fetchone() == (settings.RELAIS_DB_APP_ROLE,) * 2
        for table in TRIGGERS:
            cursor.execute(
                "SELECT has_table_privilege(current_user, %s, 'SELECT'), "
                "has_table_privilege(current_user, %s, 'INSERT, UPDATE, DELETE, TRUNCATE, "
                "TRIGGER, REFERENCES'), pg_has_role(current_user, "
                "(SELECT relowner FROM pg_class WHERE relname = %s), 'USAGE')",
                [table, table, table],
            )
            assert cursor.fetchone() == (True, False, False), table
        # Other apps' tables stay fully usable (default privileges cover later ones too).
        cursor.execute(
            "SELECT has_table_privilege(current_user, 'referrals_referral', "
            "'SELECT, INSERT, UPDATE, DELETE')"
        )
        assert cursor.fetchone()[0] is True


def test_temporary_tables_named_like_ours_do_not_hijack_the_append(some_events):
    """The append function runs as the owner: with pg_temp searched first, a temporary head
    table would be updated instead of the real one. Its search_path lists pg_temp last."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE audit_chainhead (id int, seq bigint, hash text)")
        cursor.execute("INSERT INTO audit_chainhead VALUES (1, 1000, repeat('f', 64))")
    from tests.factories import AuditEventFactory

    event = AuditEventFactory()
    assert event.seq == 6
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM public.audit_chainhead")
        assert cursor.fetchone()[0] == 6
        cursor.execute("SELECT seq FROM pg_temp.audit_chainhead")
        assert cursor.fetchone()[0] == 1000
        cursor.execute("DROP TABLE pg_temp.audit_chainhead")


def test_appends_checkpoints_and_verifications_still_work(some_events, make_events):
    make_events(2)
    checkpoint = audit_checkpoint_create()
    assert (checkpoint.seq, checkpoint.hash) == (7, AuditEvent.objects.get(seq=7).hash)
    verification = audit_verification_run(actor=None, role=AuditRole.SYSTEM)
    assert verification.ok and verification.pk and verification.event_count == 8


def test_the_triggers_still_refuse_the_owner(some_events):
    tamper.as_owner()
    refused("UPDATE audit_auditevent SET code = 'forged'", match="append-only")
    refused("DELETE FROM audit_auditcheckpoint", match="append-only")


def test_grant_statements_cover_future_tables_and_revoke_the_audit_tables():
    statements = dbroles.grant_statements(owner="relais_owner", app='odd"app')
    text = "\n".join(statements)
    assert (
        'ALTER DEFAULT PRIVILEGES FOR ROLE "relais_owner" IN SCHEMA public GRANT SELECT, ' in text
    )
    assert 'REVOKE ALL ON "audit_auditcheckpoint", "audit_auditevent"' in text
    assert '"odd""app"' in text  # quoted identifiers
    revoke = statements.index(next(s for s in statements if s.startswith('REVOKE ALL ON "audit')))
    grant_all = statements.index(next(s for s in statements if "ON ALL TABLES" in s))
    assert grant_all < revoke  # the audit tables are narrowed after the blanket grant
    assert not any("TRUNCATE" in s or "TRIGGER" in s for s in statements)


def test_print_shows_the_grants(two_roles):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("relais_db_roles", "--print", stdout=out)
    assert 'GRANT SELECT ON "audit_auditcheckpoint"' in out.getvalue()
    assert dbroles.quote_ident(settings.RELAIS_DB_APP_ROLE) in out.getvalue()
