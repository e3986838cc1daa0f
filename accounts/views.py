"""Account pages: the second-factor steps of the login (lockscreen pages, before the site),
"Mon compte" (in the site's frame) and the audited password views. Thin: a form, one
service, a redirect.
"""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import generic
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from accounts import forms, selectors, services
from core.errors import ApplicationError

SESSION_CODES_KEY = "relais_recovery_codes_once"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _show_codes(request, codes, next_url) -> HttpResponseRedirect:
    # Shown once, after a redirect (a page rendered straight from a Turbo POST is refused).
    request.session[SESSION_CODES_KEY] = {"codes": codes, "next": next_url}
    return redirect(reverse("twofactor:codes"))


def _fail(form, exc: ApplicationError):
    form.add_error("token" if exc.field == "token" else None, exc.message)


@method_decorator(never_cache, name="dispatch")
class TwoFactorSetupView(generic.FormView):
    """First login: enrol an authenticator app (QR code made here, no external service)."""

    template_name = "accounts/twofactor_setup.html"
    form_class = forms.TokenForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and selectors.confirmed_totp_device(user=request.user):
            return redirect(f"{reverse('twofactor:verify')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        device = services.totp_device_for_enrolment(user=self.request.user)
        qr = segno.make(device.config_url, error="m")
        context.update(
            {
                "qr_svg": mark_safe(qr.svg_inline(scale=4, dark="#000", light="#fff")),  # noqa: S308 (made here from our own data)
                "manual_key": selectors.manual_entry_key(device),
                "next": _next_url(self.request),
            }
        )
        return context

    def form_valid(self, form):
        user = self.request.user
        try:
            codes = services.twofactor_enrol(user=user, token=form.cleaned_data["token"])
        except ApplicationError as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        otp_login(self.request, selectors.confirmed_totp_device(user=user))
        return _show_codes(self.request, codes, _next_url(self.request))


@method_decorator(never_cache, name="dispatch")
class TwoFactorVerifyView(generic.FormView):
    """Each login: the code of the authenticator app, or a recovery code."""

    template_name = "accounts/twofactor_verify.html"
    form_class = forms.VerifyForm

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if user.is_authenticated and user.is_verified():
            return redirect(_next_url(request))
        if user.is_authenticated and selectors.confirmed_totp_device(user=user) is None:
            return redirect(f"{reverse('twofactor:setup')}?{request.GET.urlencode()}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = _next_url(self.request)
        device = selectors.confirmed_totp_device(user=self.request.user)
        # Development only (README): the demo accounts share a public key, so their current
        # code is shown; production never lists a demo device (accounts.selectors).
        if settings.DEBUG and selectors.demo_devices_allowed() and selectors.is_demo_device(device):
            context["demo_code"] = selectors.current_totp(device)
        return context

    def form_valid(self, form):
        try:
            device = services.twofactor_verify(
                user=self.request.user, token=form.cleaned_data["token"]
            )
        except ApplicationError as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        otp_login(self.request, device)
        return redirect(_next_url(self.request))


@method_decorator(never_cache, name="dispatch")
class RecoveryCodesShownView(generic.TemplateView):
    """The recovery codes, shown once right after they are made."""

    template_name = "accounts/recovery_codes.html"

    def get(self, request, *args, **kwargs):
        shown = request.session.pop(SESSION_CODES_KEY, None)
        if not shown:
            return redirect(reverse("account:index"))
        return self.render_to_response(
            self.get_context_data(codes=shown["codes"], next=shown["next"])
        )


class AccountHomeView(generic.TemplateView):
    """Mon compte: password, second factor, recovery codes."""

    template_name = "accounts/account_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        device = selectors.confirmed_totp_device(user=user)
        context.update(
            {
                "totp_device": device,
                "codes_remaining": selectors.recovery_codes_remaining(user=user),
                "form": forms.TokenForm(),
            }
        )
        return context


class RecoveryCodesRegenerateView(generic.FormView):
    """New recovery codes, after a current code of the authenticator app."""

    template_name = "accounts/account_home.html"
    form_class = forms.TokenForm
    http_method_names = ["post"]

    def form_valid(self, form):
        try:
            codes = services.recovery_codes_regenerate(
                user=self.request.user, token=form.cleaned_data["token"]
            )
        except ApplicationError as exc:
            messages.error(self.request, exc.message)
            return redirect(reverse("account:index"))
        return _show_codes(self.request, codes, reverse("account:index"))

    def form_invalid(self, form):
        messages.error(self.request, _("Saisissez le code affiché par votre application."))
        return redirect(reverse("account:index"))


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view, audited, in the site's frame."""

    form_class = forms.PasswordChangeForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account:password_change_done")
    title = gettext_lazy("Changer de mot de passe")

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_change_record(user=form.user)
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
    title = gettext_lazy("Mot de passe changé")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view, audited. The new password never skips the second factor: the person
    logs in afterwards with both."""

    form_class = forms.SetPasswordForm

    def form_valid(self, form):
        with transaction.atomic():
            response = super().form_valid(form)
            services.password_reset_record(user=form.user)
        return response
