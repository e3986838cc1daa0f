"""Vocabularies of the audit chain. Codes are stable: they are part of hashed events."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditRole(models.TextChoices):
    """The role an actor acted in: the six roles, plus the administrator and the system."""

    CELL_LIAISON = "cell_liaison", _("Référent cellule")
    COORDINATOR = "coordinator", _("Coordinateur")
    MEMBER = "member", _("Membre du groupe opérationnel")
    STATE_DELEGATE = "state_delegate", _("Délégué de l'État")
    AUDITOR = "auditor", _("Auditeur")
    STRATEGIC_GROUP = "strategic_group", _("Groupe stratégique")
    ADMINISTRATOR = "administrator", _("Administrateur")
    SYSTEM = "system", _("Système")
    ANONYMOUS = "anonymous", _("Anonyme")


class AuditAction(models.TextChoices):
    TRANSITION = "transition", _("Transition")
    CREATE = "create", _("Création")
    UPDATE = "update", _("Mise à jour codée")
    ACCESS = "access", _("Consultation")
    LOGIN = "login", _("Connexion")
    LOGOUT = "logout", _("Déconnexion")
    LOGIN_FAILED = "login_failed", _("Échec de connexion")
    EXPORT = "export", _("Export")
    ADMIN_CHANGE = "admin_change", _("Modification administrative")
    VERIFY = "verify", _("Vérification de la chaîne")
    CHECKPOINT = "checkpoint", _("Point de contrôle")


class ObjectType(models.TextChoices):
    REFERRAL = "referral", _("Orientation")
    SUPPORT_TRACK = "support_track", _("Accompagnement")
    USER = "user", _("Utilisateur")
    GROUP = "group", _("Groupe")
    MEMBER_PROFILE = "member_profile", _("Profil de membre")
    ORGANISATION = "organisation", _("Organisation")
    TERRITORIAL_INDICATOR = "territorial_indicator", _("Indicateur territorial")
    AUDIT_LOG = "audit_log", _("Journal d'audit")
    SESSION = "session", _("Session")
