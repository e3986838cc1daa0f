"""Role pages: the cell's, the coordinator's and the member's workspaces, and the case page.

Lists run a fixed number of queries (select_related / prefetch, paginated).
"""

from datetime import date

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
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
from directory.models import MemberProfile
from referrals.models import Referral, review_overdue, triage_overdue
from referrals.vocabularies import TERMINAL_STATES, ReferralState
from support.models import SupportTrack, first_contact_overdue, take_overdue
from support.selectors import members_eligible
from support.vocabularies import TrackState
from workflows import forms, services
from workflows.access import case_access_record
from workflows.confirm import IRREVERSIBLE, choice_label, confirmation_page, is_confirmed
from workflows.selectors import (
    bounded_count,
    flow,
    flow_tasks,
    inbox_for,
    member_queue_domains,
    member_queue_page,
    queue_for,
    referrals_search,
    with_case_data,
)
from workflows.submissions import submission_once

PAGE_SIZE = 50


class KeysetPage:
    """One page of referrals, newest first, after a cursor (``<received_on>_<id>`` of the
    last row of the previous page): an index range scan whatever the page's depth, and no
    COUNT over the whole table."""

    def __init__(self, rows, after):
        self.object_list = rows[:PAGE_SIZE]
        self.has_next = len(rows) > PAGE_SIZE
        self.has_previous = bool(after)
        last = self.object_list[-1] if self.object_list else None
        self.next_cursor = cursor_of(last) if last is not None and self.has_next else ""

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)


def cursor_of(referral) -> str:
    return f"{referral.received_on.isoformat()}_{referral.pk}"


def _parse_cursor(value: str):
    day, _sep, pk = value.partition("_")
    try:
        return date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def keyset_page(referrals, after: str) -> KeysetPage:
    """Referrals by ``received_on`` then id, newest first, starting after ``after`` (a
    malformed cursor shows the first page)."""
    ordered = referrals.order_by("-received_on", "-pk")
    cursor = _parse_cursor(after) if after else None
    if cursor is not None:
        day, pk = cursor
        ordered = ordered.filter(received_on__lte=day).exclude(received_on=day, pk__gte=pk)
    return KeysetPage(list(ordered[: PAGE_SIZE + 1]), after if cursor is not None else "")


def cell_list_cursor(*, position: int) -> str:
    """The query string of the cell's list page that starts after ``position`` rows (used by
    the page benchmark to measure a deep page)."""
    row = Referral.objects.order_by("-received_on", "-pk")[position : position + 1].first()
    return f"apres={cursor_of(row)}" if row is not None else ""


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
        referrals = Referral.objects.select_related("commune")
        if self.FILTERS[which]:
            referrals = referrals.filter(state__in=self.FILTERS[which])
        referral_flow = flow()
        context["filter"] = which
        context["referrals"] = keyset_page(referrals, self.request.GET.get("apres", ""))
        context["review_rows"] = _task_rows(
            with_case_data(
                flow_tasks().filter(
                    flow_task=referral_flow.review, status__in=[STATUS.NEW, STATUS.ASSIGNED]
                )
            ).order_by("created")[:PAGE_SIZE],
            self.request.user,
        )
        context["start_url"] = referral_flow.register.reverse("execute")
        list_url = reverse("cell:referrals")

        # No unbounded COUNT on this page (its keyset pages cost the same at any depth): each
        # count stops at COUNT_CAP + 1 rows ("999+"), read from the (state, received_on) index.
        def in_state(state):
            return bounded_count(Referral.objects.filter(state=state))

        def listed(state):
            return f"{list_url}?state={state}"

        context["counts"] = [
            (_("reçues, à examiner"), in_state(ReferralState.RECEIVED), listed("received")),
            (_("en examen"), in_state(ReferralState.IN_ASSESSMENT), listed("in_assessment")),
            (_("en accompagnement"), in_state(ReferralState.IN_SUPPORT), listed("in_support")),
            (_("bilans à conduire"), in_state(ReferralState.IN_REVIEW), "#reviews-title"),
            (_("retournées à la cellule"), in_state(ReferralState.RETURNED), listed("returned")),
        ]
        context["list_url"] = list_url
        return context


# --- the coordinator ---------------------------------------------------------------------


class CoordinationHomeView(PageMixin, generic.TemplateView):
    template_name = "workflows/coordination_home.html"
    page_title = _("Coordination")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = context["today"]
        user = self.request.user
        queue = with_case_data(queue_for(user)).order_by("created")
        context["queue_rows"] = _task_rows(queue[:PAGE_SIZE], user)
        # "Mes tâches": the triages (and any task) the coordinator has taken, to continue.
        context["inbox_rows"] = _task_rows(
            with_case_data(inbox_for(user)).order_by("created")[:PAGE_SIZE], user
        )
        context["held_tracks"] = (
            SupportTrack.objects.held()
            .select_related("referral", "holder", "organisation")
            # Oldest referral first (its id, indexed with the state): sorting by reference
            # would join and sort every held track of the country.
            .order_by("referral_id", "pk")[:PAGE_SIZE]
        )
        # Most overdue first; each step from its partial index (referrals migration 0005,
        # support migration 0002), with the rules of referrals.models / support.models.
        late_triage = (
            Referral.objects.filter(triage_overdue(today))
            .select_related("commune")
            .order_by("triage_due_on", "pk")[:PAGE_SIZE]
        )
        late_review = (
            Referral.objects.filter(review_overdue(today))
            .select_related("commune")
            .order_by("next_review_on", "pk")[:PAGE_SIZE]
        )
        context["overdue_referrals"] = sorted(
            [*late_triage, *late_review],
            key=lambda r: (
                r.next_review_on if r.state == ReferralState.IN_SUPPORT else r.triage_due_on
            ),
        )[:PAGE_SIZE]
        late_take = (
            SupportTrack.objects.filter(take_overdue(today))
            .select_related("referral", "organisation")
            .order_by("take_due_on", "pk")[:PAGE_SIZE]
        )
        late_contact = (
            SupportTrack.objects.filter(first_contact_overdue(today))
            .select_related("referral", "organisation")
            .order_by("first_contact_due_on", "pk")[:PAGE_SIZE]
        )
        context["overdue_tracks"] = sorted(
            [*late_take, *late_contact],
            key=lambda t: t.take_due_on if t.state == TrackState.OPEN else t.first_contact_due_on,
        )[:PAGE_SIZE]
        context["suspended"] = Referral.objects.filter(state=ReferralState.SUSPENDED).order_by(
            "reference"
        )[:PAGE_SIZE]
        context["counts"] = [
            (_("mes tâches"), bounded_count(inbox_for(user)), "#inbox-title"),
            (_("tâches en attente"), bounded_count(queue_for(user)), "#queue-title"),
            (
                _("orientations en retard"),
                bounded_count(Referral.objects.overdue(today)),
                reverse("coordination:referrals") + "?overdue=on",
            ),
            (
                _("orientations suspendues"),
                bounded_count(Referral.objects.filter(state=ReferralState.SUSPENDED)),
                reverse("coordination:referrals") + "?state=suspended",
            ),
        ]
        context["list_url"] = reverse("coordination:referrals")
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
        context["queue_rows"] = _task_rows(member_queue_page(user, limit=PAGE_SIZE), user)
        # Why the queue may be empty: say it, rather than "(ou capacité atteinte)".
        profile = MemberProfile.objects.filter(user=user, active=True).first()
        context["profile"] = profile
        context["at_capacity"] = bool(
            profile is not None and profile.domains and not member_queue_domains(user)
        )
        context["counts"] = [
            (_("accompagnements que vous tenez"), bounded_count(inbox_for(user)), "#inbox-title"),
            (_("à prendre dans vos domaines"), bounded_count(queue_for(user)), "#queue-title"),
        ]
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
        for track in tracks:
            track.referral = referral  # the guards read it: no query per track
        is_coordinator = has_role(user, Role.COORDINATOR)
        # The actions shown are the transitions django-fsm-2 lets this user run now (state,
        # guards, permission=), not a list written in the template.
        available = {t.name for t in referral.get_available_user_state_transitions(user)}
        track_available = {
            track.pk: {t.name for t in track.get_available_user_state_transitions(user)}
            for track in tracks
        }
        context["history"] = _history_rows(referral, tracks)
        if has_role(user, Role.CELL_LIAISON):
            context["correction_form"] = forms.CorrectionForm(prefix="correct", referral=referral)
        # The viewer's own open tasks on this case (e.g. a triage they took): continue them.
        context["my_tasks"] = [
            (
                task.flow_task.task_title,
                task.flow_task.reverse("execute", args=[task.process_id, task.pk]),
            )
            for task in inbox_for(user).filter(process__artifact_object_id=referral.pk)
        ]
        context.update(
            {
                "referral": referral,
                "tracks": tracks,
                "available": available,
                "is_coordinator": is_coordinator,
                "is_cell": has_role(user, Role.CELL_LIAISON),
                "terminal": referral.state in TERMINAL_STATES,
                "agreement_form": forms.AgreementForm(prefix="agreement"),
                "suspend_form": forms.code_form("suspend"),
                "withdraw_form": forms.code_form("withdraw"),
                "close_form": forms.code_form("close"),
                "interrupt_forms": {
                    track.pk: forms.code_form("interrupt", prefix=f"interrupt-{track.pk}")
                    for track in tracks
                    if "interrupt" in track_available[track.pk]
                },
            }
        )
        if is_coordinator:
            assignable = [
                track for track in tracks if {"assign", "reassign"} & track_available[track.pk]
            ]
            # A bounded choice per track: the least loaded eligible members, or those a
            # search (GET, one per track) finds; any eligible member may be posted.
            limit = settings.RELAIS_ASSIGN_CHOICES
            searches = {}
            search_forms = {}
            for track in assignable:
                prefix = f"cherche-{track.pk}"
                search = forms.MemberSearchForm(
                    self.request.GET if f"{prefix}-membre" in self.request.GET else None,
                    prefix=prefix,
                )
                if search.is_bound and search.is_valid() and search.cleaned_data["membre"]:
                    searches[track.pk] = search.cleaned_data["membre"]
                search_forms[track.pk] = search
            eligible = members_eligible(tracks=assignable, limit=limit, searches=searches)
            context["assign_forms"] = {}
            for track in assignable:
                form = forms.AssignForm(
                    prefix=f"assign-{track.pk}",
                    members=eligible[track.pk],
                    search=searches.get(track.pk, ""),
                    limit=limit,
                )
                form.search_form = search_forms[track.pk]
                context["assign_forms"][track.pk] = form
        return context


def _history_rows(referral, tracks):
    """The case's coded history (audit chain) as rows of labels: when, role, what, domain,
    from → to, code. One query (two when it holds a corrected commune); track events name
    their domain."""
    from audit import labels
    from audit.selectors import case_history
    from audit.vocabularies import AuditRole, ObjectType

    domains = {track.pk: track.get_domain_display() for track in tracks}
    roles = dict(AuditRole.choices)
    events = list(case_history(referral.reference))
    # Reference-data codes (a corrected commune's INSEE codes) get their names: one query,
    # only when the history holds such an event.
    labels.resolve_values(events)

    rows = []
    for event in events:
        is_track = event.object_type == ObjectType.SUPPORT_TRACK
        rows.append(
            {
                "when": event.occurred_at,
                "role": roles.get(event.role, event.role),
                "what": labels.transition_label(event.object_type, event.transition)
                or event.get_action_display(),
                "domain": domains.get(event.object_id, "") if is_track else "",
                "before": labels.event_value_label(event, event.from_state),
                "after": labels.event_value_label(event, event.to_state),
                "code": labels.code_label(
                    event.object_type, event.transition, event.action, event.code
                ),
            }
        )
    return rows


class CaseActionView(generic.View):
    """A POST-only action of the case page: the roles that may run it, its form, and the one
    service of ``workflows.services`` it calls (one view per action). A refusal of the
    service or an invalid form becomes a French message; nothing is written."""

    roles: tuple = ()
    http_method_names = ["post"]

    def post(self, request, pk):
        referral = get_object_or_404(Referral, pk=pk)
        if not has_role(request.user, *self.roles):
            raise PermissionDenied
        action = request.resolver_match.url_name.removeprefix("case_")
        if action in IRREVERSIBLE and not is_confirmed(request):
            page = self.confirmation(request, referral, action)
            if page is not None:
                return page
            return redirect(f"{request.resolver_match.namespace}:case", pk=referral.pk)
        try:
            with submission_once(request):
                self.act(request, referral)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        except _InvalidForm as exc:
            for error in exc.errors:
                messages.error(request, error)
        else:
            messages.success(request, _("Action enregistrée."))
        return redirect(f"{request.resolver_match.namespace}:case", pk=referral.pk)

    def act(self, request, referral):
        raise NotImplementedError

    def confirmation(self, request, referral, action):
        """The confirmation page, once the action's coded reason is valid (else None, with
        the errors as messages)."""
        post, detail, domain = request.POST, "", ""
        try:
            if action in ("withdraw", "close"):
                form = _valid(forms.code_form(action, post))
                detail = choice_label(form, "code")
            elif action == "interrupt":
                track = self.track(request, referral)
                form = _valid(forms.code_form("interrupt", post, prefix=f"interrupt-{track.pk}"))
                detail = choice_label(form, "code")
                domain = track.get_domain_display()
        except _InvalidForm as exc:
            for error in exc.errors:
                messages.error(request, error)
            return None
        cancel = reverse(f"{request.resolver_match.namespace}:case", kwargs={"pk": referral.pk})
        return confirmation_page(
            request,
            action=action,
            reference=referral.reference,
            detail=detail,
            domain=domain,
            cancel_url=cancel,
        )

    def track(self, request, referral) -> SupportTrack:
        """The track named by the form, one of this referral's (404 otherwise, e.g. not a
        number)."""
        raw = request.POST.get("track", "")
        if not raw.isdigit():
            raise Http404
        return get_object_or_404(SupportTrack, pk=int(raw), referral=referral)


class AgreementActionView(CaseActionView):
    roles = (Role.COORDINATOR, Role.CELL_LIAISON)

    def act(self, request, referral):
        form = _valid(forms.AgreementForm(request.POST, prefix="agreement"))
        services.referral_record_agreement(
            actor=request.user, referral=referral, **form.cleaned_data
        )


class SuspendActionView(CaseActionView):
    roles = (Role.COORDINATOR,)

    def act(self, request, referral):
        code = _valid(forms.code_form("suspend", request.POST)).cleaned_data["code"]
        services.process_suspend(actor=request.user, referral=referral, reason=code)


class ResumeActionView(CaseActionView):
    roles = (Role.COORDINATOR,)

    def act(self, request, referral):
        services.process_resume(actor=request.user, referral=referral)


class RequestReviewActionView(CaseActionView):
    roles = (Role.COORDINATOR,)

    def act(self, request, referral):
        services.process_request_review(actor=request.user, referral=referral)


class WithdrawActionView(CaseActionView):
    roles = (Role.CELL_LIAISON,)

    def act(self, request, referral):
        code = _valid(forms.code_form("withdraw", request.POST)).cleaned_data["code"]
        services.process_withdraw(actor=request.user, referral=referral, reason=code)


class CloseActionView(CaseActionView):
    roles = (Role.CELL_LIAISON,)

    def act(self, request, referral):
        code = _valid(forms.code_form("close", request.POST)).cleaned_data["code"]
        services.process_close(actor=request.user, referral=referral, code=code)


class AssignTrackActionView(CaseActionView):
    roles = (Role.COORDINATOR,)

    def act(self, request, referral):
        track = self.track(request, referral)
        form = _valid(
            forms.AssignForm(
                request.POST, prefix=f"assign-{track.pk}", limit=settings.RELAIS_ASSIGN_CHOICES
            )
        )  # the service checks the member posted, shown in the list or found by a search
        services.track_assign(actor=request.user, track=track, member=form.cleaned_data["member"])


class CorrectActionView(CaseActionView):
    """The cell corrects one coded registration datum, with a coded reason (audited)."""

    roles = (Role.CELL_LIAISON,)

    def act(self, request, referral):
        form = _valid(forms.CorrectionForm(request.POST, prefix="correct", referral=referral))
        services.referral_correct(
            actor=request.user,
            referral=referral,
            field=form.cleaned_data["field"],
            value=form.cleaned_data["value"],
            reason=form.cleaned_data["reason"],
        )


class InterruptTrackActionView(CaseActionView):
    roles = (Role.COORDINATOR,)

    def act(self, request, referral):
        track = self.track(request, referral)
        code = _valid(
            forms.code_form("interrupt", request.POST, prefix=f"interrupt-{track.pk}")
        ).cleaned_data["code"]
        services.track_interrupt(actor=request.user, track=track, reason=code)


# The case page's actions, by the last segment of their URL.
CASE_ACTIONS = {
    "agreement": AgreementActionView,
    "suspend": SuspendActionView,
    "resume": ResumeActionView,
    "request_review": RequestReviewActionView,
    "withdraw": WithdrawActionView,
    "close": CloseActionView,
    "assign": AssignTrackActionView,
    "interrupt": InterruptTrackActionView,
    "correct": CorrectActionView,
}


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


# --- the referral list (cell and coordinator) ------------------------------------------------


class ReferralListView(PageMixin, generic.TemplateView):
    """Every referral, closed and returned ones included: search by reference, filters
    (state, commune, domain, overdue), sorting and keyset pagination (constant queries)."""

    template_name = "workflows/referral_list.html"
    page_title = _("Orientations")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = forms.ReferralSearchForm(self.request.GET)
        rows, cursor = [], None
        if form.is_valid():
            data = form.cleaned_data
            rows, cursor = referrals_search(
                reference=data["reference"],
                state=data["state"],
                commune=data["commune"],
                domain=data["domain"],
                overdue=data["overdue"],
                sort=data["sort"],
                after=data["after"],
                limit=PAGE_SIZE,
                today=context["today"],
            )
            context["first_page"] = "?" + form.query_string()
            if cursor is not None:
                token = forms.cursor_token(cursor)
                context["next_page"] = "?" + form.query_string(after=token)
            context["paged"] = data["after"] is not None
        context.update({"form": form, "rows": rows})
        return context
