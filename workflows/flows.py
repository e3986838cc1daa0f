"""The operational group's process for one referral (design §5).

register (cell) → triage (coordinators' queue) → returned (end)
                                               → dispatch: one support task per track, in its
                                                 domain's queue, + a pending review request
support (member: first contact, contacts, outcome) → when every track has ended, the review
                                                     request fires
review_request (fired by the last track, by the coordinator or at the review date)
  → review (cell) → continue (dispatch again, new tracks) or closed (end)

Every task completion calls exactly one service of ``referrals`` or ``support``; the flow
never changes a state itself. The process ``artifact`` is the Referral.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from viewflow import this
from viewflow.workflow import flow, lock

from core.access import has_role
from core.roles import Role
from referrals.models import Referral
from referrals.vocabularies import ReferralState
from support.selectors import running_domains
from workflows import services, views
from workflows.models import ReferralProcess
from workflows.nodes import Dispatch, RoleTaskNode


class ReferralFlow(flow.Flow):
    process_class = ReferralProcess
    lock_impl = lock.select_for_update_lock
    process_title = _("Orientation")
    process_description = _("Du signalement par la cellule à la clôture.")
    # viewflow's lists and cards name a process by this: the case's reference and French state.
    process_summary_template = (
        "{{ process.artifact.reference }} – {{ process.artifact.get_state_display }}"
    )

    def has_manage_permission(self, user, obj=None):
        """Nobody: viewflow's manager actions (cancel, undo or revive a task, cancel a
        process, execute someone else's task) would change a case outside the services and
        their audit events; a superuser holds every permission, this one included."""
        return False

    register = (
        flow.Start(views.RegisterReferralView.as_view())
        .Annotation(title=_("Enregistrer une orientation"))
        .Permission("workflows.register_referral")
        .Next(this.triage)
    )
    register_from_code = (
        flow.StartHandle(this.attach_referral)
        .Annotation(title=_("Enregistrement (import)"))
        .Next(this.triage)
    )

    triage = (
        RoleTaskNode(
            views.TriageView.as_view(),
            role=Role.COORDINATOR,
            assign_view=views.TakeTaskView.as_view(),
            action_views={"agreement": views.TriageAgreementView.as_view()},
        )
        .Annotation(title=_("Examen par le coordinateur"))
        .Next(this.triage_outcome)
    )
    triage_outcome = (
        flow.If(this.is_returned)
        .Annotation(title=_("Retour à la cellule ?"))
        .Then(this.end)
        .Else(this.dispatch)
    )
    dispatch = (
        Dispatch()
        .Annotation(title=_("Ouverture des accompagnements"))
        .Next(this.support)
        .Next(this.review_request)
    )
    support = (
        RoleTaskNode(
            views.SupportTaskView.as_view(),
            role=Role.MEMBER,
            assign_view=views.TakeTaskView.as_view(),
            action_views={
                action: view.as_view() for action, view in views.TRACK_ACTION_VIEWS.items()
            },
        )
        .Annotation(title=_("Accompagnement"))
        .Next(this.support_outcome)
    )
    support_outcome = (
        flow.If(this.every_track_ended)
        .Annotation(title=_("Tous les accompagnements terminés ?"))
        .Then(this.fire_review)
        .Else(this.support_end)
    )
    fire_review = (
        flow.Function(this.request_review_now)
        .Annotation(title=_("Demande de bilan"))
        .Next(this.support_end)
    )
    support_end = flow.End().Annotation(title=_("Fin de l'accompagnement"))
    review_request = (
        flow.Handle(this.on_review_requested).Annotation(title=_("Bilan demandé")).Next(this.review)
    )
    review = (
        RoleTaskNode(
            views.ReviewView.as_view(),
            role=Role.CELL_LIAISON,
            assign_view=views.TakeTaskView.as_view(),
        )
        .Annotation(title=_("Bilan par la cellule"))
        .Next(this.review_outcome)
    )
    review_outcome = (
        flow.If(this.is_closed).Annotation(title=_("Clôture ?")).Then(this.end).Else(this.dispatch)
    )
    end = flow.End().Annotation(title=_("Fin du circuit"))

    # --- visibility: viewflow's own permission methods ------------------------------------
    def has_view_permission(self, user, obj=None):
        """The flow's pages: open to the three case roles (inbox, queue, archive); a process
        page (``obj``) only to those who see every case. A member's view of a case is the
        product's track and take pages: for them a process page does not exist (404), so
        it reveals neither the case nor other members' names."""
        if not has_role(user, Role.COORDINATOR, Role.CELL_LIAISON, Role.MEMBER):
            return False
        if obj is None or has_role(user, Role.COORDINATOR, Role.CELL_LIAISON):
            return True
        raise Http404

    # --- callbacks (read the artifact; state changes happen in services) -----------------
    def attach_referral(self, activation, referral):
        activation.process.artifact = referral
        return activation.process

    @staticmethod
    def _referral(activation):
        # Fresh from the database: services lock and save their own instance, so the
        # process's cached artifact may hold a state from before the task's transition.
        return Referral.objects.get(pk=activation.process.artifact_object_id)

    def is_returned(self, activation):
        return self._referral(activation).state == ReferralState.RETURNED

    def is_closed(self, activation):
        return self._referral(activation).state == ReferralState.CLOSED

    def every_track_ended(self, activation):
        referral = self._referral(activation)
        return referral.state == ReferralState.IN_SUPPORT and not running_domains(referral=referral)

    def request_review_now(self, activation):
        # Runs inside the service that ended the last track (lock held: re-entrant).
        services.review_fire(process=activation.process, actor=None)

    def on_review_requested(self, activation):
        return activation.process
