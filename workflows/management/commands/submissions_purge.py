from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from workflows.submissions import submissions_purge


class Command(BaseCommand):
    help = (
        "Supprime les jetons de formulaires envoyés (protection contre le double envoi) plus "
        "anciens que la durée de conservation (RELAIS_SUBMISSION_RETENTION_HOURS, au moins la "
        "durée maximale d'une session). Idempotent : à lancer par cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=None,
            help="Durée de conservation en heures (par défaut : le réglage).",
        )

    def handle(self, *args, older_than_hours=None, **options):
        try:
            deleted = submissions_purge(older_than_hours=older_than_hours)
        except ApplicationError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{deleted} jeton(s) de formulaire supprimé(s).")
