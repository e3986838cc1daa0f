"""Territorial indicators: one coded answer or count per indicator and period.

Written only through ``monitoring.services.territorial_indicator_set`` (coordinator, audited).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from monitoring.periods import Period, PeriodKind
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
