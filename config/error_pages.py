"""French answers for the workflow engine's own refusals.

viewflow refuses with ``TransitionNotAllowed`` (re-raised as ``PermissionDenied``) when a
task page is opened or posted again after its step is done (the browser's back button:
``Start :: no transition from "DONE"``) and with ``FlowLockFailed`` when another request holds
the process. Both are conflicts, not server
errors: answer 409 with the product's page, which says what happened and leads back to the
case. Nothing is written.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from viewflow.fsm import TransitionNotAllowed
from viewflow.workflow.exceptions import FlowLockFailed

from core.access import has_role
from core.roles import Role


def _case_url(request) -> str | None:
    match = request.resolver_match
    process_pk = match.kwargs.get("process_pk") if match else None
    if process_pk is None:
        return None
    from workflows.flows import ReferralFlow

    process = ReferralFlow.process_class._default_manager.filter(pk=process_pk).first()
    if process is None or process.artifact_object_id is None:
        return None
    for role, namespace in ((Role.COORDINATOR, "coordination"), (Role.CELL_LIAISON, "cell")):
        if has_role(request.user, role):
            try:
                return reverse(f"{namespace}:case", kwargs={"pk": process.artifact_object_id})
            except NoReverseMatch:
                return None
    return None


class ConflictPageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        # viewflow's views re-raise a refused transition as PermissionDenied: look at its cause.
        cause = exception.__cause__ or exception.__context__
        if isinstance(exception, PermissionDenied) and isinstance(cause, TransitionNotAllowed):
            exception = cause
        if not isinstance(exception, TransitionNotAllowed | FlowLockFailed):
            return None
        context = {"case_url": _case_url(request), "busy": isinstance(exception, FlowLockFailed)}
        return render(request, "409.html", context, status=409)
