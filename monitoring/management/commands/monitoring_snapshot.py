"""Recompute the State delegates' dashboard snapshot (cron, every few minutes), so that no
visitor waits for the figures to be computed. Does nothing when snapshots are off
(``RELAIS_DASHBOARD_SNAPSHOT_SECONDS=0``)."""

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.utils import timezone

from monitoring import selectors
from monitoring.dashboard import flow_months


class Command(BaseCommand):
    help = "Recalcule l'instantané du tableau de bord des délégués de l'État."

    def handle(self, *args, **options):
        seconds = settings.RELAIS_DASHBOARD_SNAPSHOT_SECONDS
        if not seconds:
            self.stdout.write("Instantanés désactivés (RELAIS_DASHBOARD_SNAPSHOT_SECONDS=0).")
            return
        today, now = timezone.localdate(), timezone.now()
        filters = selectors.Filters()
        figures = selectors.dashboard_figures_compute(
            filters, today=today, now=now, months=flow_months(filters, today)
        )
        cache.set(selectors.dashboard_key(today), figures, seconds)
        self.stdout.write(f"Instantané calculé à {timezone.localtime(now):%H:%M:%S}.")
