from django.core.management.base import BaseCommand, CommandError

from audit.export_check import check_export


class Command(BaseCommand):
    help = (
        "Vérifie un fichier d'export (CSV ou JSON Lines) seul : chaque empreinte, chaque lien "
        "et la ligne finale (nombre d'événements, dernier numéro, empreinte de tête). Un "
        "fichier coupé est signalé. Affiche « OK … » (code 0) ou « BROKEN: <raison> » (code 1)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FICHIER")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8", newline="") as stream:
                result = check_export(stream)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Fichier illisible : {exc}.", returncode=2) from exc
        self.stdout.write(result.line())
        if not result.ok:
            raise SystemExit(1)
