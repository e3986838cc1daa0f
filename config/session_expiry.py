"""Say clearly when a session has expired instead of silently losing what was typed.

Django's LoginRequiredMiddleware sends an anonymous request to the login page. When the
browser still sends a session cookie, the session has expired (or was ended elsewhere): the
login page then shows why, and after a POST that its input was not saved, so the user knows
to type it again after signing in (they come back to the same page through ``next``).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.utils.translation import gettext as _


class SessionExpiryLoginRequiredMiddleware(LoginRequiredMiddleware):
    def handle_no_permission(self, request, view_func):
        if request.COOKIES.get(settings.SESSION_COOKIE_NAME):
            if request.method == "POST":
                text = _(
                    "Votre session a expiré : ce que vous veniez de saisir n'a pas été "
                    "enregistré. Reconnectez-vous, vous reviendrez sur la même page pour le "
                    "saisir à nouveau."
                )
            else:
                text = _("Votre session a expiré : reconnectez-vous pour continuer.")
            messages.warning(request, text)
        return super().handle_no_permission(request, view_func)
