"""What viewflow's URLs leave to us, around its pages of the referral flow.

Who sees a process or a task is decided by the flow's own permission methods
(``ReferralFlow.has_view_permission``, ``RoleTaskNode.can_view`` and the task page wrapper,
all on ``workflows.selectors.task_visible_to``). This middleware only: checks that a task id
belongs to the URL's process (viewflow loads a task by its id alone: else 404), closes the
lists of every process to members (403), and records an access event in the audit chain for
each GET of a process or task page that is served (200).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect

from core.access import has_role
from core.roles import Role
from workflows.access import case_access_record
from workflows.selectors import can_see_case_pages, flow, flow_tasks

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
            process = flow().process_class._default_manager.filter(pk=process_pk).first()
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
            if match.url_name == "index" and not has_role(
                request.user, Role.COORDINATOR, Role.CELL_LIAISON
            ):
                # The drawer's "Circuit" entry: a member's part of the flow is the inbox.
                return redirect(f"{match.namespace}:inbox")
            if match.url_name in GLOBAL_LIST_URLS and not has_role(
                request.user, Role.COORDINATOR, Role.CELL_LIAISON
            ):
                raise PermissionDenied
            return None
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
