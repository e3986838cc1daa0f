"""Per-object visibility of viewflow's pages for the referral flow.

viewflow lets any holder of ``view_<process>`` open every process and task page. Here every
request to the workflow application that names a process is checked against
``workflows.selectors.process_visible_to`` (404 when not visible, so existence is not
revealed), a task page must name the task's own process (else 404), list pages of every
process are closed to members (403), and each GET of a process or task page that is served
(200) records an access event in the audit chain.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.access import has_role
from core.roles import Role
from workflows.selectors import can_see_case_pages, flow_tasks, process_visible_to

# viewflow pages listing every process or task of the flow.
GLOBAL_LIST_URLS = {"index", "process_list", "task_list", "chart"}


class ProcessVisibilityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        process_pk = getattr(request, "_relais_viewed_process", None)
        # Only a page actually shown is an access: a refusal (403/404) records nothing.
        if process_pk is not None and response.status_code == 200:
            from workflows.access import case_access_record
            from workflows.flows import ReferralFlow

            process = ReferralFlow.process_class._default_manager.filter(pk=process_pk).first()
            if process is not None and process.artifact is not None:
                case_access_record(user=request.user, referral=process.artifact)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or "workflow" not in match.namespaces[:1]:
            return None
        if not can_see_case_pages(request.user):
            return None  # viewflow's SiteMiddleware answers 403 (application permission)
        process_pk = view_kwargs.get("process_pk")
        if process_pk is None:
            if match.url_name in GLOBAL_LIST_URLS and not has_role(
                request.user, Role.COORDINATOR, Role.CELL_LIAISON
            ):
                raise PermissionDenied
            return None
        if not process_visible_to(request.user, process_pk):
            raise Http404
        task_pk = view_kwargs.get("task_pk")
        # viewflow loads the task by its pk alone: a visible process in the URL must not
        # open a task of another process.
        if (
            task_pk is not None
            and not flow_tasks().filter(pk=task_pk, process_id=process_pk).exists()
        ):
            raise Http404
        if request.method == "GET":
            request._relais_viewed_process = process_pk
        return None
