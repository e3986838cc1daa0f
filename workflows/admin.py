"""viewflow registers its Process and Task models in the admin as editable: a superuser could
re-point a process's artifact (a member then gains or loses a case), delete a process with its
tasks or type free text into ``data``, none of it in the audit chain. They are removed from
the admin: processes and tasks change only through workflows.services."""

from django.contrib import admin
from viewflow.workflow.models import Process, Task

for model in (Process, Task):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
