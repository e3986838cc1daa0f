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
    NO_ROLE = "no_role", _("Sans rôle")


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
    LOCKOUT = "lockout", _("Verrouillage après échecs de connexion")
    UNLOCK = "unlock", _("Déverrouillage")
    PASSWORD_CHANGE = "password_change", _("Changement de mot de passe")
    PASSWORD_RESET = "password_reset", _("Réinitialisation du mot de passe")
    SECOND_FACTOR = "second_factor", _("Deuxième facteur")
    TASK = "task", _("Prise ou remise d'une tâche")


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
    TASK = "task", _("Tâche")
    INDICATOR_RELEASE = "indicator_release", _("Publication d'indicateurs")
    MONITORING_TABLE = "monitoring_table", _("Tableau de suivi")


class LoginFailure(models.TextChoices):
    """Why a login failed, as far as the chain records it (never the password).

    The attempted username is stored only when it names an existing account; otherwise the
    event carries an empty username and one of the two codes below (docs/audit.md).
    """

    BAD_CREDENTIALS = "bad_credentials", _("Identifiants refusés pour un compte existant")
    UNKNOWN_USERNAME = "unknown_username", _("Identifiant inconnu (non enregistré)")
    INVALID_USERNAME = "invalid_username", _("Identifiant invalide (non enregistré)")


class AdminOperation(models.TextChoices):
    """What an administrative change did (stored in the event's ``transition``)."""

    CREATE = "create", _("Création")
    UPDATE = "update", _("Modification")
    DELETE = "delete", _("Suppression")
    SET_PASSWORD = "set_password", _("Changement de mot de passe")
    SET_IS_ACTIVE = "set_is_active", _("Compte actif")
    SET_IS_STAFF = "set_is_staff", _("Accès à l'administration")
    SET_IS_SUPERUSER = "set_is_superuser", _("Superutilisateur")
    GROUPS_ADD = "groups_add", _("Ajout à un groupe")
    GROUPS_REMOVE = "groups_remove", _("Retrait d'un groupe")
    PERMISSIONS_ADD = "permissions_add", _("Ajout d'une permission")
    PERMISSIONS_REMOVE = "permissions_remove", _("Retrait d'une permission")


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    JSONL = "jsonl", _("JSON Lines")


class VerifyReason(models.TextChoices):
    """Why a verification failed (stable codes; the command prints an English sentence)."""

    MISSING_EVENT = "missing_event", _("Événement manquant")
    LINK_MISMATCH = "link_mismatch", _("Lien avec l'empreinte précédente rompu")
    HASH_MISMATCH = "hash_mismatch", _("Empreinte ne correspondant pas au contenu")
    HEAD_BEHIND = "head_behind", _("Événements manquants avant la tête de chaîne")
    HEAD_HASH_MISMATCH = (
        "head_hash_mismatch",
        _("Empreinte de la tête ne correspondant pas au dernier événement"),
    )
    CHECKPOINT_MISMATCH = (
        "checkpoint_mismatch",
        _("Empreinte différente de celle d'un point de contrôle"),
    )
    CHECKPOINT_BEYOND_HEAD = (
        "checkpoint_beyond_head",
        _("Point de contrôle au-delà de la tête de chaîne (événements disparus)"),
    )
    ANCHOR_MISMATCH = (
        "anchor_mismatch",
        _("Empreinte différente de celle d'une ancre signée conservée hors de la base"),
    )
    ANCHOR_BEYOND_HEAD = (
        "anchor_beyond_head",
        _("Ancre signée au-delà de la tête de chaîne (événements effacés)"),
    )
    ANCHOR_INVALID = (
        "anchor_invalid",
        _("Ancre illisible ou à la signature invalide"),
    )
    RECORD_MISMATCH = (
        "record_mismatch",
        _("Empreinte différente de celle d'une vérification enregistrée"),
    )
    RECORD_BEYOND_HEAD = (
        "record_beyond_head",
        _("Vérification enregistrée au-delà de la tête de chaîne (événements effacés)"),
    )


class SecondFactorOperation(models.TextChoices):
    """What happened to a second factor (stored in the event's ``transition``)."""

    ENROL = "enrol", _("Enrôlement")
    VERIFY = "verify", _("Vérification réussie")
    VERIFY_FAILED = "verify_failed", _("Code refusé")
    RESET = "reset", _("Réinitialisation par un administrateur")
    RECOVERY_CODES_ISSUED = "recovery_codes_issued", _("Nouveaux codes de secours")


class SecondFactorMethod(models.TextChoices):
    """Which kind of code was used (stored in the event's ``code``)."""

    TOTP = "totp", _("Application d'authentification (TOTP)")
    RECOVERY_CODE = "recovery_code", _("Code de secours")


class UnlockMethod(models.TextChoices):
    """How a lockout was lifted before its cool-off ended (the event's ``code``)."""

    ADMIN = "admin", _("Par un administrateur")
    COMMAND = "command", _("Par une commande d'exploitation")
    COOL_OFF = "cool_off", _("Fin du délai de blocage")
    LOGIN = "login", _("Connexion réussie (compteurs d'échecs remis à zéro)")


class LockScope(models.TextChoices):
    """What a lockout or an unlock is about (the unlock event's ``transition``)."""

    ACCOUNT = "account", _("Compte")
    ADDRESS = "address", _("Adresse IP")


class TaskOperation(models.TextChoices):
    """What happened to a workflow task (stored in the event's ``transition``)."""

    ASSIGN = "assign", _("Prise en charge")
    REASSIGN = "reassign", _("Réattribution")
    UNASSIGN = "unassign", _("Remise dans la file")
