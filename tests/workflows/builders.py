"""Case data shared by the workflow page tests, built with the conftest helpers (through the
same services as the pages)."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from tests.factories import UserFactory
from tests.workflows.conftest import start_referral, take, task_of, triage_open
from workflows import services

YESTERDAY = timezone.localdate() - timedelta(days=1)


def url(task, action):
    """A task page: "detail", "execute", "assign"."""
    return task.flow_task.reverse(action, args=[task.process_id, task.pk])


def admin_user():
    """The staff superuser (Django admin only: no role in the site)."""
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


def finish_track(process, member, domain="social"):
    """``member`` takes the open track of ``domain``, records a first contact, completes it."""
    task = take(task_of(process, "support", domain=domain, status="NEW"), member)
    track = task.artifact
    # Computed at call time: a run that crosses midnight keeps contact and reception in order.
    yesterday = timezone.localdate() - timedelta(days=1)
    services.track_first_contact_record(
        actor=member, track=track, occurred_on=yesterday, kind="phone"
    )
    services.track_complete(actor=member, track=track, outcome="goals_reached")
    return task


@dataclass
class Cases:
    """A: in support, its social task open (social queue).
    B: in support, social task held by ``member``, psychological task open (psy's queue).
    C: in review (``member`` completed its social track), review task in the cell's queue.
    D: a review reopened it: ``member`` completed its social track, the cell continued with a
    new social track (its task in the social queue again)."""

    a: object
    b: object
    c: object
    d: object = None

    def process(self, name):
        return {"A": self.a, "B": self.b, "C": self.c, "D": self.d}[name]

    def referral_pk(self, name):
        return self.process(name).artifact_object_id

    def task(self, name, node):
        """``node``: triage, review, support (the last support task), ``ended`` (the last
        finished support task) or a support domain."""
        process = self.process(name)
        if node == "ended":
            return task_of(process, "support", status="DONE")
        if node in ("triage", "review", "support"):
            return task_of(process, node)
        return task_of(process, "support", domain=node)


def build_cases(people) -> Cases:
    cell, coordinator, member = people["cell"], people["coordinator"], people["member"]
    a = triage_open(start_referral(cell), coordinator)
    both = ("social", "psychological")
    b = triage_open(start_referral(cell, domains=both), coordinator, domains=both)
    take(task_of(b, "support", domain="social"), member)
    c = triage_open(start_referral(cell), coordinator)
    finish_track(c, member)
    d = triage_open(start_referral(cell), coordinator)
    finish_track(d, member)
    review = take(task_of(d, "review"), cell)
    services.review_complete(actor=cell, task=review, decision="continue", domains=["social"])
    return Cases(a=a, b=b, c=c, d=d)


def page_url(key, cases):
    """A page named as in the permission matrix: "/cell/", "A/process", "A/cancel",
    "B/social/execute" (a task page), "A>B/social/detail" (B's task under A's URL),
    "A/cell-case", "A/coord-case"."""
    if key.startswith("/"):
        return key
    where, *rest = key.split("/")
    if ">" in where:  # a task of one process under another process's URL
        outer, inner = where.split(">")
        task = cases.task(inner, rest[0])
        return task.flow_task.reverse(rest[1], args=[cases.process(outer).pk, task.pk])
    if rest == ["process"]:
        return f"/workflow/{cases.process(where).pk}/"
    if rest == ["cancel"]:
        return f"/workflow/{cases.process(where).pk}/cancel/"
    if rest in (["cell-case"], ["coord-case"]):
        app = "cell" if rest == ["cell-case"] else "coordination"
        return f"/{app}/orientations/{cases.referral_pk(where)}/"
    node, action = rest
    return url(cases.task(where, node), action)
