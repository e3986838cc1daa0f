"""Reference data: partner organisations, member profiles and the territory's communes."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from directory.fields import ChoiceSetField
from directory.vocabularies import OrganisationKind, SupportDomain

insee_code_validator = RegexValidator(
    r"^(\d{5}|2[AB]\d{3})$", _("Le code INSEE doit comporter 5 caractères (ex. 59606).")
)
postal_code_validator = RegexValidator(
    r"^\d{5}$", _("Le code postal doit comporter 5 chiffres (ex. 59300).")
)


class Organisation(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    kind = models.CharField(
        _("type"), max_length=32, choices=OrganisationKind.choices, default=OrganisationKind.OTHER
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation partenaire")
        verbose_name_plural = _("organisations partenaires")

    def __str__(self):
        return self.name


class MemberProfile(models.Model):
    """A member of the operational group: their organisation, domains and capacity."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="member_profile",
        verbose_name=_("utilisateur"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("organisation"),
    )
    domains = ChoiceSetField(
        _("domaines d'accompagnement"),
        vocabulary=SupportDomain,
        help_text=_("Les domaines dans lesquels ce membre peut prendre des accompagnements."),
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacité"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text=_("Nombre maximal d'accompagnements actifs en même temps."),
    )
    active = models.BooleanField(_("actif"), default=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("profil de membre")
        verbose_name_plural = _("profils de membres")

    def __str__(self):
        return f"{self.user.get_username()} ({self.organisation})"


class Commune(models.Model):
    insee_code = models.CharField(
        _("code INSEE"), max_length=5, unique=True, validators=[insee_code_validator]
    )
    name = models.CharField(_("nom"), max_length=120)
    postal_code = models.CharField(
        _("code postal"), max_length=5, validators=[postal_code_validator]
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self):
        return self.name
