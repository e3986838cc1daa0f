"""Every POST that changes state is applied once: a second submit of the same form (double
click, resend after a slow answer, back and submit) is recognised and not applied again.

Each such form carries a one-time token (``{% submission_field %}``). The view runs its one
service inside ``submission_once(request)``: the token is recorded in the same transaction
as the change (unique per user), so of two submits of one form exactly one is applied; the
other raises ``AlreadySubmitted`` and writes nothing, even when both run at the same time
(the second waits for the first's locks, then fails to record the token and rolls back).
"""

import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ApplicationError
from workflows.models import Submission

FIELD = "submission"


class AlreadySubmitted(ApplicationError):
    def __init__(self):
        super().__init__(
            _("Ce formulaire a déjà été envoyé : il n'a pas été appliqué une seconde fois."),
            code="already_submitted",
        )


def _token(request) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def _seen(user, token) -> bool:
    return Submission.objects.filter(user=user, token=token).exists()


@contextmanager
def submission_once(request):
    """Run the block (one service call) at most once per form token of this user.

    A form without a token (an API client, an old page) is applied as before."""
    token = _token(request)
    if token is None:
        yield
        return
    try:
        with transaction.atomic():
            if _seen(request.user, token):
                raise AlreadySubmitted
            yield
            try:
                # No savepoint: a duplicate token leaves this block, which rolls back.
                Submission.objects.create(user=request.user, token=token)
            except IntegrityError as exc:
                raise AlreadySubmitted from exc
    except AlreadySubmitted:
        raise
    except ApplicationError:
        # Refused because the first submit was applied meanwhile (e.g. "this reference
        # exists" for a double-clicked registration): say so instead.
        if _seen(request.user, token):
            raise AlreadySubmitted from None
        raise


def submissions_purge(*, older_than_hours: int | None = None) -> int:
    """Delete the tokens recorded more than ``older_than_hours`` ago (default
    ``RELAIS_SUBMISSION_RETENTION_HOURS``); returns how many. One ``DELETE`` on the
    ``created_at`` index, whatever the table's size.

    A token only has to outlive the form that carries it: a page older than the longest
    session cannot be posted again (the session has ended, and signing in again rotates the
    CSRF token), so a retention shorter than ``RELAIS_SESSION_MAX_SECONDS`` is refused — it
    would let an old form be applied twice."""
    hours = (
        settings.RELAIS_SUBMISSION_RETENTION_HOURS if older_than_hours is None else older_than_hours
    )
    floor = -(-settings.RELAIS_SESSION_MAX_SECONDS // 3600)  # whole hours, rounded up
    if hours < floor:
        raise ApplicationError(
            _(
                "Durée de conservation trop courte : %(hours)d h, il faut au moins %(floor)d h "
                "(la durée maximale d'une session), sinon un ancien formulaire pourrait être "
                "appliqué deux fois."
            )
            % {"hours": hours, "floor": floor},
            code="retention_too_short",
        )
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted, _by_model = Submission.objects.filter(created_at__lt=cutoff).delete()
    return deleted
