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

from django.db import IntegrityError, transaction
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
