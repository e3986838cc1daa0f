"""Deadlines: reviews that come due and reminders of overdue work. Idempotent, for cron."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.errors import ApplicationError
from core.roles import Role
from referrals.models import Referral, triage_overdue
from referrals.vocabularies import ReferralState
from support.models import SupportTrack
from workflows.models import NotificationKind
from workflows.notifications import send_once
from workflows.selectors import overdue_support_counts
from workflows.services import process_request_review


@dataclass
class ReminderReport:
    reviews_requested: int = 0
    mails_sent: int = 0
    errors: int = 0


def reminders_run(*, today=None) -> ReminderReport:
    """Request the reviews whose date has come (system actor) and e-mail overdue reminders,
    counted on ``today``: to each member, the number of overdue tracks they hold; to
    coordinators, the total (a separate kind of mail, so a coordinator who is also a member
    gets both).

    Running it twice the same day changes nothing the second time: the reviews are already
    requested and the notifications table allows one mail per person, kind and day.
    """
    today = today or timezone.localdate()
    report = ReminderReport()
    due = Referral.objects.filter(state=ReferralState.IN_SUPPORT, next_review_on__lte=today)
    for referral in due.order_by("next_review_on", "pk"):
        try:
            process_request_review(actor=None, referral=referral)
            report.reviews_requested += 1
        except ApplicationError:
            report.errors += 1  # changed meanwhile (suspended, already in review)
    User = get_user_model()
    with transaction.atomic():
        per_member = overdue_support_counts(today=today)
        for user in User.objects.filter(pk__in=per_member, is_active=True):
            report.mails_sent += send_once(
                user=user,
                kind=NotificationKind.OVERDUE,
                count=per_member[user.pk],
                url_name="member:index",
            )
        total = _overdue_total(today)
        for user in User.objects.filter(is_active=True, groups__name=Role.COORDINATOR):
            report.mails_sent += send_once(
                user=user,
                kind=NotificationKind.OVERDUE_ALL,
                count=total,
                url_name="coordination:index",
            )
    return report


def _overdue_total(today) -> int:
    """Late triages and late tracks (the reviews come due are requested just before)."""
    return (
        Referral.objects.filter(triage_overdue(today)).count()
        + SupportTrack.objects.overdue(today).count()
    )
