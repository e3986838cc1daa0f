"""Vocabularies shared by every app: stable English codes, French labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupportDomain(models.TextChoices):
    PSYCHOLOGICAL = "psychological", _("Psychologique")
    EDUCATIONAL = "educational", _("Éducatif")
    SOCIAL = "social", _("Social")
    PROFESSIONAL = "professional", _("Insertion professionnelle")


class OrganisationKind(models.TextChoices):
    STATE_SERVICE = "state_service", _("Service de l'État")
    LOCAL_AUTHORITY = "local_authority", _("Collectivité territoriale")
    ASSOCIATION = "association", _("Association")
    PUBLIC_BODY = "public_body", _("Établissement public")
    OTHER = "other", _("Autre partenaire")
