"""``migrate`` as the owner role, then the application role's grants (audit/dbroles.py).

With ``DATABASE_OWNER_URL`` set (PostgreSQL), the migrations run with the owner's credentials,
in one process, so that data migrations too write as the owner; the application role
(``DATABASE_URL``'s user) then gets its rights again, which also re-revokes the audit tables
after any migration that added one. Without it, this is Django's ``migrate`` unchanged.
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

from audit.dbroles import RoleSetupError, grants_apply, owner_credentials


class Command(DjangoMigrate):
    def handle(self, *args, **options):
        owner = settings.DATABASE_OWNER
        connection = connections[options["database"]]
        if (
            owner is None
            or options["database"] != DEFAULT_DB_ALIAS
            or connection.vendor != "postgresql"
        ):
            return super().handle(*args, **options)
        app_role = settings.RELAIS_DB_APP_ROLE
        with owner_credentials(connection, owner):
            super().handle(*args, **options)
            try:
                grants_apply(connection, app_role=app_role)
            except RoleSetupError as exc:
                raise CommandError(str(exc)) from exc
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Migré en tant que « {owner['USER']} » ; droits accordés à « {app_role} »."
            )
