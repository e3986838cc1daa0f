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

from audit.timestamps import format_time
from audit.vocabularies import AuditAction, AuditRole, ObjectType, VerifyReason
from core.display import CachedChoiceLabelsMixin

GENESIS_HASH = "0" * 64

code_validator = RegexValidator(r"^[a-z0-9_]*\Z", _("Code invalide."))
reference_validator = RegexValidator(r"^[A-Z0-9-]*\Z", _("Référence invalide."))
hash_validator = RegexValidator(r"^[0-9a-f]{64}\Z", _("Empreinte invalide."))
request_id_validator = RegexValidator(r"^[0-9a-f]{0,32}\Z", _("Identifiant de requête invalide."))


class AuditEvent(CachedChoiceLabelsMixin, models.Model):
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
            # Filters of the auditors' workspace (keyset pagination on seq under each). Each
            # index costs every append (~4% on PostgreSQL): transition, code, role and period
            # filters scan the seq index instead (docs/audit.md).
            models.Index(fields=["actor_username", "seq"], name="audit_username_seq"),
            models.Index(fields=["object_type", "seq"], name="audit_objtype_seq"),
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


class AuditCheckpoint(models.Model):
    """The chain head (sequence number and hash) at one moment, kept to detect rewrites.

    Append-only (triggers, migration 0004). ``line`` is the one-line form to keep outside the
    database; ``audit_verify --checkpoint "<line>"`` checks the chain against it.
    """

    LINE_PREFIX = "relais-checkpoint v1"

    seq = models.BigIntegerField(_("numéro de séquence"), db_index=True)
    hash = models.CharField(_("empreinte"), max_length=64, validators=[hash_validator])
    created_at = models.DateTimeField(_("date"))

    class Meta:
        ordering = ["-id"]
        verbose_name = _("point de contrôle")
        verbose_name_plural = _("points de contrôle")

    def __str__(self):
        return self.line

    @property
    def line(self) -> str:
        return (
            f"{self.LINE_PREFIX} seq={self.seq} hash={self.hash} at={format_time(self.created_at)}"
        )


class AuditVerification(models.Model):
    """The result of one verification of the chain (page or command). Append-only."""

    verified_at = models.DateTimeField(_("date"), db_index=True)
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
    ok = models.BooleanField(_("chaîne intègre"))
    event_count = models.BigIntegerField(_("événements vérifiés"))
    head_seq = models.BigIntegerField(_("tête : numéro de séquence"))
    head_hash = models.CharField(_("tête : empreinte"), max_length=64, validators=[hash_validator])
    checkpoint_count = models.PositiveIntegerField(_("points de contrôle vérifiés"), default=0)
    broken_seq = models.BigIntegerField(_("rupture au numéro"), null=True, blank=True)
    reason = models.CharField(
        _("motif de rupture"), max_length=32, choices=VerifyReason.choices, blank=True
    )

    class Meta:
        ordering = ["-id"]
        verbose_name = _("vérification de la chaîne")
        verbose_name_plural = _("vérifications de la chaîne")

    def __str__(self):
        return f"{self.verified_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'BROKEN'}"
