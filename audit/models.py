"""The tamper-evident domain audit chain.

Each ``AuditEvent`` carries a gapless sequence number and the SHA-256 of a canonical
serialisation of its fields, which includes the previous event's hash (docs/audit.md).
``ChainHead`` is the single row that serialises appends: it is locked by every append, on
every server. Database triggers (migration 0002) refuse UPDATE and DELETE of events.
"""

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.vocabularies import AuditAction, AuditRole, ObjectType

GENESIS_HASH = "0" * 64

code_validator = RegexValidator(r"^[a-z0-9_]*\Z", _("Code invalide."))
reference_validator = RegexValidator(r"^[A-Z0-9-]*\Z", _("Référence invalide."))
hash_validator = RegexValidator(r"^[0-9a-f]{64}\Z", _("Empreinte invalide."))
request_id_validator = RegexValidator(r"^[0-9a-f]{0,32}\Z", _("Identifiant de requête invalide."))


class AuditEvent(models.Model):
    seq = models.BigIntegerField(_("numéro de séquence"), unique=True)
    occurred_at = models.DateTimeField(_("date"), db_index=True)
    # No database constraint: events outlive users and must never be updated by a cascade.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acteur"),
    )
    actor_username = models.CharField(
        _("identifiant de l'acteur"),
        max_length=150,
        blank=True,
        validators=[UnicodeUsernameValidator()],
    )
    role = models.CharField(_("rôle"), max_length=32, choices=AuditRole.choices)
    action = models.CharField(_("action"), max_length=32, choices=AuditAction.choices)
    object_type = models.CharField(_("type d'objet"), max_length=32, choices=ObjectType.choices)
    object_id = models.BigIntegerField(_("identifiant de l'objet"), null=True, blank=True)
    reference = models.CharField(
        _("référence"), max_length=40, blank=True, validators=[reference_validator]
    )
    transition = models.CharField(
        _("transition"), max_length=64, blank=True, validators=[code_validator]
    )
    from_state = models.CharField(
        _("état de départ"), max_length=32, blank=True, validators=[code_validator]
    )
    to_state = models.CharField(
        _("état d'arrivée"), max_length=32, blank=True, validators=[code_validator]
    )
    code = models.CharField(_("code"), max_length=64, blank=True, validators=[code_validator])
    request_id = models.CharField(
        _("identifiant de requête"), max_length=32, blank=True, validators=[request_id_validator]
    )
    client_ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    prev_hash = models.CharField(
        _("empreinte précédente"), max_length=64, validators=[hash_validator]
    )
    hash = models.CharField(_("empreinte"), max_length=64, validators=[hash_validator])

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("événements d'audit")
        indexes = [
            models.Index(fields=["reference", "seq"], name="audit_ref_seq"),
            models.Index(fields=["actor", "seq"], name="audit_actor_seq"),
            models.Index(fields=["action", "seq"], name="audit_action_seq"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_type} {self.reference}".strip()


class ChainHead(models.Model):
    """The head of the chain (one row, id=1): last sequence number and hash."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH, validators=[hash_validator])

    class Meta:
        verbose_name = _("tête de chaîne")
        verbose_name_plural = _("tête de chaîne")

    def __str__(self):
        return f"{self.seq} {self.hash}"
