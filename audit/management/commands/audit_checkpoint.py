from django.core.management.base import BaseCommand

from audit.services import audit_checkpoint_create


class Command(BaseCommand):
    help = (
        "Enregistre la tête de la chaîne d'audit (numéro, empreinte, date) comme point de "
        "contrôle et affiche sa ligne « relais-checkpoint v1 … », à conserver hors de la base "
        "(docs/audit.md). À planifier chaque jour."
    )

    def handle(self, *args, **options):
        checkpoint = audit_checkpoint_create()
        self.stdout.write(checkpoint.line)
