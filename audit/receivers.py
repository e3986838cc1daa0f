"""Thin receivers of Django's auth signals: each records one event in the chain.

Never the password: ``user_login_failed`` carries the credentials with the password already
replaced by Django, and only the attempted username is looked at (audit.services).
"""

from audit.services import audit_record_login, audit_record_login_failed, audit_record_logout


def on_user_logged_in(sender, request, user, **kwargs):
    audit_record_login(user=user)


def on_user_logged_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        audit_record_logout(user=user)


def on_user_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get("username") if isinstance(credentials, dict) else None
    audit_record_login_failed(attempted_username=username)
