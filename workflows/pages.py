"""Role pages: the cell's, the coordinator's and the member's workspaces, and the case page.

Lists run a fixed number of queries (select_related / prefetch, paginated).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import generic
from viewflow.workflow.status import STATUS

from core.access import has_role
from core.errors import ApplicationError
from core.roles import Role
from referrals.models import Referral
from referrals.vocabularies import TERMINAL_STATES, ReferralState
from support.models import SupportTrack
from support.selectors import members_eligible
from support.vocabularies import ENDED_STATES, TrackState
from workflows import forms, services
from workflows.access import case_access_record
from workflows.selectors import flow_tasks, inbox_for, queue_for, with_case_data

PAGE_SIZE = 50


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


class PageMixin:
    template_name = ""
    page_title = ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["page_title"] = self.page_title
        context["today"] = timezone.localdate()
        return context


def _task_rows(tasks, user):
    """Rows for task tables: task, referral, track (prefetched), due date, overdue flag, and
    the action the viewer has: open (their task), take (they may), or the case page."""
    today = timezone.localdate()
    is_coordinator = has_role(user, Role.COORDINATOR)
    rows = []
    for task in tasks:
        referral = task.process.artifact
        track = task.artifact if isinstance(task.artifact, SupportTrack) else None
        due = None
        if track is not None:
            due = track.take_due_on if task.status == STATUS.NEW else track.first_contact_due_on
        elif referral is not None and task.flow_task.name == "triage":
            due = referral.triage_due_on
        elif referral is not None and task.flow_task.name == "review":
            due = referral.next_review_on
        if task.owner_id == user.pk:
            action, url = "open", task.flow_task.reverse("execute", args=[task.process_id, task.pk])
        elif task.owner_id is None and task.flow_task.can_assign(user, task):
            action, url = "take", task.flow_task.reverse("assign", args=[task.process_id, task.pk])
        elif is_coordinator and referral is not None:
            action, url = "case", reverse("coordination:case", args=[referral.pk])
        else:
            action, url = "", ""
        rows.append(
            {
                "url": url,
                "action": action,
                "task": task,
                "referral": referral,
                "track": track,
                "due": due,
                "overdue": bool(due and due < today),
            }
        )
    return rows


# --- the cell ---------------------------------------------------------------------------


class CellHomeView(PageMixin, generic.TemplateView):
    template_name = "workflows/cell_home.html"
    page_title = _("Cellule")
    FILTERS = {
        "": None,
        "returned": [ReferralState.RETURNED],
        "review": [ReferralState.IN_REVIEW],
        "open": [s for s in ReferralState if s not in TERMINAL_STATES],
    }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        which = self.request.GET.get("etat", "")
        if which not in self.FILTERS:
            messages.error(
                self.request, _("Filtre inconnu : toutes les orientations sont affichées.")
            )
            which = ""
        referrals = Referral.objects.select_related("commune").order_by("-received_on", "-pk")
        if self.FILTERS[which]:
            referrals = referrals.filter(state__in=self.FILTERS[which])
        from workflows.flows import ReferralFlow

        context["filter"] = which
        context["referrals"] = _page(self.request, referrals)
        context["review_rows"] = _task_rows(
            with_case_data(
                flow_tasks().filter(
                    flow_task=ReferralFlow.review, status__in=[STATUS.NEW, STATUS.ASSIGNED]
                )
            ).order_by("created")[:PAGE_SIZE],
            self.request.user,
        )
        context["start_url"] = ReferralFlow.register.reverse("execute")
        return context


# --- the coordinator ---------------------------------------------------------------------


class CoordinationHomeView(PageMixin, generic.TemplateView):
    template_name = "workflows/coordination_home.html"
    page_title = _("Coordination")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = context["today"]
        queue = with_case_data(queue_for(self.request.user)).order_by("created")
        context["queue_rows"] = _task_rows(queue[:PAGE_SIZE], self.request.user)
        context["held_tracks"] = (
            SupportTrack.objects.filter(
                state__in=[TrackState.ASSIGNED, TrackState.ACTIVE, TrackState.ON_HOLD]
            )
            .select_related("referral", "holder", "organisation")
            .order_by("referral__reference", "pk")[:PAGE_SIZE]
        )
        context["overdue_referrals"] = (
            (
                Referral.objects.filter(
                    state__in=[ReferralState.RECEIVED, ReferralState.IN_ASSESSMENT],
                    triage_due_on__lt=today,
                )
                | Referral.objects.filter(state=ReferralState.IN_SUPPORT, next_review_on__lt=today)
            )
            .select_related("commune")
            .order_by("received_on")[:PAGE_SIZE]
        )
        context["overdue_tracks"] = (
            (
                SupportTrack.objects.filter(state=TrackState.OPEN, take_due_on__lt=today)
                | SupportTrack.objects.filter(
                    state=TrackState.ASSIGNED, first_contact_due_on__lt=today
                )
            )
            .select_related("referral", "organisation")
            .order_by("pk")[:PAGE_SIZE]
        )
        context["suspended"] = Referral.objects.filter(state=ReferralState.SUSPENDED).order_by(
            "reference"
        )[:PAGE_SIZE]
        return context


# --- the member ----------------------------------------------------------------------------


class MemberHomeView(PageMixin, generic.TemplateView):
    template_name = "workflows/member_home.html"
    page_title = _("Mes accompagnements")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["inbox_rows"] = _task_rows(
            with_case_data(inbox_for(user)).order_by("created")[:PAGE_SIZE], user
        )
        context["queue_rows"] = _task_rows(
            with_case_data(queue_for(user)).order_by("created")[:PAGE_SIZE], user
        )
        return context


# --- the case page (cell and coordinator) ----------------------------------------------------


class ReferralCaseView(PageMixin, generic.TemplateView):
    """Everything coded about one referral, with the actions of the viewer's role.
    Opening it records an access event."""

    template_name = "workflows/case_page.html"
    page_title = _("Orientation")

    def get_referral(self):
        return get_object_or_404(Referral.objects.select_related("commune"), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        self.referral = self.get_referral()
        case_access_record(user=request.user, referral=self.referral)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        referral = self.referral
        user = self.request.user
        tracks = list(referral.tracks.select_related("holder", "organisation").order_by("pk"))
        is_coordinator = has_role(user, Role.COORDINATOR)
        context.update(
            {
                "referral": referral,
                "tracks": tracks,
                "is_coordinator": is_coordinator,
                "is_cell": has_role(user, Role.CELL_LIAISON),
                "terminal": referral.state in TERMINAL_STATES,
                "ReferralState": ReferralState,
                "TrackState": TrackState,
                "ENDED": ENDED_STATES,
                "agreement_form": forms.AgreementForm(prefix="agreement"),
                "suspend_form": forms.code_form("suspend"),
                "withdraw_form": forms.code_form("withdraw"),
                "close_form": forms.code_form("close"),
                "interrupt_forms": {
                    track.pk: forms.code_form("interrupt", prefix=f"interrupt-{track.pk}")
                    for track in tracks
                },
            }
        )
        if is_coordinator:
            running = [track for track in tracks if track.state not in ENDED_STATES]
            eligible = members_eligible(tracks=running)
            context["assign_forms"] = {
                track.pk: forms.AssignForm(prefix=f"assign-{track.pk}", members=eligible[track.pk])
                for track in running
            }
        return context


class ReferralActionView(generic.View):
    """POST-only actions of the case page; each calls one service of ``workflows``."""

    COORDINATOR_ACTIONS = {"suspend", "resume", "request_review", "assign", "interrupt"}
    CELL_ACTIONS = {"withdraw", "close"}
    SHARED_ACTIONS = {"agreement"}

    def post(self, request, pk, action):
        referral = get_object_or_404(Referral, pk=pk)
        if action in self.COORDINATOR_ACTIONS:
            allowed = has_role(request.user, Role.COORDINATOR)
        elif action in self.CELL_ACTIONS:
            allowed = has_role(request.user, Role.CELL_LIAISON)
        elif action in self.SHARED_ACTIONS:
            allowed = has_role(request.user, Role.COORDINATOR, Role.CELL_LIAISON)
        else:
            raise Http404
        if not allowed:
            raise PermissionDenied
        try:
            self._run(request, referral, action)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except _InvalidForm as exc:
            for error in exc.errors:
                messages.error(request, error)
        else:
            messages.success(request, _("Action enregistrée."))
        return redirect(f"{request.resolver_match.namespace}:case", pk=referral.pk)

    def _run(self, request, referral, action):
        user, post = request.user, request.POST
        if action == "agreement":
            form = _valid(forms.AgreementForm(post, prefix="agreement"))
            from referrals.services import referral_record_agreement

            referral_record_agreement(actor=user, referral=referral, **form.cleaned_data)
        elif action == "suspend":
            code = _valid(forms.code_form("suspend", post)).cleaned_data["code"]
            services.process_suspend(actor=user, referral=referral, reason=code)
        elif action == "resume":
            services.process_resume(actor=user, referral=referral)
        elif action == "request_review":
            services.process_request_review(actor=user, referral=referral)
        elif action == "withdraw":
            code = _valid(forms.code_form("withdraw", post)).cleaned_data["code"]
            services.process_withdraw(actor=user, referral=referral, reason=code)
        elif action == "close":
            code = _valid(forms.code_form("close", post)).cleaned_data["code"]
            services.process_close_suspended(actor=user, referral=referral, code=code)
        elif action in ("assign", "interrupt"):
            track = get_object_or_404(SupportTrack, pk=post.get("track"), referral=referral)
            if action == "assign":
                form = _valid(
                    forms.AssignForm(
                        post,
                        prefix=f"assign-{track.pk}",
                        members=members_eligible(tracks=[track])[track.pk],
                    )
                )
                services.support_task_assign(
                    actor=user, track=track, member=form.cleaned_data["member"]
                )
            else:
                code = _valid(
                    forms.code_form("interrupt", post, prefix=f"interrupt-{track.pk}")
                ).cleaned_data["code"]
                services.support_track_end(actor=user, track=track, reason=code)


class _InvalidForm(Exception):
    def __init__(self, errors):
        self.errors = errors


def _valid(form):
    if not form.is_valid():
        raise _InvalidForm(
            [
                f"{form.fields[f].label if f in form.fields else ''} : {e}".strip(" :")
                for f, errs in form.errors.items()
                for e in errs
            ]
        )
    return form
