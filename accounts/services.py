"""Writes about accounts: second factor, passwords, lockouts. Each security action writes
exactly one event in the audit chain, in the same transaction as the change it records.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import selectors
from accounts.models import CODE_LENGTH, RecoveryCodeDevice, normalize_code
from audit import context as audit_context
from audit.services import attempted_account, audit_record, recordable_username, session_role
from audit.vocabularies import (
    AuditAction,
    AuditRole,
    LockScope,
    ObjectType,
    SecondFactorMethod,
    SecondFactorOperation,
    UnlockMethod,
)
from core.errors import ApplicationError

TOTP_DIGITS = 6


def _account_event(*, user, action, transition="", code="", actor=None, role=None):
    """One event about ``user``'s account; the actor is the user unless someone else acts."""
    actor = actor if actor is not None else user
    return audit_record(
        actor=actor,
        role=role or session_role(actor),
        action=action,
        object_type=ObjectType.USER,
        object_id=user.pk,
        transition=transition,
        code=code,
        actor_username=recordable_username(actor.get_username()),
    )


# --- second factor ------------------------------------------------------------------------


@transaction.atomic
def totp_device_for_enrolment(*, user) -> TOTPDevice:
    """The unconfirmed authenticator being enrolled (made once, reused until confirmed).

    Refuses when the user already has a confirmed one: replacing it needs an administrator's
    reset, so a stolen session cannot swap the second factor.
    """
    if selectors.confirmed_totp_device(user=user) is not None:
        raise ApplicationError(
            _("Un deuxième facteur est déjà enregistré pour ce compte."), code="already_enrolled"
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=_("Application d'authentification"), confirmed=False
        )
    return device


def _check_allowed(device) -> None:
    allowed, info = device.verify_is_allowed()
    if not allowed and info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        raise ApplicationError(
            _(
                "Trop de codes refusés : attendez quelques instants avant de réessayer "
                "(le délai double à chaque erreur)."
            ),
            code="throttled",
        )


@transaction.atomic
def twofactor_enrol(*, user, token: str) -> list[str]:
    """Confirm the authenticator being enrolled with a code it shows, issue the recovery
    codes (returned in clear once, stored hashed) and record the enrolment."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("pk")
        .first()
    )
    if device is None or selectors.confirmed_totp_device(user=user) is not None:
        raise ApplicationError(_("Aucun enrôlement en cours."), code="no_enrolment")
    _check_allowed(device)
    if not device.verify_token(str(token).strip()):
        raise ApplicationError(
            _("Code incorrect : saisissez le code à 6 chiffres affiché par l'application."),
            code="bad_token",
            field="token",
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _issue_recovery_codes(user=user)
    _account_event(
        user=user,
        action=AuditAction.SECOND_FACTOR,
        transition=SecondFactorOperation.ENROL,
        code=SecondFactorMethod.TOTP,
    )
    return codes


def _issue_recovery_codes(*, user) -> list[str]:
    device, _created = RecoveryCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "recovery", "confirmed": True}
    )
    return device.replace_codes()


def twofactor_verify(*, user, token: str):
    """Check the second factor at login: a 6-digit code from the authenticator, or a
    single-use recovery code. Returns the device that matched (for ``django_otp.login``).

    Every outcome is recorded: a success (and with which kind of code), or a refused code —
    a refused second factor means the password is known to someone. Repeated refusals are
    throttled by django-otp (1, 2, 4, 8… seconds between tries).
    """
    candidate = str(token or "").strip()
    use_recovery = len(normalize_code(candidate)) == CODE_LENGTH
    if use_recovery:
        device = selectors.recovery_device(user=user)
        method = SecondFactorMethod.RECOVERY_CODE
    else:
        device = selectors.confirmed_totp_device(user=user)
        method = SecondFactorMethod.TOTP
    if device is None:
        raise ApplicationError(_("Code incorrect."), code="bad_token", field="token")
    _check_allowed(device)
    with transaction.atomic():
        ok = device.verify_token(candidate.replace(" ", "") if not use_recovery else candidate)
        _account_event(
            user=user,
            action=AuditAction.SECOND_FACTOR,
            transition=SecondFactorOperation.VERIFY if ok else SecondFactorOperation.VERIFY_FAILED,
            code=method,
        )
    if not ok:
        raise ApplicationError(_("Code incorrect."), code="bad_token", field="token")
    return device


@transaction.atomic
def recovery_codes_regenerate(*, user, token: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a current authenticator code."""
    device = selectors.confirmed_totp_device(user=user)
    if device is None:
        raise ApplicationError(_("Aucun deuxième facteur enregistré."), code="not_enrolled")
    _check_allowed(device)
    if not device.verify_token(str(token).strip()):
        raise ApplicationError(_("Code incorrect."), code="bad_token", field="token")
    codes = _issue_recovery_codes(user=user)
    _account_event(
        user=user,
        action=AuditAction.SECOND_FACTOR,
        transition=SecondFactorOperation.RECOVERY_CODES_ISSUED,
        code=SecondFactorMethod.RECOVERY_CODE,
    )
    return codes


@transaction.atomic
def twofactor_reset(*, actor, user) -> None:
    """An administrator removes someone's second factor (lost phone): every device goes, so
    every session verified with it loses its verification, and the person enrols again at
    the next login. Recorded with the administrator as actor."""
    if not (actor.is_active and actor.is_staff):
        raise ApplicationError(_("Réservé aux administrateurs."), code="forbidden")
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    _account_event(
        user=user,
        actor=actor,
        role=AuditRole.ADMINISTRATOR,
        action=AuditAction.SECOND_FACTOR,
        transition=SecondFactorOperation.RESET,
    )


@transaction.atomic
def demo_twofactor_enrol(*, user) -> TOTPDevice:
    """Development only: give a demo account the public demo authenticator (README)."""
    if not selectors.demo_devices_allowed():
        raise ApplicationError(
            _("Le deuxième facteur de démonstration est refusé en production."),
            code="production",
        )
    device, _created = TOTPDevice.objects.update_or_create(
        user=user,
        key=selectors.DEMO_TOTP_KEY_HEX,
        defaults={"name": "demo", "confirmed": True},
    )
    return device


# --- passwords ----------------------------------------------------------------------------


def password_change_record(*, user) -> None:
    """Record that ``user`` changed their own password (never the password)."""
    _account_event(user=user, action=AuditAction.PASSWORD_CHANGE)


def password_reset_record(*, user) -> None:
    """Record that ``user``'s password was reset through an e-mailed link."""
    _account_event(
        user=user, actor=user, role=session_role(user), action=AuditAction.PASSWORD_RESET
    )


# --- lockouts -----------------------------------------------------------------------------


def lockout_record(*, attempted_username) -> None:
    """One event when failed logins reach the limit (not one per failure): the account and
    username only when the attempted name is an existing account, as for failed logins."""
    user_id, code = attempted_account(attempted_username)
    audit_record(
        actor=None,
        role=AuditRole.ANONYMOUS,
        action=AuditAction.LOCKOUT,
        object_type=ObjectType.USER if user_id else ObjectType.SESSION,
        object_id=user_id,
        code=code,
        actor_username=attempted_username if user_id else "",
    )


@transaction.atomic
def login_backoff_claim(*, username: str | None, ip_address: str | None, now) -> int:
    """May this login attempt check its password now? 0: yes, and it has taken the current
    back-off window of its account name and of its address, so that requests sent in
    parallel do not all pass in the same window; else the whole seconds to wait.

    Taking a window moves the latest failure row's time to ``now`` with a compare-and-set
    (the row must still hold the time that was read): of several requests racing for one
    window, exactly one succeeds; the others wait a full delay. Nothing is written below the
    back-off threshold."""
    wait, taken = 0.0, set()
    for failures, (pk, last) in selectors.login_backoff_state(
        username=username, ip_address=ip_address, now=now
    ):
        delay = timedelta(seconds=selectors.login_backoff_delay(failures))
        if last + delay > now:
            wait = max(wait, (last + delay - now).total_seconds())
        elif pk in taken:
            continue  # the account's and the address's latest failure are one row
        elif AccessAttempt.objects.filter(pk=pk, attempt_time=last).update(attempt_time=now):
            taken.add(pk)
        else:
            wait = max(wait, delay.total_seconds())  # another request took this window
    return math.ceil(wait) if wait > 0 else 0


@transaction.atomic
def login_attempts_delete(*, attempts, method: str, actor=None) -> int:
    """Delete django-axes' failure rows ``attempts`` (a queryset) — every way a lockout is
    lifted goes through here: an administrator in the admin, axes' ``axes_reset*`` commands
    (through ``accounts.lockouts.AuditedAxesHandler``), the end of a cool-off, a successful
    login. One ``unlock`` event for each account name and each address whose failures were
    at the limit and fall below it; nothing for rows that locked nothing. Returns the number
    of rows deleted."""
    doomed = list(attempts.select_for_update().values_list("pk", flat=True))
    if not doomed:
        return 0
    removed = selectors.lockout_keys(AccessAttempt.objects.filter(pk__in=doomed))
    names = [value for (scope, value) in removed if scope == LockScope.ACCOUNT]
    addresses = [value for (scope, value) in removed if scope == LockScope.ADDRESS]
    before = selectors.lockout_keys(
        AccessAttempt.objects.filter(Q(username__in=names) | Q(ip_address__in=addresses))
    )
    limit = lockout_failure_limit()
    lifted = [
        key
        for key, failures in removed.items()
        if before.get(key, 0) >= limit > before.get(key, 0) - failures
    ]
    AccessAttempt.objects.filter(pk__in=doomed).delete()
    for scope, value in sorted(lifted):
        unlock_record(actor=actor, scope=scope, value=value, method=method)
    return len(doomed)


def unlock_record(*, actor, scope: str, value: str, method: str) -> None:
    """One ``unlock`` event: ``transition`` says whether an account name or an address was
    unlocked, ``code`` how. An account is named as in its lockout event (the account's id
    only when the name is an existing account); an address is the event's ``client_ip``, as
    in its lockout event. A cool-off's end belongs to no request (no request id)."""
    ctx = audit_context.current()
    client_ip = ctx.client_ip if method != UnlockMethod.COOL_OFF else None
    request_id = ctx.request_id if method != UnlockMethod.COOL_OFF else ""
    user_id = None
    if scope == LockScope.ACCOUNT:
        user_id, _code = attempted_account(value)
    else:
        client_ip = value
    token = audit_context.bind(audit_context.RequestContext(request_id, client_ip))
    try:
        audit_record(
            actor=actor,
            role=AuditRole.ADMINISTRATOR if actor is not None else AuditRole.SYSTEM,
            action=AuditAction.UNLOCK,
            object_type=ObjectType.USER if user_id else ObjectType.SESSION,
            object_id=user_id,
            transition=scope,
            code=method,
        )
    finally:
        audit_context.reset(token)


def lockout_failure_limit() -> int:
    return int(settings.AXES_FAILURE_LIMIT)
