"""The auditors' workspace: thin views over audit.selectors (reads) and audit.services (the
export and verification records). Read-only for the audit data: no view edits or deletes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from audit import exports, selectors
from audit.anchors import AnchorError
from audit.forms import EventFilterForm, HistoryFilterForm, TimelineForm
from audit.services import audit_record_export, audit_verification_run
from audit.vocabularies import AuditRole, ExportFormat, VerifyReason
from core.access import has_role
from core.roles import Role


class AuditorRequiredMixin:
    """Auditors only (the Application checks it too; this keeps each view safe alone)."""

    def dispatch(self, request, *args, **kwargs):
        if not has_role(request.user, Role.AUDITOR):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AuditPageView(AuditorRequiredMixin, TemplateView):
    status = 200
    title = None  # each page's <title> (templates/viewflow/base.html)

    def render(self, **context):
        return self.render_to_response(self.get_context_data(**context), status=self.status)


class EventListView(AuditPageView):
    template_name = "audit/event_list.html"
    title = gettext_lazy("Journal des événements")

    def get(self, request, *args, **kwargs):
        form = EventFilterForm(request.GET)
        if not form.is_valid():
            self.status = 400
            return self.render(form=form, page=None)
        page = selectors.event_page(
            form.filters(),
            before=form.cleaned_data.get("before"),
            after=form.cleaned_data.get("after"),
        )
        return self.render(form=form, page=page, filter_query=form.filter_query())


class EventDetailView(AuditPageView):
    template_name = "audit/event_detail.html"
    title = gettext_lazy("Événement du journal")

    def get(self, request, seq, *args, **kwargs):
        found = selectors.event_with_check(seq)
        if found is None:
            raise Http404(_("Aucun événement ne porte ce numéro."))
        event, check = found
        return self.render(event=event, check=check)


class TimelineView(AuditPageView):
    template_name = "audit/timeline.html"
    title = gettext_lazy("Chronologie d'une orientation")

    def get(self, request, *args, **kwargs):
        if "reference" not in request.GET:
            return self.render(form=TimelineForm(), page=None)
        form = TimelineForm(request.GET)
        if not form.is_valid():
            self.status = 400
            return self.render(form=form, page=None)
        reference = form.cleaned_data["reference"]
        page = selectors.reference_timeline(reference, after=form.cleaned_data.get("after"))
        return self.render(form=form, page=page, reference=reference)


class ChainView(AuditPageView):
    template_name = "audit/chain.html"
    title = gettext_lazy("Intégrité de la chaîne")

    def get(self, request, *args, **kwargs):
        status = selectors.chain_status()
        last = status.last_verification
        return self.render(
            status=status,
            reason_label=VerifyReason(last.reason).label if last and last.reason else "",
        )

    def post(self, request, *args, **kwargs):
        try:
            verification = audit_verification_run(actor=request.user, role=AuditRole.AUDITOR)
        except AnchorError as exc:  # keys or anchors unreadable: say so, record nothing
            messages.error(request, str(exc))
            return redirect("audit:chain")
        if verification.ok:
            messages.success(
                request,
                _("Chaîne intègre : %(count)s événements vérifiés.")
                % {"count": verification.event_count},
            )
        else:
            messages.error(
                request,
                _("Chaîne rompue au numéro %(seq)s : %(reason)s.")
                % {
                    "seq": verification.broken_seq,
                    "reason": VerifyReason(verification.reason).label,
                },
            )
        return redirect("audit:chain")


class ExportView(AuditorRequiredMixin, View):
    """The current filter as a streamed file; the export itself is recorded in the chain."""

    export_format = ExportFormat.CSV

    def get(self, request, *args, **kwargs):
        form = EventFilterForm(request.GET)
        if not form.is_valid():
            view = EventListView(request=request, args=args, kwargs=kwargs)
            view.status = 400
            return view.render(form=form, page=None)
        filters = form.filters()
        head = selectors.chain_head()
        up_to_seq = head[0]
        audit_record_export(
            actor=request.user,
            role=AuditRole.AUDITOR,
            export_format=self.export_format,
            up_to_seq=up_to_seq,
            reference=filters.reference or "",
        )
        fmt = ExportFormat(self.export_format)
        response = StreamingHttpResponse(
            exports.lines(
                fmt,
                selectors.events(filters, up_to_seq=up_to_seq),
                head=head,
                filtered=filters != selectors.EventFilter(),
            ),
            content_type=exports.CONTENT_TYPES[fmt],
        )
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        response["Content-Disposition"] = (
            f'attachment; filename="relais-audit-{stamp}.{exports.EXTENSIONS[fmt]}"'
        )
        response["Cache-Control"] = "no-store"
        return response


class HistoryView(AuditPageView):
    template_name = "audit/history.html"
    title = gettext_lazy("Historique des référentiels")

    def get(self, request, *args, **kwargs):
        form = HistoryFilterForm(request.GET)
        if not form.is_valid():
            self.status = 400
            return self.render(form=form, page=None)
        page = selectors.history_page(
            form.filters(),
            before=form.cleaned_data.get("before"),
            after=form.cleaned_data.get("after"),
        )
        return self.render(form=form, page=page, filter_query=form.filter_query())
