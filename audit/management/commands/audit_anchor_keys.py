from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit import anchors


class Command(BaseCommand):
    help = (
        "Crée la paire de clés Ed25519 des ancres signées : la clé privée (lue par "
        "audit_checkpoint seulement, jamais en base) et la clé publique (pour les "
        "vérificateurs). N'écrase jamais un fichier existant."
    )

    def add_arguments(self, parser):
        parser.add_argument("--private-key", required=True, metavar="FICHIER")
        parser.add_argument("--public-key", required=True, metavar="FICHIER")

    def handle(self, *args, private_key, public_key, **options):
        try:
            key_id = anchors.keys_generate(
                private_path=Path(private_key), public_path=Path(public_key)
            )
        except (anchors.AnchorError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Clé {key_id} : privée {private_key} (0600), publique {public_key}.")
