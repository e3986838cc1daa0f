from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import ApplicationError
from directory.communes import DEFAULT_COMMUNES_CSV, communes_parse_csv
from directory.services import communes_load


class Command(BaseCommand):
    help = (
        "Charge les communes d'un territoire depuis un CSV (insee_code,name,postal_code). "
        "Sans argument : les 35 communes de Valenciennes Métropole."
    )

    def add_arguments(self, parser):
        parser.add_argument("csv_path", nargs="?", default=str(DEFAULT_COMMUNES_CSV))
        parser.add_argument(
            "--deactivate-missing",
            action="store_true",
            help="Désactive les communes absentes du fichier (elles ne sont jamais supprimées).",
        )

    def handle(self, *args, csv_path, deactivate_missing, **options):
        path = Path(csv_path)
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        try:
            with path.open(encoding="utf-8-sig", newline="") as stream:
                rows = communes_parse_csv(stream)
            counts = communes_load(rows=rows, deactivate_missing=deactivate_missing)
        except ApplicationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            "{created} créée(s), {updated} mise(s) à jour, {deactivated} désactivée(s).".format(
                **counts
            )
        )
