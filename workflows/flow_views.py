"""viewflow's list pages of the referral flow, in French and naming cases by reference.

viewflow labels columns from attribute names ("Brief", "Process id") and names tasks
"#14/85"; these subclasses show the referral's reference, the step's French name, the domain
and dates instead. Querysets are viewflow's own (already scoped), with the referral and the
track prefetched so the columns add no query per row.
"""

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.flow import views as flow_views

from workflows.selectors import with_case_data


def _reference(task) -> str:
    referral = task.process.artifact
    return referral.reference if referral is not None else "—"


class TaskColumnsMixin:
    """Columns of every task list: reference, French step name, domain, dates."""

    def task_link(self, task):
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        return format_html('<a href="{}">{}</a>', url, _reference(task))

    task_link.short_description = _("Référence")

    def step(self, task):
        return task.flow_task.task_title or str(task.flow_task)

    step.short_description = _("Étape")

    def domain(self, task):
        track = task.artifact
        return track.get_domain_display() if hasattr(track, "get_domain_display") else "—"

    domain.short_description = _("Domaine")

    def created(self, task):
        return task.created

    created.short_description = _("Créée le")

    def finished(self, task):
        return task.finished or "—"

    finished.short_description = _("Terminée le")

    def owner(self, task):
        return task.owner.get_username() if task.owner_id else "—"

    owner.short_description = _("Tenue par")


class ArchiveView(TaskColumnsMixin, flow_views.FlowArchiveListView):
    title = _("Archives")
    columns = ("task_link", "step", "domain", "created", "finished")

    def get_queryset(self):
        return with_case_data(super().get_queryset())


class TaskListView(TaskColumnsMixin, flow_views.DashboardTaskListView):
    title = _("Tâches en cours")
    columns = ("task_link", "step", "domain", "created", "owner")

    def get_queryset(self):
        return with_case_data(super().get_queryset())


class ProcessListView(flow_views.DashboardProcessListView):
    title = _("Orientations")
    columns = ("reference", "state", "created", "finished", "active_tasks")
    object_link_columns = ()

    def get_queryset(self):
        return super().get_queryset().prefetch_related("artifact").order_by("-created", "-pk")

    def reference(self, process):
        url = self.request.resolver_match.flow_viewset.reverse("process_detail", args=[process.pk])
        referral = process.artifact
        return format_html('<a href="{}">{}</a>', url, referral.reference if referral else "—")

    reference.short_description = _("Référence")

    def state(self, process):
        referral = process.artifact
        if referral is None:
            return "—"
        return format_html(
            '<span class="relais-chip relais-chip--{}">{}</span>',
            referral.state,
            referral.get_state_display(),
        )

    state.short_description = _("État")

    def created(self, process):
        return process.created

    created.short_description = _("Créée le")

    def finished(self, process):
        return process.finished or "—"

    finished.short_description = _("Terminée le")

    def active_tasks(self, process):
        return process.active_tasks_count

    active_tasks.short_description = _("Tâches en cours")
