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
from workflows.confirm import IRREVERSIBLE, choice_label, confirmation_page, is_confirmed
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
    """The coordinator's triage: open support for the chosen domains or return to the cell.
    The agreement, when still missing, is recorded through its own URL and view
    (``TriageAgreementView``)."""

    page_title = _("Examen de l'orientation")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        referral = self.referral
        task = self.activation.task
        context.setdefault("agreement_form", forms.AgreementForm(prefix="agreement"))
        context["agreement_url"] = task.flow_task.reverse(
            "agreement", args=[task.process_id, task.pk]
        )
        context.setdefault(
            "triage_form",
            forms.TriageForm(
                prefix="triage",
                initial={"domains": referral.requested_domains, "decision": "open_support"},
            ),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = forms.TriageForm(request.POST, prefix="triage")
        if form.is_valid():
            if form.cleaned_data["decision"] == forms.TriageForm.RETURN and not is_confirmed(
                request
            ):
                # Returning ends the referral: the same confirmation page as the case page's.
                return confirmation_page(
                    request,
                    action="return_to_cell",
                    reference=self.referral.reference,
                    domain=", ".join(str(d) for d in self.referral.requested_domain_labels),
                    detail=choice_label(form, "reason"),
                    cancel_url=request.get_full_path(),
                )
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


class TriageAgreementView(TriageView):
    """The triage page's agreement form (POST only): record it, back to the triage page."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
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
                task = self.activation.task
                return redirect(task.flow_task.reverse("execute", args=[task.process_id, task.pk]))
        return self.render_to_response(self.get_context_data(agreement_form=form))


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
            if form.cleaned_data["decision"] == forms.ReviewForm.CLOSE and not is_confirmed(
                request
            ):
                # Closing is irreversible: the same confirmation page as the case page's.
                return confirmation_page(
                    request,
                    action="close",
                    reference=self.referral.reference,
                    domain=", ".join(
                        track.get_domain_display() for track in self.referral.tracks.order_by("pk")
                    ),
                    detail=choice_label(form, "code"),
                    cancel_url=request.get_full_path(),
                )
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


class SupportTaskView(TaskPageMixin, generic.TemplateView):
    """The track page of the member who holds it (read-only once the track ended). Each of
    its actions is a form posting to its own URL and view (``TrackActionView``)."""

    template_name = "workflows/track_page.html"
    page_title = _("Accompagnement")
    http_method_names = ["get"]

    @property
    def track(self) -> SupportTrack:
        if not hasattr(self, "_track"):
            self._track = SupportTrack.objects.select_related(
                "referral", "referral__commune", "organisation"
            ).get(pk=self.activation.task.data["track"])
        return self._track

    def page_url(self) -> str:
        task = self.activation.task
        return task.flow_task.reverse("execute", args=[task.process_id, task.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        track = self.track
        task = self.activation.task
        context["track"] = track
        context["contacts"] = track.contacts.order_by("-occurred_on", "-pk")
        # Other tracks of the same referral: their domain and state only.
        context["siblings"] = (
            SupportTrack.objects.filter(referral_id=track.referral_id)
            .exclude(pk=track.pk)
            .only("domain", "state")
        )
        for action, view_class in TRACK_ACTION_VIEWS.items():
            context.setdefault(f"{action}_form", view_class.make_form())
        context["action_urls"] = {
            action: task.flow_task.reverse(action, args=[task.process_id, task.pk])
            for action in TRACK_ACTION_VIEWS
        }
        context["state"] = track.state
        context["referral_working"] = track.referral.is_working
        # The actions shown are the transitions django-fsm-2 lets this user run now (state,
        # guards, permission=); an ended track's page is read-only.
        finished = task.status in (STATUS.DONE, STATUS.CANCELED)
        context["available"] = (
            set()
            if finished
            else {t.name for t in track.get_available_user_state_transitions(self.request.user)}
        )
        return context


class TrackActionView(SupportTaskView):
    """One action of the track page (POST only): validate its form, call its one service of
    workflows.services, then back to the track page (or to the inbox when the task left it).
    An invalid form or a refusal shows the track page again with the French message."""

    http_method_names = ["post"]
    action = ""
    leaves_inbox = False  # the task completes or goes back to the queue

    @classmethod
    def make_form(cls, data=None):
        return forms.code_form(cls.action, data)

    def run(self, track, data) -> None:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        if self.activation.task.status in (STATUS.DONE, STATUS.CANCELED):
            messages.error(request, _("Cette tâche a déjà été traitée : rien n'a été enregistré."))
            return redirect(self.page_url())
        form = self.make_form(request.POST)
        if form is not None and not form.is_valid():
            return self._again(form)
        if self.action in IRREVERSIBLE and not is_confirmed(request):
            return confirmation_page(
                request,
                action=self.action,
                reference=self.track.referral.reference,
                domain=self.track.get_domain_display(),
                detail=choice_label(form, "code") if form is not None else "",
                cancel_url=self.page_url(),
            )
        try:
            with submission_once(request):
                self.run(self.track, form.cleaned_data if form is not None else {})
        except AlreadySubmitted as exc:
            messages.info(request, exc.message)
            return redirect(self.page_url())
        except ApplicationError as exc:
            if form is None:
                messages.error(request, exc.message)
                return redirect(self.page_url())
            _fail(form, exc)
            return self._again(form)
        messages.success(request, _("Enregistré."))
        return redirect(_inbox_url() if self.leaves_inbox else self.page_url())

    def _again(self, form):
        return self.render_to_response(self.get_context_data(**{f"{self.action}_form": form}))


class FirstContactView(TrackActionView):
    action = "first_contact"

    @classmethod
    def make_form(cls, data=None):
        return forms.ContactForm(data, prefix=cls.action)

    def run(self, track, data):
        services.track_first_contact_record(
            actor=self.request.user, track=track, occurred_on=data["occurred_on"], kind=data["kind"]
        )


class ContactView(FirstContactView):
    action = "contact"

    def run(self, track, data):
        services.track_contact_record(
            actor=self.request.user,
            track=track,
            occurred_on=data["occurred_on"],
            kind=data["kind"],
            attended=data.get("attended", True),
        )


class HoldView(TrackActionView):
    action = "hold"

    def run(self, track, data):
        services.track_hold(actor=self.request.user, track=track, reason=data["code"])


class ResumeView(TrackActionView):
    action = "resume"

    @classmethod
    def make_form(cls, data=None):
        return None  # nothing to fill in

    def run(self, track, data):
        services.track_resume(actor=self.request.user, track=track)


class CompleteView(TrackActionView):
    action = "complete"
    leaves_inbox = True

    def run(self, track, data):
        services.track_complete(actor=self.request.user, track=track, outcome=data["code"])


class InterruptView(TrackActionView):
    action = "interrupt"
    leaves_inbox = True

    def run(self, track, data):
        services.track_interrupt(actor=self.request.user, track=track, reason=data["code"])


class ReleaseView(TrackActionView):
    action = "release"
    leaves_inbox = True

    def run(self, track, data):
        services.track_release(actor=self.request.user, track=track, reason=data["code"])


# The track page's actions: the last segment of each one's URL → its view.
TRACK_ACTION_VIEWS = {
    view.action: view
    for view in (
        FirstContactView,
        ContactView,
        HoldView,
        ResumeView,
        CompleteView,
        InterruptView,
        ReleaseView,
    )
}


class _TaskMoveView(generic.TemplateView):
    """Confirm, then move the URL's task through one service (audited); a refusal goes back to
    ``refused_url`` with its French message."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["task"] = self.request.activation.task
        context["referral"] = self.request.activation.process.artifact
        return context

    def post(self, request, *args, **kwargs):
        task = request.activation.task
        try:
            with submission_once(request):
                self.move(actor=request.user, task=task)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(self.refused_url())
        messages.success(request, self.done_message)
        return redirect(self.done_url(task))


class TakeTaskView(_TaskMoveView):
    """Take a task from a queue (confirm, then assign through the services)."""

    template_name = "workflows/take.html"
    done_message = _("Tâche prise en charge.")

    def move(self, *, actor, task):
        services.task_take(actor=actor, task=task)

    def refused_url(self):
        return _queue_url()

    def done_url(self, task):
        return task.flow_task.reverse("execute", args=[task.process_id, task.pk])


class UnassignTaskView(_TaskMoveView):
    """Put a triage or review task back in its queue, through the services (audited)."""

    template_name = "workflows/unassign.html"
    done_message = _("Tâche remise dans la file.")

    def move(self, *, actor, task):
        services.task_unassign(actor=actor, task=task)

    def refused_url(self):
        return _inbox_url()

    def done_url(self, task):
        return _queue_url()
