"""WSGI entry point (gunicorn). Production mode unless RELAIS_ENV says otherwise."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("RELAIS_ENV", "production")

application = get_wsgi_application()
