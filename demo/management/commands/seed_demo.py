from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings

from accounts.selectors import DEMO_TOTP_KEY_B32, demo_devices_allowed
from accounts.services import demo_twofactor_enrol
from directory.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_seed_directory
from monitoring.demo import demo_seed_indicators, demo_seed_releases
from workflows.demo import demo_seed_cases


class Command(BaseCommand):
    help = (
        "Crée des données de démonstration fictives et un compte par rôle. Idempotent. "
        "Refuse de s'exécuter quand DEBUG est désactivé, sauf avec --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD)
        parser.add_argument(
            "--force",
            action="store_true",
            help="Autorise l'exécution hors mode développement (jamais sur de vraies données).",
        )

    def handle(self, *args, password, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuse de s'exécuter quand DEBUG est désactivé (production). "
                "Utilisez --force uniquement sur une instance de démonstration."
            )
        demo_seed_directory(password=password)
        # The demo's notifications go nowhere: no mail server, no console noise.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
            # Seeders of the case apps, in order; each is idempotent. The releases come last:
            # they publish the ended periods of the cases and indicators seeded before.
            for seeder in (demo_seed_cases, demo_seed_indicators, demo_seed_releases):
                seeder(password=password)
        demo_key = self._enrol_demo_second_factor()
        self.stdout.write(self.style.SUCCESS("Données de démonstration prêtes."))
        self.stdout.write(f"Comptes de démonstration (mot de passe : {password}) :")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<18} {account.label}")
        if demo_key:
            self.stdout.write(
                "Deuxième facteur (développement uniquement, refusé en production) : clé TOTP "
                f"{demo_key}, commune à tous les comptes de démonstration. Ajoutez-la à une "
                "application d'authentification ; avec DEBUG, la page de vérification affiche "
                "aussi le code courant."
            )
        else:
            self.stdout.write(
                "Production : chaque compte enrôle son deuxième facteur à la première connexion."
            )

    def _enrol_demo_second_factor(self) -> str:
        """Development: every demo account gets the public demo authenticator."""
        if not demo_devices_allowed():
            return ""
        User = get_user_model()
        for user in User.objects.filter(username__in=[a.username for a in DEMO_ACCOUNTS]):
            demo_twofactor_enrol(user=user)
        return DEMO_TOTP_KEY_B32
