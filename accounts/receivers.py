"""Thin receiver of django-axes' lockout signal: one chain event per lockout.

axes sends ``user_locked_out`` at the failure that reaches the limit and again at each try
made while locked; only the first one (the failure count equal to the limit) is recorded,
so a brute force costs the chain one event per account or address and cool-off period.
"""

from axes.helpers import get_failure_limit


def on_user_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    if request is None:
        return
    failures = getattr(request, "axes_failures_since_start", None)
    credentials = getattr(request, "axes_credentials", None)
    if failures is None or failures != get_failure_limit(request, credentials):
        return
    from accounts.services import lockout_record

    lockout_record(attempted_username=username)
