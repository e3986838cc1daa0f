from django.core.management.base import BaseCommand

from audit import chain


class Command(BaseCommand):
    help = (
        "Vérifie la chaîne d'audit. Affiche « OK <n> events, head <hash> » (code 0) ou "
        "« BROKEN at seq <n>: <raison> » (code 1)."
    )

    def handle(self, *args, **options):
        result = chain.verify()
        if result.ok:
            self.stdout.write(result.line())
            return
        self.stdout.write(result.line())
        raise SystemExit(1)
