from datetime import date

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from monitoring.models import ReleaseTrigger
from monitoring.services import indicator_releases_publish


class Command(BaseCommand):
    help = (
        "Publie les indicateurs du groupe stratégique des trimestres terminés (et des semestres "
        "et années qui se terminent avec eux), puis réexamine les corrections tardives. "
        "Idempotent : à lancer par cron (par exemple chaque jour)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            action="append",
            dest="years",
            help="Année à publier (répétable ; par défaut l'année en cours et la précédente).",
        )
        parser.add_argument("--today", type=date.fromisoformat, help="Date du jour (AAAA-MM-JJ).")

    def handle(self, *args, years=None, today=None, **options):
        try:
            report = indicator_releases_publish(
                trigger=ReleaseTrigger.COMMAND, today=today, years=years
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for release in report.released:
            self.stdout.write(f"publié : {release.period.code} v{release.version}")
        for year, population in report.withheld:
            self.stdout.write(f"correction retenue : {year} {population}")
        self.stdout.write(
            f"{len(report.released)} publication(s), {len(report.withheld)} correction(s) "
            "retenue(s)."
        )
