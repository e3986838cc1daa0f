"""Security middleware: the second-factor gate, the session's absolute limit, the
Permissions-Policy header, the refusal of NUL bytes in request parameters and the answer to
a login refused during the back-off."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

SESSION_STARTED_KEY = "relais_session_started"


class TwoFactorGateMiddleware:
    """After the password, nothing but the second-factor pages (and logout) until the session
    is verified by django-otp: no device yet → enrolment, else → verification. Covers every
    page, the Django admin and viewflow's generated views included. Runs after
    ``django_otp.middleware.OTPMiddleware``."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open = None

    def _open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = (
                reverse("twofactor:setup"),
                reverse("twofactor:verify"),
                reverse("logout"),
                reverse("login"),
                reverse("healthz"),
                settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/",
            )
        return self._open

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path_info.startswith(self._open_paths())
        ):
            from accounts.selectors import confirmed_totp_device

            target = "twofactor:verify" if confirmed_totp_device(user=user) else "twofactor:setup"
            next_url = request.get_full_path() if request.method == "GET" else "/"
            return redirect(f"{reverse(target)}?{urlencode({'next': next_url})}")
        return self.get_response(request)


class SessionLifetimeMiddleware:
    """An absolute limit on a session's life (``RELAIS_SESSION_MAX_SECONDS``, one working
    day), besides the inactivity limit (``SESSION_COOKIE_AGE`` renewed at each request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            started = request.session.get(SESSION_STARTED_KEY)
            if started is None:
                request.session[SESSION_STARTED_KEY] = now
            elif now - int(started) > settings.RELAIS_SESSION_MAX_SECONDS:
                logout(request)
                return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
        return self.get_response(request)


def permissions_policy(get_response):
    """Deny the browser features Relais never uses (camera, microphone, location…)."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.RELAIS_PERMISSIONS_POLICY)
        return response

    return middleware


def reject_nul_bytes(get_response):
    """In the Django admin, a NUL byte in a query parameter (``?state=%00``) answers 400 with
    a French message: PostgreSQL refuses NUL in text, and the admin's list filters would pass
    it on (a 500). Relais's own pages validate their parameters with their own messages."""

    def middleware(request):
        if not request.path_info.startswith(settings.RELAIS_ADMIN_PATH):
            return get_response(request)
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return HttpResponseBadRequest(
                    _("Paramètre invalide : caractère nul refusé.").encode(),
                    content_type="text/plain; charset=utf-8",
                )
        return get_response(request)

    return middleware


def login_backoff(get_response):
    """A login refused during the back-off (``accounts.lockouts.ThrottledAxesBackend``,
    before any password check) gets the back-off page: 429, ``Retry-After``, the same
    page whether or not the account exists. Placed just before axes' middleware."""

    def middleware(request):
        response = get_response(request)
        from accounts.lockouts import BACKOFF_ATTRIBUTE

        wait = getattr(request, BACKOFF_ATTRIBUTE, 0)
        if not wait:
            return response
        refusal = TemplateResponse(
            request, "registration/login_backoff.html", {"seconds": wait}, status=429
        )
        refusal["Retry-After"] = str(wait)
        return refusal.render()

    return middleware
