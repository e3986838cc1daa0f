from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit import anchors
from audit.services import audit_checkpoint_create


class Command(BaseCommand):
    help = (
        "Enregistre la tête de la chaîne d'audit (numéro, empreinte, date) comme point de "
        "contrôle, écrit une ancre signée (Ed25519) dans RELAIS_AUDIT_ANCHOR_DIR, hors de la "
        "base, et affiche la ligne « relais-checkpoint v1 … » puis la ligne de l'ancre "
        "(docs/audit.md). À planifier au moins chaque jour."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-anchor",
            action="store_true",
            help="N'écrit pas d'ancre signée (point de contrôle en base seulement : ne protège "
            "pas contre qui détient la base).",
        )

    def handle(self, *args, no_anchor, **options):
        if not no_anchor and not (
            anchors.configured() and anchors.settings.RELAIS_AUDIT_SIGNING_KEY_FILE
        ):
            raise CommandError(
                "Ancres non configurées : définissez RELAIS_AUDIT_ANCHOR_DIR et "
                "RELAIS_AUDIT_SIGNING_KEY_FILE (docs/audit.md), ou passez --no-anchor."
            )
        with transaction.atomic():
            checkpoint = audit_checkpoint_create()
            anchor = None
            if not no_anchor:
                # Inside the transaction: if the anchor cannot be written, no checkpoint is
                # recorded either. The anchored head is already committed, so an anchor
                # written just before a failed commit is still true.
                try:
                    anchor, _path = anchors.write_configured(
                        seq=checkpoint.seq, digest=checkpoint.hash, at=checkpoint.created_at
                    )
                except anchors.AnchorError as exc:
                    raise CommandError(str(exc)) from exc
        self.stdout.write(checkpoint.line)
        if anchor is not None:
            self.stdout.write(anchor.line)
