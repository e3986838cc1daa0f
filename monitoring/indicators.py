"""The strategic group's indicators of a period, every count suppressed below the threshold.

Three queries whatever the data: referral counts (one aggregate), tracks ended by domain and
outcome, and the territorial indicators.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.vocabularies import SupportDomain
from monitoring import selectors
from monitoring.periods import Period
from monitoring.suppression import (
    SERIES_COLUMN_LABEL,
    display,
    suppress_count,
    suppress_series,
    suppress_table,
)
from monitoring.tables import Table, published_table, suppression_notes
from monitoring.vocabularies import TerritorialIndicatorCode
from referrals.vocabularies import AgeBracket, PlaceTypology, YesNoUnknown
from support.vocabularies import Outcome, TrackState


def threshold() -> int:
    return settings.RELAIS_SUPPRESSION_THRESHOLD


def _attribute_titles() -> list[tuple[str, str, str, type]]:
    """(attribute, slug, title, vocabulary) of the referrals' coded attributes."""
    return [
        ("age_bracket", "age-bracket", _("Orientations reçues par tranche d'âge"), AgeBracket),
        (
            "place_typology",
            "place-typology",
            _("Orientations reçues par typologie du lieu"),
            PlaceTypology,
        ),
        (
            "family_involved",
            "family-dynamic",
            _("Orientations reçues avec une dynamique familiale"),
            YesNoUnknown,
        ),
        (
            "released_from_prison",
            "released-from-prison",
            _("Orientations reçues de personnes sortant de détention"),
            YesNoUnknown,
        ),
        (
            "family_asked_for_help",
            "family-asked-for-help",
            _("Orientations reçues de familles ayant demandé de l'aide"),
            YesNoUnknown,
        ),
    ]


def indicator_tables(period: Period, *, limit: int | None = None) -> list[Table]:
    """Every count table of the period's indicators, suppressed (``limit``: the threshold)."""
    limit = limit or threshold()
    data = selectors.referral_indicators(period)
    tables = [_key_figures(data, limit)]
    for attribute, slug, title, vocabulary in _attribute_titles():
        counts = data[attribute]
        published = suppress_series(
            labels=[str(choice.label) for choice in vocabulary],
            counts=[counts[choice.value] for choice in vocabulary],
            threshold=limit,
            # The same referrals' head count is published in the key figures.
            public_total=True,
        )
        tables.append(
            published_table(
                slug=slug,
                title=title,
                row_header=_("Modalité"),
                published=published,
            )
        )
    tables.append(_tracks_by_domain_and_outcome(period, limit))
    return tables


def _key_figures(data: dict, limit: int) -> Table:
    """Received and closed during the period: two counts that are not parts of one total,
    each suppressed on its own."""
    received = suppress_count(data["received"], threshold=limit)
    closed = suppress_count(data["closed"], threshold=limit)
    return Table(
        slug="key-figures",
        title=_("Orientations reçues et clôturées pendant la période"),
        header=[_("Indicateur"), SERIES_COLUMN_LABEL],
        body=[
            [_("Orientations reçues"), display(received)],
            [_("Orientations clôturées"), display(closed)],
        ],
        notes=suppression_notes((received, closed), limit),
    )


def _tracks_by_domain_and_outcome(period: Period, limit: int) -> Table:
    counts = selectors.tracks_ended_by_domain_and_outcome(period)
    outcomes = [*Outcome.values, TrackState.INTERRUPTED.value]
    labels = [*(str(o.label) for o in Outcome), _("Interrompu avant son terme")]
    published = suppress_table(
        row_labels=[str(d.label) for d in SupportDomain],
        column_labels=labels,
        counts=[[counts.get((d.value, o), 0) for o in outcomes] for d in SupportDomain],
        threshold=limit,
    )
    return published_table(
        slug="tracks-by-domain-and-outcome",
        title=_("Accompagnements terminés pendant la période, par domaine et par issue"),
        row_header=_("Domaine"),
        published=published,
    )


def territorial_table(period: Period) -> Table:
    """The territorial indicators of the period: coded answers and counts as entered (they
    describe events and institutions, not people: no suppression), with who and when."""
    entered = selectors.territorial_indicators(period)
    body = []
    for code in TerritorialIndicatorCode:
        row = entered.get(code.value)
        if row is None:
            body.append([str(code.label), _("Non saisi"), "–", "–"])
            continue
        when = timezone.localtime(row.entered_at).strftime("%d/%m/%Y %H:%M")
        body.append([str(code.label), row.value_label, row.entered_by.get_username(), when])
    return Table(
        slug="territorial",
        title=_("Indicateurs territoriaux"),
        header=[_("Indicateur"), _("Valeur"), _("Saisi par"), _("Saisi le")],
        body=body,
        description=_("Saisis par le coordinateur pour la période."),
    )


def all_tables(period: Period) -> list[Table]:
    return [*indicator_tables(period), territorial_table(period)]
