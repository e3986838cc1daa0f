from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit import anchors, chain
from audit.checkpoints import parse_line
from audit.services import audit_verification_run
from audit.vocabularies import AuditRole


class Command(BaseCommand):
    help = (
        "Vérifie la chaîne d'audit et chacun de ses points de contrôle enregistrés. Affiche "
        "« OK <n> events, head <hash> » (code 0) ou « BROKEN at seq <n>: <raison> » (code 1). "
        '--checkpoint "<ligne>" vérifie aussi la chaîne par rapport à un point de contrôle '
        "conservé hors de la base ; une ligne mal formée arrête la commande (code 2). Compare "
        "toujours aux ancres signées de RELAIS_AUDIT_ANCHOR_DIR et aux vérifications "
        "enregistrées."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="LIGNE",
            help="Ligne « relais-checkpoint v1 seq=… hash=… at=… » conservée hors de la base "
            "(répétable).",
        )
        parser.add_argument(
            "--checkpoint-file",
            metavar="FICHIER",
            help="Fichier de lignes de points de contrôle (une par ligne ; lignes vides et "
            "commençant par # ignorées).",
        )
        parser.add_argument(
            "--record",
            action="store_true",
            help="Enregistre le résultat (page « Intégrité de la chaîne ») et un événement "
            "« vérification » dans la chaîne, par exemple pour une vérification planifiée.",
        )
        parser.add_argument(
            "--engine",
            choices=("auto", "copy", "orm", "sql"),
            default="auto",
            help="Lecture des événements : « copy » (PostgreSQL, colonnes transmises par COPY ; "
            "défaut sur PostgreSQL) ou « orm » (valeurs typées de l'ORM, implémentation de "
            "référence ; défaut sur SQLite). Les deux recalculent chaque empreinte en Python, "
            "jamais par une fonction SQL.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            metavar="N",
            help="PostgreSQL : N processus vérifient chacun une plage de la chaîne (défaut 1).",
        )

    def handle(self, *args, checkpoint, checkpoint_file, record, engine, jobs, **options):
        lines = list(checkpoint)
        if checkpoint_file:
            try:
                text = Path(checkpoint_file).read_text(encoding="utf-8")
            except OSError as exc:
                raise CommandError(
                    f"Fichier de points de contrôle illisible : {exc.strerror}.", returncode=2
                ) from exc
            lines += [
                line for line in text.splitlines() if line.strip() and not line.startswith("#")
            ]
        try:
            marks = [parse_line(line) for line in lines]
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        if not anchors.configured():
            raise CommandError(
                "RELAIS_AUDIT_ANCHOR_DIR n'est pas défini : la vérification se fait toujours "
                "par rapport aux ancres signées conservées hors de la base (docs/audit.md).",
                returncode=2,
            )
        try:
            if record:
                result = audit_verification_run(
                    actor=None, role=AuditRole.SYSTEM, checkpoints=marks, engine=engine, jobs=jobs
                ).result
            else:
                result = chain.verify(checkpoints=marks, engine=engine, jobs=jobs)
        except anchors.AnchorError as exc:
            raise CommandError(str(exc), returncode=2) from exc
        self.stdout.write(result.line())
        if not result.ok:
            raise SystemExit(1)
