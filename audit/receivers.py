"""Thin receivers of Django's auth signals: each records one event in the chain.

Failed passwords are not recorded one by one (a brute force would flood the append-only
chain): django-axes counts them, and its lockout is recorded once (accounts/receivers.py).
"""

from audit.services import audit_record_login, audit_record_logout


def on_user_logged_in(sender, request, user, **kwargs):
    audit_record_login(user=user)


def on_user_logged_out(sender, request, user, **kwargs):
    if user is not None and user.is_authenticated:
        audit_record_logout(user=user)
