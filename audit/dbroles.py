"""Two PostgreSQL roles, so that whoever runs the application cannot erase the audit chain.

- The **owner** (``DATABASE_OWNER_URL``) owns the database, every table, trigger and function,
  and runs migrations. Its credentials stay off the application servers.
- The **application role** (``DATABASE_URL``) reads and writes the other apps' tables. On the
  audit tables it has ``SELECT`` only; it appends through ``SECURITY DEFINER`` functions
  (migrations 0002 and 0006) that run as the owner with a fixed ``search_path``. It holds no
  ``UPDATE``/``DELETE``/``TRUNCATE``/``TRIGGER`` there and owns nothing, so it cannot disable
  or drop a trigger either.

``grants_apply`` is idempotent and runs as the owner after every ``migrate`` (the project's
``migrate`` command calls it): the default privileges make every table a later migration
creates usable by the application, and the audit tables are then revoked again, so a new
audit table is never left writable. The list of audit tables is read from the audit app's
models, not written here.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps

# Functions the application may execute (each SECURITY DEFINER, search_path fixed).
APPEND_FUNCTIONS = (
    "relais_audit_append(timestamptz, bigint, text, text, text, text, bigint, text, text, "
    "text, text, text, text, inet)",
    "relais_audit_checkpoint_insert(timestamptz)",
    "relais_audit_verification_insert(timestamptz, bigint, text, text, boolean, bigint, "
    "bigint, text, integer, bigint, text)",
)
# Every function of the audit schema: nobody but the owner and the grants above execute them.
AUDIT_FUNCTIONS = (*APPEND_FUNCTIONS, "relais_audit_refuse_change()")

CREDENTIAL_KEYS = ("USER", "PASSWORD", "HOST", "PORT")


def quote_ident(name: str) -> str:
    """A PostgreSQL identifier, quoted (role names come from URLs)."""
    if not name or "\x00" in name:
        raise ValueError(f"invalid identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def audit_tables() -> list[str]:
    """The audit app's tables (events, head, checkpoints, verifications, any later one)."""
    return sorted(model._meta.db_table for model in apps.get_app_config("audit").get_models())


def grant_statements(*, owner: str, app: str) -> list[str]:
    """The statements ``grants_apply`` runs as ``owner`` (also printed by the command)."""
    o, a = quote_ident(owner), quote_ident(app)
    tables = ", ".join(quote_ident(t) for t in audit_tables())
    return [
        f"GRANT USAGE ON SCHEMA public TO {a}",
        # Every other app's tables, today's and those of later migrations.
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {a}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"ALTER DEFAULT PRIVILEGES FOR ROLE {o} IN SCHEMA public "
        f"GRANT USAGE, SELECT ON SEQUENCES TO {a}",
        # The audit tables: read only; appends go through the functions below.
        f"REVOKE ALL ON {tables} FROM {a}, PUBLIC",
        f"GRANT SELECT ON {tables} TO {a}",
        *(f"REVOKE ALL ON FUNCTION {f} FROM PUBLIC" for f in AUDIT_FUNCTIONS),
        *(f"GRANT EXECUTE ON FUNCTION {f} TO {a}" for f in APPEND_FUNCTIONS),
    ]


class RoleSetupError(Exception):
    """The roles are not as the two-role set-up needs them (French message)."""


@dataclass(frozen=True)
class RoleCheck:
    app_is_superuser: bool
    app_inherits_owner: bool  # holds the owner's privileges through membership
    app_is_member: bool  # may SET ROLE to the owner (test clusters only)


def role_check(cursor, *, owner: str, app: str) -> RoleCheck:
    cursor.execute(
        "SELECT r.rolsuper, pg_has_role(r.oid, o.oid, 'USAGE'), pg_has_role(r.oid, o.oid, "
        "'MEMBER') FROM pg_roles r, pg_roles o WHERE r.rolname = %s AND o.rolname = %s",
        [app, owner],
    )
    row = cursor.fetchone()
    if row is None:
        raise RoleSetupError(
            f"Rôle introuvable : « {app} » ou « {owner} » (python manage.py relais_db_roles "
            "--admin-url …)."
        )
    return RoleCheck(*row)


def grants_apply(connection, *, app_role: str) -> list[str]:
    """Give ``app_role`` its rights, as the connection's user (the owner). Idempotent.

    Refuses an application role that is a superuser or inherits the owner's privileges: the
    audit tables would not be protected from it.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        if owner == app_role:
            raise RoleSetupError(
                "DATABASE_URL et DATABASE_OWNER_URL utilisent le même rôle : le rôle de "
                "l'application ne doit pas posséder les tables d'audit."
            )
        check = role_check(cursor, owner=owner, app=app_role)
        if check.app_is_superuser or check.app_inherits_owner:
            raise RoleSetupError(
                f"Le rôle « {app_role} » est superutilisateur ou hérite des droits de « {owner} » "
                ": il pourrait effacer le journal d'audit. Créez-le NOSUPERUSER NOINHERIT."
            )
        statements = grant_statements(owner=owner, app=app_role)
        for statement in statements:
            cursor.execute(statement)
    return statements


@contextmanager
def owner_credentials(connection, owner: dict):
    """Run the block on ``connection`` with the owner's credentials (same database name), then
    reconnect as before. Used by ``migrate`` and by the test set-up."""
    saved = {key: connection.settings_dict.get(key) for key in CREDENTIAL_KEYS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key) for key in CREDENTIAL_KEYS})
    try:
        yield connection
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def role_setup_statements(
    *, owner: str, owner_password: str, app: str, app_password: str, test_member: bool
) -> list[str]:
    """Statements of ``relais_db_roles`` run as an administrator (CREATEROLE) on the cluster:
    create the two roles if missing and (re)state their attributes. Idempotent."""
    o, a = quote_ident(owner), quote_ident(app)
    statements = []
    for name, quoted, attributes, password in (
        (owner, o, "LOGIN CREATEDB NOSUPERUSER", owner_password),
        (app, a, "LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE", app_password),
    ):
        statements.append(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = "
            f"{quote_literal(name)}) THEN CREATE ROLE {quoted}; END IF; END $$"
        )
        statements.append(f"ALTER ROLE {quoted} {attributes}")
        if password:
            statements.append(f"ALTER ROLE {quoted} PASSWORD {quote_literal(password)}")
    # The application role never inherits the owner's privileges. In a test cluster only, it
    # may be a NOINHERIT member so that tamper tests can SET LOCAL ROLE to the owner.
    statements.append(f"GRANT {o} TO {a}" if test_member else f"REVOKE {o} FROM {a}")
    return statements
