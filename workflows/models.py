"""The process of a referral in viewflow, and notification bookkeeping.

Case data lives in ``referrals.Referral`` (the process ``artifact``); the process only knows
who must do what next.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Process


class ReferralProcess(Process):
    class Meta:
        proxy = True
        verbose_name = _("circuit d'une orientation")
        verbose_name_plural = _("circuits des orientations")
        # Who takes and carries a task is decided by the task's node (its role), once.
        permissions = [("register_referral", _("Enregistrer une orientation"))]

    @property
    def referral(self):
        return self.artifact


class NotificationKind(models.TextChoices):
    NEW_IN_QUEUE = "new_in_queue", _("Nouvelle tâche dans votre file")
    ASSIGNED = "assigned", _("Tâche qui vous est attribuée")
    OVERDUE = "overdue", _("Tâches en retard")
    OVERDUE_ALL = "overdue_all", _("Tâches en retard du groupe opérationnel")


class Notification(models.Model):
    """One e-mail sent: makes reminders idempotent (one per user, kind and day)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    sent_on = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "sent_on"], name="notification_once_a_day"
            )
        ]
        verbose_name = _("notification envoyée")
        verbose_name_plural = _("notifications envoyées")


class Submission(models.Model):
    """One state-changing form, submitted once: its one-time token (a hidden field of the
    form) is recorded in the transaction of the action, so a second submit of the same form
    (double click, resend) is recognised and not applied twice (workflows.submissions)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.UUIDField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="submission_once")]
        # The purge (workflows.submissions.submissions_purge) deletes by age.
        indexes = [models.Index(fields=["created_at"], name="submission_created")]
        verbose_name = _("formulaire envoyé")
        verbose_name_plural = _("formulaires envoyés")
