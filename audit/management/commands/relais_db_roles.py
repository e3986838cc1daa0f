"""Create the two PostgreSQL roles and the database, and grant the application role its
rights (docs/operations.md, "Database roles"). Idempotent: safe to run again."""

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from audit import dbroles


class Command(BaseCommand):
    help = (
        "Crée (si besoin) le rôle propriétaire (DATABASE_OWNER_URL) et le rôle restreint de "
        "l'application (DATABASE_URL), la base appartenant au propriétaire, puis accorde au "
        "rôle de l'application ses droits (lecture seule sur les tables d'audit). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--admin-url",
            metavar="URL",
            help="URL d'un rôle administrateur (CREATEROLE, CREATEDB) du serveur, par exemple "
            "postgres://postgres@127.0.0.1:5432/postgres : crée les rôles et la base. Sans "
            "elle, seuls les droits sont (ré)appliqués, en tant que propriétaire.",
        )
        parser.add_argument(
            "--test-member",
            action="store_true",
            help="Serveurs de test uniquement : le rôle de l'application devient membre "
            "NOINHERIT du propriétaire (les tests de falsification font SET LOCAL ROLE). "
            "Jamais en production.",
        )
        parser.add_argument(
            "--print", action="store_true", help="Affiche les droits sans rien exécuter."
        )

    def handle(self, *args, admin_url, test_member, print, **options):
        owner = settings.DATABASE_OWNER
        # A copy: the connection's settings dict is switched to the owner's credentials below.
        app = dict(settings.DATABASES["default"], USER=settings.RELAIS_DB_APP_ROLE)
        if owner is None or app["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError(
                "DATABASE_URL (rôle de l'application) et DATABASE_OWNER_URL (rôle propriétaire) "
                "doivent désigner la même base PostgreSQL."
            )
        if print:
            for statement in dbroles.grant_statements(owner=owner["USER"], app=app["USER"]):
                self.stdout.write(statement + ";")
            return
        if admin_url:
            self._create_roles_and_database(admin_url, owner, app, test_member)
        connection = connections["default"]
        with dbroles.owner_credentials(connection, owner):
            with connection.cursor() as cursor:
                cursor.execute("SELECT to_regprocedure(%s)", [dbroles.APPEND_FUNCTIONS[-1]])
                migrated = cursor.fetchone()[0] is not None
            if not migrated:
                self.stdout.write(
                    "Base pas encore migrée : lancez « python manage.py migrate » (en tant que "
                    "propriétaire), qui accorde ensuite les droits."
                )
                return
            try:
                dbroles.grants_apply(connection, app_role=app["USER"])
            except dbroles.RoleSetupError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Droits accordés à « {app['USER']} » (propriétaire « {owner['USER']} »)."
        )

    def _create_roles_and_database(self, admin_url, owner, app, test_member):
        statements = dbroles.role_setup_statements(
            owner=owner["USER"],
            owner_password=owner.get("PASSWORD") or "",
            app=app["USER"],
            app_password=app.get("PASSWORD") or "",
            test_member=test_member,
        )
        name = app["NAME"]
        try:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                for statement in statements:
                    admin.execute(statement)
                exists = admin.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [name]
                ).fetchone()
                quoted_db = dbroles.quote_ident(name)
                quoted_owner = dbroles.quote_ident(owner["USER"])
                if exists:
                    admin.execute(f"ALTER DATABASE {quoted_db} OWNER TO {quoted_owner}")
                else:
                    admin.execute(f"CREATE DATABASE {quoted_db} OWNER {quoted_owner}")
        except psycopg.Error as exc:
            raise CommandError(f"Création des rôles impossible : {exc}") from exc
        member = ", membre NOINHERIT pour les tests" if test_member else ""
        self.stdout.write(
            f"Rôles « {owner['USER']} » (propriétaire) et « {app['USER']} » (application"
            f"{member}) prêts ; base « {name} »."
        )
