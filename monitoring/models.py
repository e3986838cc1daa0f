"""Territorial indicators: one coded answer or count per indicator and period.

Written only through ``monitoring.services.territorial_indicator_set`` (coordinator, audited).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from monitoring.disclosure import validate_figures, validate_year
from monitoring.periods import Period, PeriodKind
from monitoring.populations import POPULATIONS
from monitoring.vocabularies import (
    CODED_ANSWER_CHOICES,
    INDICATOR_KINDS,
    MAX_COUNT,
    Answer,
    TensionLevel,
    TerritorialIndicatorCode,
    ValueKind,
    indicators_of_kind,
)


def _value_matches_indicator() -> Q:
    """The value's form follows the indicator: a yes/no answer, a level, or a count."""
    answers = indicators_of_kind(ValueKind.ANSWER)
    levels = indicators_of_kind(ValueKind.LEVEL)
    counts = indicators_of_kind(ValueKind.COUNT)
    return (
        Q(indicator__in=answers, answer__in=Answer.values, count__isnull=True)
        | Q(indicator__in=levels, answer__in=TensionLevel.values, count__isnull=True)
        | Q(indicator__in=counts, answer="", count__isnull=False)
    )


class TerritorialIndicator(models.Model):
    period_kind = models.CharField(_("type de période"), max_length=16, choices=PeriodKind.choices)
    period_start = models.DateField(_("début de la période"))
    indicator = models.CharField(
        _("indicateur"), max_length=32, choices=TerritorialIndicatorCode.choices
    )
    answer = models.CharField(
        _("réponse codée"), max_length=16, choices=CODED_ANSWER_CHOICES, blank=True
    )
    count = models.PositiveIntegerField(
        _("nombre"), null=True, blank=True, validators=[MaxValueValidator(MAX_COUNT)]
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("saisi par"),
    )
    entered_at = models.DateTimeField(_("saisi le"))

    class Meta:
        ordering = ["-period_start", "period_kind", "indicator"]
        verbose_name = _("indicateur territorial")
        verbose_name_plural = _("indicateurs territoriaux")
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "indicator"],
                name="territorial_indicator_once_per_period",
            ),
            models.CheckConstraint(
                condition=_value_matches_indicator(), name="territorial_indicator_value_form"
            ),
        ]

    def __str__(self):
        return f"{self.period} · {self.get_indicator_display()}"

    @property
    def period(self) -> Period:
        return Period(self.period_kind, self.period_start)

    @property
    def value_kind(self) -> str:
        return INDICATOR_KINDS[self.indicator]

    @property
    def value(self):
        """The count (int) or the answer code (str)."""
        return self.count if self.value_kind == ValueKind.COUNT else self.answer

    @property
    def value_label(self) -> str:
        if self.value_kind == ValueKind.COUNT:
            return str(self.count)
        return str(self.get_answer_display())


class ReleaseTrigger(models.TextChoices):
    """Who asked for a release (stable codes, stored and audited)."""

    COORDINATOR = "coordinator", _("Coordinateur (page des publications)")
    COMMAND = "command", _("Commande planifiée")


def _validate_figures(value):
    try:
        validate_figures(value, POPULATIONS)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError(_("Chiffres publiés invalides."), code="figures") from exc


def _validate_state(value):
    try:
        validate_year(value, POPULATIONS)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationError(_("Registre invalide."), code="state") from exc


class _AppendOnly(models.Model):
    """Rows written once: a release or a ledger state is never edited nor deleted by the
    application (a change is a new row). The admin is read-only too. The JSON fields hold
    codes, quarters and counts only (their validators run on every save: no free text)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        for field in self._meta.get_fields():
            if isinstance(field, models.JSONField):
                field.run_validators(getattr(self, field.attname))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only")


class IndicatorLedger(_AppendOnly):
    """The frozen blocks of one year (``monitoring.disclosure``), one row per change.

    ``state`` maps each population code to its ledger; the row with the highest ``seq`` is the
    current one. Holds exact (unpublished) counts: never shown, only used to publish.
    """

    year = models.PositiveSmallIntegerField(_("année"))
    seq = models.PositiveIntegerField(_("numéro"))
    created_at = models.DateTimeField(_("créé le"))
    threshold = models.PositiveSmallIntegerField(_("seuil"))
    state = models.JSONField(_("état"), validators=[_validate_state])

    class Meta:
        ordering = ["year", "seq"]
        verbose_name = _("registre de publication")
        verbose_name_plural = _("registres de publication")
        constraints = [
            # Two publications racing for the same year: the second insert fails, nothing
            # half-done (the service turns it into a French message).
            models.UniqueConstraint(fields=["year", "seq"], name="indicator_ledger_seq_once"),
        ]

    def __str__(self):
        return f"{self.year} · {self.seq}"


class IndicatorRelease(_AppendOnly):
    """One published version of a period's indicators: the figures exactly as shown.

    ``figures`` maps each population code to ``monitoring.disclosure.figures`` output (None
    for a hidden figure). Frozen: a correction is a new row with the next ``version``.
    """

    period_kind = models.CharField(_("type de période"), max_length=16, choices=PeriodKind.choices)
    period_start = models.DateField(_("début de la période"))
    version = models.PositiveSmallIntegerField(_("version"))
    released_at = models.DateTimeField(_("publiée le"))
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("publiée par"),
    )
    trigger = models.CharField(_("origine"), max_length=16, choices=ReleaseTrigger.choices)
    threshold = models.PositiveSmallIntegerField(_("seuil"))
    ledger = models.ForeignKey(
        IndicatorLedger,
        on_delete=models.PROTECT,
        related_name="releases",
        verbose_name=_("registre"),
    )
    figures = models.JSONField(_("chiffres publiés"), validators=[_validate_figures])

    class Meta:
        ordering = ["-period_start", "period_kind", "-version"]
        verbose_name = _("publication d'indicateurs")
        verbose_name_plural = _("publications d'indicateurs")
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "version"],
                name="indicator_release_version_once",
            ),
        ]

    def __str__(self):
        return f"{self.period} · v{self.version}"

    @property
    def period(self) -> Period:
        return Period(self.period_kind, self.period_start)
