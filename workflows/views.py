"""Task pages of the referral flow. Thin: validate a form, call one service, move on.

Each view runs inside viewflow's task wrapper (flow lock and transaction on POST). A refusal
from a service (ApplicationError) becomes a French form error or message; nothing is saved.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import generic
from viewflow.workflow.status import STATUS

from core.errors import ApplicationError
from support.models import SupportTrack
from workflows import forms, services
from workflows.submissions import AlreadySubmitted, submission_once


def _fail(form, exc: ApplicationError):
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


def _queue_url():
    return reverse("workflow:queue")


def _inbox_url():
    return reverse("workflow:inbox")


class TaskPageMixin:
    """Context shared by the task pages: the process, its referral, the task."""

    template_name = "workflows/task_page.html"
    page_title = ""

    @property
    def activation(self):
        return self.request.activation

    @property
    def referral(self):
        return self.activation.process.artifact

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "referral": self.referral,
                "task": self.activation.task,
                "page_title": self.page_title,
            }
        )
        return context


class RegisterReferralView(generic.FormView):
    """Start node: the cell liaison registers a referral; the triage task is created."""

    form_class = forms.RegisterReferralForm
    template_name = "workflows/register.html"

    def form_valid(self, form):
        try:
            with submission_once(self.request):
                referral = services.register_complete(
                    actor=self.request.user,
                    activation=self.request.activation,
                    **form.cleaned_data,
                )
        except AlreadySubmitted as exc:
            messages.info(self.request, exc.message)
            return redirect("cell:index")
        except ApplicationError as exc:
            _fail(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request, _("Orientation %(ref)s enregistrée.") % {"ref": referral.reference}
        )
        return redirect("cell:index")


class TriageView(TaskPageMixin, generic.TemplateView):
    """The coordinator records the agreement if needed, then opens support or returns."""

    page_title = _("Examen de l'orientation")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        referral = self.referral
        context.setdefault("agreement_form", forms.AgreementForm(prefix="agreement"))
        context.setdefault(
            "triage_form",
            forms.TriageForm(
                prefix="triage",
                initial={"domains": referral.requested_domains, "decision": "open_support"},
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        if "agreement-agreement" in request.POST:
            form = forms.AgreementForm(request.POST, prefix="agreement")
            if form.is_valid():
                try:
                    with submission_once(request):
                        services.referral_record_agreement(
                            actor=request.user, referral=self.referral, **form.cleaned_data
                        )
                except ApplicationError as exc:
                    _fail(form, exc)
                else:
                    messages.success(request, _("Accord enregistré."))
                    return redirect(request.path)
            return self.render_to_response(self.get_context_data(agreement_form=form))

        form = forms.TriageForm(request.POST, prefix="triage")
        if form.is_valid():
            try:
                with submission_once(request):
                    services.triage_complete(
                        actor=request.user, task=self.activation.task, **form.cleaned_data
                    )
            except ApplicationError as exc:
                _fail(form, exc)
            else:
                messages.success(request, _("Examen terminé."))
                return redirect("coordination:index")
        return self.render_to_response(self.get_context_data(triage_form=form))


class ReviewView(TaskPageMixin, generic.TemplateView):
    """The cell's review: continue (new tracks for the chosen domains) or close."""

    page_title = _("Bilan")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("review_form", forms.ReviewForm(prefix="review"))
        context["tracks"] = self.referral.tracks.order_by("pk")
        return context

    def post(self, request, *args, **kwargs):
        form = forms.ReviewForm(request.POST, prefix="review")
        if form.is_valid():
            try:
                with submission_once(request):
                    services.review_complete(
                        actor=request.user, task=self.activation.task, **form.cleaned_data
                    )
            except ApplicationError as exc:
                _fail(form, exc)
            else:
                messages.success(request, _("Bilan enregistré."))
                return redirect("cell:index")
        return self.render_to_response(self.get_context_data(review_form=form))


def _contact_form(action, data=None):
    return forms.ContactForm(data, prefix=action)


def _code_form(action, data=None):
    return forms.code_form(action, data)


# The holder's actions on the track page: action → (its form, its one service, whether the
# task leaves the holder's inbox). Each service is one public write of workflows.services.
TRACK_ACTIONS = {
    "first_contact": (
        _contact_form,
        lambda actor, track, data: services.track_first_contact_record(
            actor=actor, track=track, occurred_on=data["occurred_on"], kind=data["kind"]
        ),
        False,
    ),
    "contact": (
        _contact_form,
        lambda actor, track, data: services.track_contact_record(
            actor=actor,
            track=track,
            occurred_on=data["occurred_on"],
            kind=data["kind"],
            attended=data.get("attended", True),
        ),
        False,
    ),
    "hold": (
        _code_form,
        lambda actor, track, data: services.track_hold(
            actor=actor, track=track, reason=data["code"]
        ),
        False,
    ),
    "resume": (
        None,
        lambda actor, track, data: services.track_resume(actor=actor, track=track),
        False,
    ),
    "complete": (
        _code_form,
        lambda actor, track, data: services.track_complete(
            actor=actor, track=track, outcome=data["code"]
        ),
        True,
    ),
    "interrupt": (
        _code_form,
        lambda actor, track, data: services.track_interrupt(
            actor=actor, track=track, reason=data["code"]
        ),
        True,
    ),
    "release": (
        _code_form,
        lambda actor, track, data: services.track_release(
            actor=actor, track=track, reason=data["code"]
        ),
        True,
    ),
}


class SupportTaskView(TaskPageMixin, generic.TemplateView):
    """The track page of the member who holds it: contacts, pause, outcome, release."""

    template_name = "workflows/track_page.html"
    page_title = _("Accompagnement")

    @property
    def track(self) -> SupportTrack:
        if not hasattr(self, "_track"):
            self._track = SupportTrack.objects.select_related(
                "referral", "referral__commune", "organisation"
            ).get(pk=self.activation.task.data["track"])
        return self._track

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        track = self.track
        context["track"] = track
        context["contacts"] = track.contacts.order_by("-occurred_on", "-pk")
        # Other tracks of the same referral: their domain and state only.
        context["siblings"] = (
            SupportTrack.objects.filter(referral_id=track.referral_id)
            .exclude(pk=track.pk)
            .only("domain", "state")
        )
        for action, (form_factory, _service, _leaves) in TRACK_ACTIONS.items():
            if form_factory is not None:
                context.setdefault(f"{action}_form", form_factory(action))
        context["state"] = track.state
        context["referral_working"] = track.referral.is_working
        # The actions shown are the transitions django-fsm-2 lets this user run now (state,
        # guards, permission=); an ended track's page is read-only.
        finished = self.activation.task.status in (STATUS.DONE, STATUS.CANCELED)
        context["available"] = (
            set()
            if finished
            else {t.name for t in track.get_available_user_state_transitions(self.request.user)}
        )
        return context

    def post(self, request, *args, **kwargs):
        if self.activation.task.status in (STATUS.DONE, STATUS.CANCELED):
            messages.error(request, _("Cette tâche a déjà été traitée : rien n'a été enregistré."))
            return redirect(request.path)
        action = request.POST.get("action")
        if action not in TRACK_ACTIONS:
            messages.error(request, _("Action inconnue."))
            return redirect(request.path)
        form_factory, service, leaves = TRACK_ACTIONS[action]
        form = form_factory(action, request.POST) if form_factory is not None else None
        if form is not None and not form.is_valid():
            return self.render_to_response(self.get_context_data(**{f"{action}_form": form}))
        data = form.cleaned_data if form is not None else {}
        try:
            with submission_once(request):
                service(request.user, self.track, data)
        except AlreadySubmitted as exc:
            messages.info(request, exc.message)
            return redirect(request.path)
        except ApplicationError as exc:
            if form is None:
                messages.error(request, exc.message)
                return redirect(request.path)
            _fail(form, exc)
            return self.render_to_response(self.get_context_data(**{f"{action}_form": form}))
        messages.success(request, _("Enregistré."))
        return redirect(_inbox_url() if leaves else request.path)


class TakeTaskView(generic.TemplateView):
    """Take a task from a queue (confirm, then assign through the services)."""

    template_name = "workflows/take.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["task"] = self.request.activation.task
        context["referral"] = self.request.activation.process.artifact
        return context

    def post(self, request, *args, **kwargs):
        task = request.activation.task
        try:
            with submission_once(request):
                services.task_take(actor=request.user, task=task)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(_queue_url())
        messages.success(request, _("Tâche prise en charge."))
        return redirect(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))


class UnassignTaskView(generic.TemplateView):
    """Put a triage or review task back in its queue, through the services (audited)."""

    template_name = "workflows/unassign.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["task"] = self.request.activation.task
        context["referral"] = self.request.activation.process.artifact
        return context

    def post(self, request, *args, **kwargs):
        task = request.activation.task
        try:
            with submission_once(request):
                services.task_unassign(actor=request.user, task=task)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(_inbox_url())
        messages.success(request, _("Tâche remise dans la file."))
        return redirect(_queue_url())
