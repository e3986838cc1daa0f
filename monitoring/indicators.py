"""The strategic group's indicators: tables rendered from a stored release, never from live data.

A release (``IndicatorRelease``) holds the published figures of a period (``None`` for a
hidden one, see ``monitoring.disclosure``); this module turns them into the ``Table`` rows that
the page, the print view and the CSV all render. No query here except the territorial
indicators' one.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from directory.vocabularies import SupportDomain
from monitoring import selectors
from monitoring.models import IndicatorRelease
from monitoring.periods import Period
from monitoring.populations import CLOSED, INTERRUPTED, RECEIVED, RECEIVED_TABLES, TRACKS_ENDED
from monitoring.tables import TOTAL_LABEL, Table
from monitoring.vocabularies import TerritorialIndicatorCode
from support.vocabularies import Outcome

HIDDEN_MARK = "s"
COUNT_LABEL = "Effectif"


def threshold() -> int:
    return settings.RELAIS_SUPPRESSION_THRESHOLD


def display(value) -> str:
    """A published figure, or the one opaque mark of every hidden figure."""
    return HIDDEN_MARK if value is None else str(value)


def hidden_note(threshold: int) -> str:
    return _(
        "« s » : valeur masquée (secret statistique) : elle concerne moins de %(t)s personnes, "
        "ou permettrait d'en recalculer une qui en concerne moins de %(t)s, par différence "
        "avec d'autres tableaux, périodes ou versions."
    ) % {"t": threshold}


def withheld_notice(threshold: int) -> str:
    return _(
        "Non publié pour cette période : ces cas ne sont publiés qu'avec une période plus "
        "longue (semestre ou année), pour qu'aucun effectif inférieur à %(t)s ne puisse en "
        "être déduit."
    ) % {"t": threshold}


def _received_tables() -> list[tuple[str, str, str]]:
    """(table code, slug, title) of the breakdowns of the referrals received."""
    return [
        ("age_bracket", "age-bracket", _("Orientations reçues par tranche d'âge")),
        ("place_typology", "place-typology", _("Orientations reçues par typologie du lieu")),
        (
            "family_involved",
            "family-dynamic",
            _("Orientations reçues avec une dynamique familiale"),
        ),
        (
            "released_from_prison",
            "released-from-prison",
            _("Orientations reçues de personnes sortant de détention"),
        ),
        (
            "family_asked_for_help",
            "family-asked-for-help",
            _("Orientations reçues de familles ayant demandé de l'aide"),
        ),
    ]


def _series(*, slug, title, row_header, labels, figures, table, threshold) -> Table:
    """One breakdown: a row per category and the total row (the population's total)."""
    if figures["withheld"]:
        return Table(
            slug=slug, title=title, header=[], body=[], withheld_notice=withheld_notice(threshold)
        )
    cells = figures[table]
    body = [[str(label), display(cells[code])] for code, label in labels]
    hidden = any(cells[code] is None for code, _label in labels)
    return Table(
        slug=slug,
        title=title,
        header=[row_header, COUNT_LABEL],
        body=body,
        footer=[TOTAL_LABEL, display(figures["total"])],
        notes=[hidden_note(threshold)] if hidden else [],
    )


def release_table(release: IndicatorRelease) -> Table:
    """The release itself: period, date, version (shown, printed and exported like a table)."""
    when = timezone.localtime(release.released_at).strftime("%d/%m/%Y %H:%M")
    return Table(
        slug="release",
        title=_("Publication"),
        header=[_("Élément"), _("Valeur")],
        body=[
            [_("Période"), release.period.label],
            [_("Publiée le"), when],
            [_("Version"), str(release.version)],
            [_("Seuil du secret statistique"), str(release.threshold)],
        ],
    )


def release_tables(release: IndicatorRelease) -> list[Table]:
    """Every count table of a release, in page order."""
    k = release.threshold
    figures = release.figures
    received, closed, tracks = (figures[p.code] for p in (RECEIVED, CLOSED, TRACKS_ENDED))
    key_notes = [hidden_note(k)] if None in (received["total"], closed["total"]) else []
    tables = [
        release_table(release),
        Table(
            slug="key-figures",
            title=_("Orientations reçues et clôturées pendant la période"),
            header=[_("Indicateur"), COUNT_LABEL],
            body=[
                [_("Orientations reçues"), display(received["total"])],
                [_("Orientations clôturées"), display(closed["total"])],
            ],
            notes=key_notes,
        ),
    ]
    for table, slug, title in _received_tables():
        vocabulary = RECEIVED_TABLES[table]
        tables.append(
            _series(
                slug=slug,
                title=title,
                row_header=_("Modalité"),
                labels=[(c.value, c.label) for c in vocabulary],
                figures=received,
                table=table,
                threshold=k,
            )
        )
    tables.append(
        _series(
            slug="tracks-by-domain",
            title=_("Accompagnements terminés pendant la période, par domaine"),
            row_header=_("Domaine"),
            labels=[(d.value, d.label) for d in SupportDomain],
            figures=tracks,
            table="domain",
            threshold=k,
        )
    )
    tables.append(
        _series(
            slug="tracks-by-outcome",
            title=_("Accompagnements terminés pendant la période, par issue"),
            row_header=_("Issue"),
            labels=[
                *((o.value, o.label) for o in Outcome),
                (INTERRUPTED, _("Interrompu avant son terme")),
            ],
            figures=tracks,
            table="outcome",
            threshold=k,
        )
    )
    return tables


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
        description=_(
            "Saisis par le coordinateur pour la période (valeurs actuelles : ce ne sont pas "
            "des effectifs de personnes, ils ne relèvent pas du secret statistique)."
        ),
    )


def all_tables(release: IndicatorRelease) -> list[Table]:
    return [*release_tables(release), territorial_table(release.period)]
