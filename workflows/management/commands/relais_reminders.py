from django.core.management.base import BaseCommand

from workflows.reminders import reminders_run


class Command(BaseCommand):
    help = (
        "Demande les bilans arrivés à échéance et envoie les rappels de retard (au plus un "
        "courriel par personne et par jour). Idempotent : à lancer par cron."
    )

    def handle(self, *args, **options):
        report = reminders_run()
        self.stdout.write(
            f"{report.reviews_requested} bilan(s) demandé(s), {report.mails_sent} courriel(s) "
            f"envoyé(s), {report.errors} orientation(s) ignorée(s)."
        )
