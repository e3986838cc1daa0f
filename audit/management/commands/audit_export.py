from django.core.management.base import BaseCommand, CommandError

from audit import exports, selectors
from audit.forms import EventFilterForm
from audit.services import audit_record_export
from audit.vocabularies import AuditRole, ExportFormat


class Command(BaseCommand):
    help = (
        "Exporte le journal d'audit (CSV ou JSON Lines, même contenu que l'export de la page) "
        "sur la sortie standard ou dans un fichier. L'export est lui-même enregistré dans la "
        "chaîne."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=ExportFormat.values)
        parser.add_argument("--since", help="Premier jour inclus (AAAA-MM-JJ, heure de Paris).")
        parser.add_argument("--until", help="Dernier jour inclus (AAAA-MM-JJ, heure de Paris).")
        parser.add_argument("--reference", help="Uniquement les événements de cette référence.")
        parser.add_argument("--output", "-o", help="Fichier à écrire (défaut : sortie standard).")

    def handle(self, *args, format, since, until, reference, output, **options):
        data = {"since": since or "", "until": until or "", "reference": reference or ""}
        form = EventFilterForm(data)
        if not form.is_valid():
            messages = [
                f"--{name} : {error}" if name != "__all__" else str(error)
                for name, errors in form.errors.items()
                for error in errors
            ]
            raise CommandError(" ".join(messages))
        filters = form.filters()
        head = selectors.chain_head()
        up_to_seq = head[0]
        queryset = selectors.events(filters, up_to_seq=up_to_seq)
        audit_record_export(
            actor=None,
            role=AuditRole.SYSTEM,
            export_format=format,
            up_to_seq=up_to_seq,
            reference=filters.reference or "",
        )
        lines = exports.lines(
            format, queryset, head=head, filtered=filters != selectors.EventFilter()
        )
        if output:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                stream.writelines(lines)
        else:
            try:
                for line in lines:
                    self.stdout.write(line, ending="")
                self.stdout.flush()
            except BrokenPipeError:  # e.g. piped into `head`: stop quietly
                lines.close()
