import pytest
from django.conf import settings
from django.urls import get_resolver

# PostgreSQL with two roles (DATABASE_OWNER_URL set): the test database is created, migrated
# and granted by the owner, and every test connects as the restricted application role
# (DATABASE_URL), as in production. CI runs the suite this way (.ci/run).
TWO_ROLES = settings.DATABASE_OWNER is not None and settings.DATABASES["default"][
    "ENGINE"
].endswith("postgresql")


@pytest.fixture(autouse=True)
def _load_urlconf():
    # viewflow's flow.reverse()/task.reverse() need the URLconf loaded (docs/libraries.md §5.5).
    _ = get_resolver().url_patterns


@pytest.fixture
def on_postgres():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")


@pytest.fixture
def two_roles(on_postgres):
    """The suite runs as the restricted application role (DATABASE_OWNER_URL set)."""
    if not TWO_ROLES:
        pytest.skip("needs DATABASE_OWNER_URL (the application role is the owner here)")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 is deliberately slow; tests hash many demo passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def anchor_keys(tmp_path_factory):
    """One Ed25519 key pair for the whole run (private key, public key)."""
    from audit import anchors

    directory = tmp_path_factory.mktemp("anchor-keys")
    private, public = directory / "signing.pem", directory / "public.pem"
    anchors.keys_generate(private_path=private, public_path=public)
    return private, public


@pytest.fixture(autouse=True)
def anchor_dir(settings, tmp_path_factory, anchor_keys):
    """Each test gets its own, empty directory of signed anchors (never var/)."""
    directory = tmp_path_factory.mktemp("anchors")
    settings.RELAIS_AUDIT_ANCHOR_DIR = str(directory)
    settings.RELAIS_AUDIT_SIGNING_KEY_FILE = str(anchor_keys[0])
    settings.RELAIS_AUDIT_PUBLIC_KEY_FILES = [str(anchor_keys[1])]
    return directory


if TWO_ROLES:

    @pytest.fixture(scope="session")
    def django_db_setup(
        request,
        django_test_environment,
        django_db_blocker,
        django_db_use_migrations,
        django_db_keepdb,
        django_db_createdb,
        django_db_modify_db_settings,
    ):
        """pytest-django's set-up, as the owner: it creates the test database (CREATEDB),
        migrates it and grants the application role (the project's ``migrate``). Tests then
        connect as the application role. Transactional tests' flush (a TRUNCATE) runs as the
        owner too, through SET LOCAL ROLE (the test role is a NOINHERIT member of the owner:
        ``relais_db_roles --test-member``)."""
        from django.db import connections
        from django.db.backends.postgresql.operations import DatabaseOperations
        from django.test.utils import setup_databases, teardown_databases
        from pytest_django.fixtures import _get_databases_for_setup

        from audit.dbroles import owner_credentials, quote_ident, role_check

        owner = settings.DATABASE_OWNER
        connection = connections["default"]
        aliases, serialized = _get_databases_for_setup(request.session.items)
        keepdb = django_db_keepdb and not django_db_createdb
        with django_db_blocker.unblock(), owner_credentials(connection, owner):
            db_cfg = setup_databases(
                verbosity=request.config.option.verbose,
                interactive=False,
                aliases=aliases,
                serialized_aliases=serialized,
                keepdb=keepdb,
            )
            with connection.cursor() as cursor:
                check = role_check(cursor, owner=owner["USER"], app=settings.RELAIS_DB_APP_ROLE)
        assert not (check.app_is_superuser or check.app_inherits_owner), check
        assert check.app_is_member, "relais_db_roles --test-member: tamper tests SET ROLE"

        original_flush = DatabaseOperations.execute_sql_flush

        def flush_as_owner(self, sql_list):
            role = quote_ident(owner["USER"])
            return original_flush(self, [f"SET LOCAL ROLE {role}", *sql_list, "RESET ROLE"])

        DatabaseOperations.execute_sql_flush = flush_as_owner
        yield
        DatabaseOperations.execute_sql_flush = original_flush
        if not django_db_keepdb:
            with django_db_blocker.unblock(), owner_credentials(connection, owner):
                teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture(autouse=True)
def _verified_force_login(monkeypatch):
    """``client.force_login`` gives a session that passed the second factor too (a confirmed
    TOTP device in the session, as after the real code step), so tests of pages need not
    replay the two login steps. The gate itself stays on: tests of the login go through
    both steps (tests/twofactor.py), and ``client.force_login_unverified`` keeps Django's
    password-only session for tests of the gate."""
    from django.test.client import Client

    from tests.twofactor import mark_verified

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        mark_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "force_login_unverified", original, raising=False)
