"""The State delegates' dashboard: every table (with its chart) from the database aggregates.

Counts are shown as they are (no suppression): State delegates monitor the whole caseload and
see no person or member, only states, domains, communes and organisations.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.translation import gettext as _

from directory.vocabularies import SupportDomain
from monitoring import selectors
from monitoring.charts import bar_chart, line_chart
from monitoring.selectors import Filters
from monitoring.tables import Table, count_table
from referrals.vocabularies import TERMINAL_STATES, ReferralState
from support.vocabularies import TrackState


def _step_labels() -> dict[str, str]:
    # Evaluated per request, in the request's language.
    return {
        "triage": _("Examen de l'orientation"),
        "take": _("Prise en charge d'un accompagnement"),
        "first_contact": _("Premier contact"),
        "review": _("Bilan"),
    }


def days(value: timedelta) -> str:
    """A duration in days, one decimal, French decimal comma (e.g. ``"3,5"``)."""
    return f"{value.total_seconds() / 86400:.1f}".replace(".", ",")


def month_label(month: date) -> str:
    return f"{MONTHS[month.month]} {month.year}"


def short_month_label(month: date) -> str:
    return f"{MONTHS_3[month.month]} {month.year % 100:02d}"


def flow_months(filters: Filters, today: date) -> list[date]:
    """The 12 months shown in the flow: up to the period's last month, or this month."""
    last = today
    if filters.period is not None and filters.period.end < today:
        last = filters.period.end
    return selectors.month_starts(last, 12)


def _with_chart(table: Table, chart) -> Table:
    table.chart = chart
    return table


def dashboard_tables(
    filters: Filters, *, today: date | None = None, now: datetime | None = None
) -> list[Table]:
    """Every table of the dashboard, in page order. A fixed number of queries (eight), or
    none when the unfiltered figures come from the snapshot (``selectors.dashboard_figures``)."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    months = flow_months(filters, today)
    figures = selectors.dashboard_figures(filters, today=today, now=now, months=months)
    tables = [
        _referrals_by_state(figures["by_state"]),
        _referrals_by_commune(figures["by_commune"]),
        _tracks_by_domain_and_state(filters, figures["tracks"]),
        _time_in_state(figures["time_in_state"]),
        *_overdue(figures["overdue_referrals"], figures["overdue_tracks"], today),
        _monthly_flow(figures["flow"], months),
    ]
    return tables


def _referrals_by_state(counts: dict[str, int]) -> Table:
    labels = [str(state.label) for state in ReferralState]
    values = [counts.get(state.value, 0) for state in ReferralState]
    title = _("Orientations par état")
    table = count_table(
        slug="referrals-by-state",
        title=title,
        row_header=_("État"),
        row_labels=labels,
        column_labels=[_("Orientations")],
        counts=[[v] for v in values],
    )
    chart = bar_chart(
        chart_id="chart-referrals-by-state",
        title=title,
        table_title=title,
        labels=labels,
        series=[(_("Orientations"), values)],
    )
    return _with_chart(table, chart)


def _tracks_by_domain_and_state(filters: Filters, counts: dict) -> Table:
    domains = list(SupportDomain)
    if filters.domain:
        domains = [SupportDomain(filters.domain)]
    states = list(TrackState)
    matrix = [[counts.get((d.value, s.value), 0) for s in states] for d in domains]
    title = _("Accompagnements par domaine et par état")
    table = count_table(
        slug="tracks-by-domain-and-state",
        title=title,
        row_header=_("Domaine"),
        row_labels=[str(d.label) for d in domains],
        column_labels=[str(s.label) for s in states],
        counts=matrix,
    )
    chart = bar_chart(
        chart_id="chart-tracks-by-domain-and-state",
        title=title,
        table_title=title,
        labels=[str(d.label) for d in domains],
        series=[(str(state.label), [row[j] for row in matrix]) for j, state in enumerate(states)],
    )
    return _with_chart(table, chart)


def _referrals_by_commune(rows: list[tuple[str, int]]) -> Table:
    title = _("Orientations par commune")
    table = count_table(
        slug="referrals-by-commune",
        title=title,
        row_header=_("Commune"),
        row_labels=[name for name, _n in rows],
        column_labels=[_("Orientations")],
        counts=[[n] for _name, n in rows],
        description=_("Communes ayant au moins une orientation."),
    )
    chart = bar_chart(
        chart_id="chart-referrals-by-commune",
        title=title,
        table_title=title,
        labels=[name for name, _n in rows],
        series=[(_("Orientations"), [n for _name, n in rows])],
    )
    return _with_chart(table, chart)


def _time_in_state(durations: dict) -> Table:
    states = [s for s in ReferralState if s not in TERMINAL_STATES]
    body = []
    for state in states:
        d = durations.get(state.value)
        body.append(
            [str(state.label), str(d.stays), days(d.median), days(d.p90)]
            if d
            else [str(state.label), "0", "–", "–"]
        )
    title = _("Temps passé dans chaque état")
    table = Table(
        slug="time-in-state",
        title=title,
        header=[_("État"), _("Passages"), _("Médiane (jours)"), _("90e centile (jours)")],
        body=body,
        description=_(
            "Durée de chaque passage d'une orientation dans un état, enregistrée à chaque "
            "changement d'état ; pour les orientations en cours, le temps passé jusqu'à "
            "maintenant dans leur état actuel."
        ),
    )
    chart = bar_chart(
        chart_id="chart-time-in-state",
        title=_("Médiane du temps passé dans chaque état (jours)"),
        table_title=title,
        labels=[str(s.label) for s in states],
        series=[
            (
                _("Médiane (jours)"),
                [
                    round(durations[s.value].median.total_seconds() / 86400, 1)
                    if s.value in durations
                    else 0
                    for s in states
                ],
            )
        ],
        value_format=lambda v: f"{v:.1f}".replace(".", ","),
    )
    return _with_chart(table, chart)


def _overdue(referrals: dict, organisations: list, today: date) -> list[Table]:
    labels = _step_labels()
    take = sum(counts["take"] for _org, counts in organisations)
    first_contact = sum(counts["first_contact"] for _org, counts in organisations)
    by_step = {
        "triage": referrals["triage"],
        "take": take,
        "first_contact": first_contact,
        "review": referrals["review"],
    }
    step_title = _("Tâches en retard par étape")
    step_table = count_table(
        slug="overdue-by-step",
        title=step_title,
        row_header=_("Étape"),
        row_labels=[labels[step] for step in selectors.OVERDUE_STEPS],
        column_labels=[_("En retard")],
        counts=[[by_step[step]] for step in selectors.OVERDUE_STEPS],
        description=_("Échéance dépassée au %(day)s.") % {"day": today.strftime("%d/%m/%Y")},
    )
    step_chart = bar_chart(
        chart_id="chart-overdue-by-step",
        title=step_title,
        table_title=step_title,
        labels=[labels[step] for step in selectors.OVERDUE_STEPS],
        series=[(_("En retard"), [by_step[step] for step in selectors.OVERDUE_STEPS])],
    )
    org_labels = [name or _("Aucune (accompagnement à prendre)") for name, _c in organisations]
    org_counts = [[c["take"], c["first_contact"]] for _name, c in organisations]
    org_title = _("Accompagnements en retard par organisation")
    org_table = count_table(
        slug="overdue-by-organisation",
        title=org_title,
        row_header=_("Organisation"),
        row_labels=org_labels,
        column_labels=[labels["take"], labels["first_contact"]],
        counts=org_counts,
        description=_("Organisation qui tient l'accompagnement ; aucun intervenant n'est nommé."),
    )
    org_chart = bar_chart(
        chart_id="chart-overdue-by-organisation",
        title=org_title,
        table_title=org_title,
        labels=org_labels,
        series=[
            (labels["take"], [c[0] for c in org_counts]),
            (labels["first_contact"], [c[1] for c in org_counts]),
        ],
    )
    return [_with_chart(step_table, step_chart), _with_chart(org_table, org_chart)]


def _monthly_flow(flow: dict, months: list[date]) -> Table:
    received = [flow["received"][m] for m in months]
    closed = [flow["closed"][m] for m in months]
    title = _("Orientations reçues et clôturées par mois")
    table = count_table(
        slug="monthly-flow",
        title=title,
        row_header=_("Mois"),
        row_labels=[month_label(m) for m in months],
        column_labels=[_("Reçues"), _("Clôturées")],
        counts=[[r, c] for r, c in zip(received, closed, strict=True)],
        totals=True,
        description=_(
            "Douze derniers mois (jusqu'à la fin de la période choisie) ; la période ne "
            "restreint pas ce tableau, la commune et le domaine oui."
        ),
    )
    # Row totals (received + closed) mean nothing here: keep only the column totals.
    table.header = table.header[:-1]
    table.body = [row[:-1] for row in table.body]
    table.footer = table.footer[:-1] if table.footer else None
    chart = line_chart(
        chart_id="chart-monthly-flow",
        title=title,
        table_title=title,
        x_labels=[short_month_label(m) for m in months],
        series=[(_("Reçues"), received), (_("Clôturées"), closed)],
    )
    return _with_chart(table, chart)
