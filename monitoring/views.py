"""Pages of the two applications: thin views over the table builders and the one service.

Access: the Applications check the role (viewflow's SiteMiddleware); the territorial indicator
entry page is also checked here (coordinator only). Bad filters or periods render the page
with a French message and status 400.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from audit.vocabularies import ObjectType
from core.access import has_role
from core.errors import ApplicationError
from core.roles import Role
from directory.vocabularies import SupportDomain
from monitoring import indicators, selectors
from monitoring.dashboard import dashboard_tables
from monitoring.forms import (
    DashboardFilterForm,
    PeriodForm,
    ReleasedPeriodForm,
    TerritorialIndicatorForm,
)
from monitoring.models import ReleaseTrigger
from monitoring.selectors import commune_choices, territorial_indicators
from monitoring.services import (
    audit_record_table_export,
    indicator_releases_publish,
    territorial_indicators_set,
)
from monitoring.tables import csv_response
from monitoring.vocabularies import INDICATOR_KINDS, TerritorialIndicatorCode, ValueKind

BAD_REQUEST = 400


def _find(tables, slug):
    if slug == "all":
        return tables
    chosen = [table for table in tables if table.slug == slug]
    if not chosen:
        raise Http404(_("Tableau inconnu."))
    return chosen


def _acting_role(user, *roles) -> str:
    """The first of ``roles`` the user holds (the page's Application admits only those)."""
    return next((role for role in roles if has_role(user, role)), roles[-1])


# --- State delegates ---------------------------------------------------------------------
def _describe(form: DashboardFilterForm) -> str:
    """The filters in a French sentence."""
    filters = form.filters()
    if filters.period is None:
        parts = [_("Orientations reçues à toute date")]
    else:
        parts = [
            _("Orientations reçues du %(start)s au %(end)s")
            % {
                "start": filters.period.start.strftime("%d/%m/%Y"),
                "end": filters.period.end.strftime("%d/%m/%Y"),
            }
        ]
    if filters.commune:
        name = dict(form.fields["commune"].choices).get(filters.commune, filters.commune)
        parts.append(_("commune : %(name)s") % {"name": name})
    if filters.domain:
        parts.append(_("domaine : %(name)s") % {"name": SupportDomain(filters.domain).label})
    return " · ".join(str(p) for p in parts) + "."


class DashboardView(View):
    template_name = "monitoring/dashboard.html"

    def form(self):
        return DashboardFilterForm(self.request.GET, communes=commune_choices())

    def get(self, request, *args, **kwargs):
        form = self.form()
        if not form.is_valid():
            return self.render(form, [], status=BAD_REQUEST)
        return self.render(form, dashboard_tables(form.filters()))

    def render(self, form, tables, status=200):
        context = {
            "form": form,
            "tables": tables,
            "summary": _describe(form) if form.is_valid() else "",
            "query": self.request.GET.urlencode(),
            "export_url_name": "monitoring:export",
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


class DashboardCsvView(DashboardView):
    """The CSV of one table (or ``all``) of the dashboard: exact counts, an audited export."""

    def get(self, request, *args, table, **kwargs):
        form = self.form()
        if not form.is_valid():
            return self.render(form, [], status=BAD_REQUEST)
        tables = _find(dashboard_tables(form.filters()), table)
        audit_record_table_export(
            actor=request.user,
            role=_acting_role(request.user, Role.STATE_DELEGATE, Role.COORDINATOR),
            object_type=ObjectType.MONITORING_TABLE,
            table=table,
        )
        return csv_response(tables, filename=f"relais-suivi-{table}.csv")


# --- Strategic group ---------------------------------------------------------------------
class IndicatorsView(View):
    """A released period's indicators (default: the latest release). Three queries: the
    released periods, the release, the territorial indicators."""

    template_name = "monitoring/indicators.html"

    def release(self):
        form = ReleasedPeriodForm(self.request.GET, released=selectors.released_periods())
        if not form.is_valid():
            return form, None
        period = form.cleaned_data["period"]
        return form, (selectors.release_latest(period) if period else None)

    def get(self, request, *args, **kwargs):
        form, release = self.release()
        if not form.is_valid():
            return self.render(form, None, [], status=BAD_REQUEST)
        return self.render(form, release, indicators.all_tables(release) if release else [])

    def render(self, form, release, tables, status=200):
        period = release.period if release else None
        context = {
            "form": form,
            "release": release,
            "period": period,
            "tables": tables,
            "threshold": release.threshold if release else indicators.threshold(),
            "query": urlencode({"period": period.code}) if period else "",
            "export_url_name": "indicators:export",
            "can_enter": has_role(self.request.user, Role.COORDINATOR),
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)


class IndicatorsPrintView(IndicatorsView):
    template_name = "monitoring/indicators_print.html"


class IndicatorsCsvView(IndicatorsView):
    """The CSV of one table (or ``all``) of a release: an audited export."""

    def get(self, request, *args, table, **kwargs):
        form, release = self.release()
        if not form.is_valid():
            return self.render(form, None, [], status=BAD_REQUEST)
        if release is None:
            raise Http404(_("Aucune période publiée."))
        tables = _find(indicators.all_tables(release), table)
        audit_record_table_export(
            actor=request.user,
            role=_acting_role(request.user, Role.STRATEGIC_GROUP, Role.COORDINATOR),
            object_type=ObjectType.INDICATOR_RELEASE,
            object_id=release.pk,
            table=table,
        )
        name = f"relais-indicateurs-{release.period.code}-v{release.version}-{table}.csv"
        return csv_response(tables, filename=name)


class ReleasesView(View):
    """The coordinator's publication page: every release, and the button that publishes the
    ended quarters not yet released (and the safe late corrections)."""

    template_name = "monitoring/releases.html"

    def dispatch(self, request, *args, **kwargs):
        if not has_role(request.user, Role.COORDINATOR):
            raise PermissionDenied(_("Seul le coordinateur publie les indicateurs."))
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        context = {"releases": selectors.releases()}
        return TemplateResponse(request, self.template_name, context)

    def post(self, request, *args, **kwargs):
        if request.POST.get("confirmed") != "1":
            # A publication cannot be undone (releases are frozen, append-only): ask first,
            # naming the quarters it would release.
            context = {"pending": selectors.quarters_awaiting_release()}
            return TemplateResponse(request, "monitoring/releases_confirm.html", context)
        try:
            report = indicator_releases_publish(
                actor=request.user, trigger=ReleaseTrigger.COORDINATOR
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return HttpResponseRedirect(reverse("indicators:releases"))
        if report.released:
            messages.success(
                request,
                _("%(n)d publication(s) : %(periods)s.")
                % {
                    "n": len(report.released),
                    "periods": ", ".join(
                        f"{r.period.label} (v{r.version})" for r in report.released
                    ),
                },
            )
        else:
            messages.info(request, _("Rien de nouveau à publier."))
        if report.withheld:
            messages.warning(
                request,
                _(
                    "Corrections tardives retenues (année %(years)s) : les publier permettrait "
                    "d'isoler moins de %(t)s personnes ; elles seront réexaminées à la "
                    "prochaine publication."
                )
                % {
                    "years": ", ".join(sorted({str(year) for year, _p in report.withheld})),
                    "t": indicators.threshold(),
                },
            )
        return HttpResponseRedirect(reverse("indicators:releases"))


class TerritorialEntryView(View):
    """The coordinator enters (or corrects) the territorial indicators of a period."""

    template_name = "monitoring/territorial_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not has_role(request.user, Role.COORDINATOR):
            raise PermissionDenied(_("Seul le coordinateur saisit les indicateurs territoriaux."))
        return super().dispatch(request, *args, **kwargs)

    def period(self):
        form = PeriodForm(self.request.GET)
        return form, (form.cleaned_data["period"] if form.is_valid() else None)

    def get(self, request, *args, **kwargs):
        period_form, period = self.period()
        if period is None:
            return self.render(period_form, None, None, status=BAD_REQUEST)
        existing = territorial_indicators(period)
        form = TerritorialIndicatorForm(initial={code: row.value for code, row in existing.items()})
        return self.render(period_form, period, form)

    def post(self, request, *args, **kwargs):
        period_form, period = self.period()
        if period is None:
            return self.render(period_form, None, None, status=BAD_REQUEST)
        form = TerritorialIndicatorForm(request.POST)
        if not form.is_valid():
            return self.render(period_form, period, form, status=BAD_REQUEST)
        try:
            changed = territorial_indicators_set(
                actor=request.user,
                period=period,
                values={
                    code: form.cleaned_data.get(code) for code in TerritorialIndicatorCode.values
                },
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            return self.render(period_form, period, form, status=BAD_REQUEST)
        if changed:
            messages.success(
                request,
                _("%(n)d indicateur(s) territorial(aux) enregistré(s) pour %(period)s.")
                % {"n": changed, "period": period.label},
            )
        else:
            messages.info(request, _("Aucune modification."))
        # Back to the entry page: the period may not be released yet (the strategic group
        # sees territorial indicators with the release of their period).
        url = reverse("indicators:territorial") + "?" + urlencode({"period": period.code})
        return HttpResponseRedirect(url)

    def render(self, period_form, period, form, status=200):
        context = {
            "period_form": period_form,
            "period": period,
            "form": form,
            "kinds": {code: str(ValueKind(kind).label) for code, kind in INDICATOR_KINDS.items()},
        }
        return TemplateResponse(self.request, self.template_name, context, status=status)
