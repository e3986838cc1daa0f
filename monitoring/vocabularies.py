"""Coded vocabularies of the territorial indicators: stable English codes, French labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TerritorialIndicatorCode(models.TextChoices):
    """The territorial indicators the coordinator enters for each period (never text)."""

    ASSOCIATION_CONCERNS = (
        "association_concerns",
        _("Des associations ont reçu des plaintes ou des confidences inquiétantes"),
    )
    INSTITUTION_TESTIMONIES = (
        "institution_testimonies",
        _(
            "Des établissements scolaires ou d'autres institutions ont signalé des témoignages "
            "justifiant la violence"
        ),
    )
    COMMUNITY_TENSIONS = "community_tensions", _("Niveau de tension entre communautés")
    TRAININGS = "trainings", _("Formations mises en place par d'autres institutions (nombre)")


class Answer(models.TextChoices):
    YES = "yes", _("Oui")
    NO = "no", _("Non")
    UNKNOWN = "unknown", _("Ne sait pas")


class TensionLevel(models.TextChoices):
    NONE = "none", _("Aucune")
    LOW = "low", _("Faible")
    MODERATE = "moderate", _("Modérée")
    HIGH = "high", _("Forte")


class ValueKind(models.TextChoices):
    ANSWER = "answer", _("Oui / non")
    LEVEL = "level", _("Niveau")
    COUNT = "count", _("Nombre")


Code = TerritorialIndicatorCode

# What kind of value each indicator takes.
INDICATOR_KINDS: dict[str, str] = {
    Code.ASSOCIATION_CONCERNS: ValueKind.ANSWER,
    Code.INSTITUTION_TESTIMONIES: ValueKind.ANSWER,
    Code.COMMUNITY_TENSIONS: ValueKind.LEVEL,
    Code.TRAININGS: ValueKind.COUNT,
}

# The coded answers an indicator of each kind accepts.
KIND_CHOICES = {ValueKind.ANSWER: Answer, ValueKind.LEVEL: TensionLevel}

# Every coded answer, for the model field (a single column holds both vocabularies).
CODED_ANSWER_CHOICES = [*Answer.choices, *TensionLevel.choices]

MAX_COUNT = 10_000


def indicators_of_kind(kind: str) -> list[str]:
    return [code for code, k in INDICATOR_KINDS.items() if k == kind]
