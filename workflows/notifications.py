"""E-mails to members and coordinators. They carry no case data: only a count and a link.

Recipients are resolved and mails sent after commit (a rolled-back action sends nothing), at
most once per person, kind and day (the ``Notification`` table makes it idempotent,
reminders included).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.models import Notification, NotificationKind
from workflows.selectors import inbox_count, queue_recipients

SUBJECTS = {
    NotificationKind.NEW_IN_QUEUE: _("[Relais] Nouvelle tâche dans votre file"),
    NotificationKind.ASSIGNED: _("[Relais] Une tâche vous a été attribuée"),
    NotificationKind.OVERDUE: _("[Relais] Tâches en retard"),
    NotificationKind.OVERDUE_ALL: _("[Relais] Tâches en retard du groupe opérationnel"),
}
BODIES = {
    NotificationKind.NEW_IN_QUEUE: _("%(count)d tâche(s) vous attendent dans votre file."),
    NotificationKind.ASSIGNED: _("%(count)d tâche(s) sont dans votre boîte de réception."),
    NotificationKind.OVERDUE: _("%(count)d tâche(s) sont en retard."),
    NotificationKind.OVERDUE_ALL: _("%(count)d tâche(s) du groupe opérationnel sont en retard."),
}


def _link(url_name: str) -> str:
    return settings.RELAIS_SITE_URL.rstrip("/") + reverse(url_name)


def send_once(*, user, kind: str, count: int, url_name: str) -> bool:
    """Record and send one notification unless this user already got this kind today.

    Returns True when a mail was queued. Must run inside a transaction; the mail leaves
    after commit.
    """
    if not user.email or count <= 0:
        return False
    try:
        with transaction.atomic():
            Notification.objects.create(
                user=user, kind=kind, sent_on=timezone.localdate(), count=count
            )
    except IntegrityError:
        return False
    subject = str(SUBJECTS[kind])
    body = "{}\n\n{}\n".format(BODIES[kind] % {"count": count}, _link(url_name))
    email = user.email
    transaction.on_commit(
        lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [email], fail_silently=True)
    )
    return True


def notify_new_in_queue(*, process) -> None:
    """Tell the people whose queue now holds new tasks of this process.

    Who they are (and each one's queue size) is resolved after commit, in the callback: the
    transaction holding the case's locks does not wait for those reads, and they see the
    committed queues (nothing at all when it rolls back)."""
    process_id = process.pk
    transaction.on_commit(lambda: _new_in_queue(process_id))


def _new_in_queue(process_id) -> None:
    with transaction.atomic():
        for user, count in queue_recipients(process=process_id):
            send_once(
                user=user,
                kind=NotificationKind.NEW_IN_QUEUE,
                count=count,
                url_name="workflow:queue",
            )


def notify_assigned(*, user) -> None:
    """Tell ``user`` a task was given to them; the inbox is counted after commit."""
    transaction.on_commit(lambda: _assigned(user))


def _assigned(user) -> None:
    with transaction.atomic():
        send_once(
            user=user,
            kind=NotificationKind.ASSIGNED,
            count=inbox_count(user=user),
            url_name="workflow:inbox",
        )
