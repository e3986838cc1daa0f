"""ASGI entry point. Production mode unless RELAIS_ENV says otherwise."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RELAIS_ENV", "production")

application = get_asgi_application()
