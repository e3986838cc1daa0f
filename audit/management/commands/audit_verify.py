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
            choices=("auto", "fast", "python", "sql", "orm", "copy"),
            default="auto",
            help="Lecture de la chaîne (docs/audit.md) : « fast » (défaut sur PostgreSQL : le "
            "serveur construit le texte canonique de chaque événement avec ses fonctions "
            "intégrées, Python calcule et compare chaque empreinte), « python » (vérification "
            "indépendante : colonnes telles qu'enregistrées, texte canonique construit en "
            "Python, aucune fonction SQL ; « copy » en est l'ancien nom), « sql » (tout dans le "
            "serveur) ou « orm » (implémentation de référence ; défaut sur SQLite). Tous "
            "donnent le même résultat.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            metavar="N",
            help="PostgreSQL, moteurs fast et python : N processus vérifient chacun une plage "
            "de la chaîne, les liens entre plages sont vérifiés ensuite (défaut 1).",
        )

    def handle(self, *args, checkpoint, checkpoint_file, record, engine, jobs, **options):
        if jobs < 1:
            raise CommandError("--jobs : un nombre entier d'au moins 1.", returncode=2)
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
