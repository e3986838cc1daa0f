"""Build a realistic national-scale dataset on PostgreSQL, for the page benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_bench \\
        python -m benchmarks.dataset --referrals 500000

How: a few hundred *template* cases are first driven through the real services and the real
viewflow process (register, triage, take, contacts, pauses, suspension, review, continue,
close, withdraw, with random delays between steps under a fake clock), so every row they
write is valid by construction. Each of the N referrals is then a copy of one template:
new ids, new reference, random coded attributes and domains, holders drawn from members of
the track's domain, every date shifted to a received date spread over ``--years`` years
(open cases are recent, closed ones anywhere). Copies are written with ``COPY`` in batches
of referrals sorted by received date: referrals, tracks, contacts, stays, viewflow
processes, tasks and task links, and the audit events, whose hash chain is computed here in
Python, in sequence order, continuing the templates' chain — ``audit_verify`` accepts it.

It refuses a database that already holds referrals. Accounts (password ``--password``,
default ``relais-bench``): ``bench-cell-0…``, ``bench-coordinator-0…``, ``bench-member-0…``,
``bench-delegate``, ``bench-auditor``, ``bench-strategic``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

DOMAINS = ("educational", "professional", "psychological", "social")
PASSWORD = "relais-bench"
BATCH = 5000
T0 = datetime(2020, 1, 6, 9, 0, tzinfo=UTC)  # the templates' fake "day 0"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--referrals", type=int, required=True, help="how many referrals")
    parser.add_argument("--years", type=float, default=6.0, help="received dates span")
    parser.add_argument("--templates", type=int, default=240, help="template cases")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--password", default=PASSWORD)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RELAIS_ENV", "development")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("benchmarks.dataset : PostgreSQL requis (DATABASE_URL=postgres://…).")
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    call_command("migrate", verbosity=0)
    from referrals.models import Referral

    if Referral.objects.exists():
        sys.exit("benchmarks.dataset : la base contient déjà des orientations ; base vide requise.")
    started = time.perf_counter()
    rng = random.Random(args.seed)
    # The templates' actors first: with thousands of members, every queue notification of
    # the templates would ask each member's queue.
    people = People()
    create_people(people, 2, 2, 4, rng, args.password, template=True)
    templates = build_templates(args.templates, rng, people)
    print(f"templates: {len(templates)}  ({time.perf_counter() - started:.0f} s)")
    n = args.referrals
    create_people(
        people,
        max(2, min(200, n // 2500)),
        max(2, min(200, n // 2500)),
        max(12, n // 100),
        rng,
        args.password,
    )
    print(f"accounts: {people.summary()}  ({time.perf_counter() - started:.0f} s)")
    with bulk_load(TABLES + ("audit_auditevent",)):
        counts = clone(n, args.years, templates, people, rng)
    print("rows: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    recount_buckets()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"done in {time.perf_counter() - started:.0f} s")


def recount_buckets() -> None:
    """The finished stays' duration counts, as the transitions would have kept them."""
    from django.db import connection

    from referrals.stays import PG_HOURS

    hours = PG_HOURS.format(interval="left_at - entered_at")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM referrals_staydurationbucket")
        cursor.execute(
            "INSERT INTO referrals_staydurationbucket (state, hours, stays) "
            f"SELECT state, {hours}, COUNT(*) FROM referrals_referralstay "
            f"WHERE left_at IS NOT NULL GROUP BY state, {hours}"
        )


# --- accounts --------------------------------------------------------------------------------
@dataclass
class People:
    cells: list = field(default_factory=list)
    coordinators: list = field(default_factory=list)
    members: list = field(default_factory=list)  # (user id, organisation id, domains)
    by_domain: dict = field(default_factory=lambda: defaultdict(list))
    usernames: dict = field(default_factory=dict)
    template_members: list = field(default_factory=list)  # user objects, all domains

    def summary(self) -> str:
        return (
            f"{len(self.cells)} cell liaisons, {len(self.coordinators)} coordinators, "
            f"{len(self.members)} members"
        )


def create_people(people, n_cells, n_coordinators, n_members, rng, password, template=False):
    """Accounts of each role. ``template``: the templates' actors (members of every domain)
    and the three read-only roles."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from core.roles import Role
    from directory.models import MemberProfile, Organisation

    User = get_user_model()
    hashed = make_password(password)
    groups = {g.name: g for g in Group.objects.all()}
    first = len(people.cells), len(people.coordinators), len(people.members)
    n_orgs = max(4, min(2000, n_members // 5))
    orgs = Organisation.objects.bulk_create(
        [
            Organisation(name=f"Organisation partenaire {'T' if template else ''}{i:04d}")
            for i in range(n_orgs)
        ]
    )
    specs = [(f"bench-cell-{first[0] + i}", Role.CELL_LIAISON) for i in range(n_cells)]
    specs += [
        (f"bench-coordinator-{first[1] + i}", Role.COORDINATOR) for i in range(n_coordinators)
    ]
    prefix = "bench-template-member" if template else "bench-member"
    specs += [(f"{prefix}-{first[2] + i}", Role.MEMBER) for i in range(n_members)]
    if template:
        specs += [
            ("bench-delegate", Role.STATE_DELEGATE),
            ("bench-auditor", Role.AUDITOR),
            ("bench-strategic", Role.STRATEGIC_GROUP),
        ]
    users = User.objects.bulk_create(
        [User(username=name, password=hashed, is_active=True) for name, _role in specs],
        batch_size=2000,
    )
    through = User.groups.through
    through.objects.bulk_create(
        [
            through(user_id=u.pk, group_id=groups[str(role)].pk)
            for u, (_n, role) in zip(users, specs, strict=True)
        ],
        batch_size=5000,
    )
    profiles = []
    for index, (user, (name, role)) in enumerate(zip(users, specs, strict=True)):
        people.usernames[user.pk] = name
        if role == Role.CELL_LIAISON:
            people.cells.append(user.pk)
        elif role == Role.COORDINATOR:
            people.coordinators.append(user.pk)
        elif role == Role.MEMBER:
            org = orgs[index % len(orgs)]
            if template:
                domains, capacity = list(DOMAINS), 50
                people.template_members.append(user)
            else:
                domains = sorted(rng.sample(DOMAINS, rng.choice((1, 1, 2, 2, 3))))
                capacity = rng.choice((5, 8, 10, 12, 15, 20))
                people.members.append((user.pk, org.pk))
                for d in domains:
                    people.by_domain[d].append((user.pk, org.pk))
            profiles.append(
                MemberProfile(user=user, organisation=org, domains=domains, capacity=capacity)
            )
    MemberProfile.objects.bulk_create(profiles, batch_size=2000)


@contextmanager
def bulk_load(tables):
    """Drop the foreign keys and the secondary indexes of ``tables`` while they are loaded,
    then build them again (one pass each instead of millions of index insertions and
    deferred key checks). Primary keys and unique constraints stay."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
            [list(tables)],
        )
        foreign_keys = cursor.fetchall()
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
            "AND i.tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [list(tables)],
        )
        indexes = cursor.fetchall()
        for table, name, _definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _name, definition in indexes:
                cursor.execute(definition)
            for table, name, definition in foreign_keys:
                cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        print(
            f"indexes and foreign keys rebuilt: {len(indexes)} + {len(foreign_keys)}"
            f"  ({time.perf_counter() - started:.0f} s)"
        )


# --- templates ---------------------------------------------------------------------------------
class Clock:
    def __init__(self, start):
        self.current = start

    def now(self):
        return self.current

    def advance(self, days: float):
        self.current += timedelta(days=days)


def _install_clock(clock: Clock):
    """Every ``timezone.now`` the code reaches (module attributes and field defaults) reads the
    fake clock while the templates are built."""
    from django.apps import apps
    from django.utils import timezone

    original = timezone.now
    patched = []
    for module in list(sys.modules.values()):
        if getattr(module, "now", None) is original:
            patched.append((module, "now"))
            module.now = clock.now
    for model in apps.get_models(include_auto_created=True):
        for f in model._meta.concrete_fields:
            if f.default is original:
                patched.append((f, "default"))
                f.default = clock.now
    timezone.now = clock.now
    patched.append((timezone, "now"))
    return original, patched


def _remove_clock(original, patched):
    for obj, attr in patched:
        setattr(obj, attr, original)


# Weights of the final situations (a steady state over years: most cases are finished).
KINDS = (
    ("received", 2),
    ("in_assessment", 2),
    ("returned", 8),
    ("in_support", 9),
    ("suspended", 1.5),
    ("in_review", 1.5),
    ("closed", 58),
    ("closed_after_continue", 8),
    ("withdrawn", 6),
    ("withdrawn_in_support", 4),
)


@dataclass
class Template:
    kind: str
    referral_id: int
    span: timedelta  # from registration to the last step
    terminal: bool
    rows: dict  # table -> list of row dicts
    events: list  # audit event dicts, in sequence order
    track_ids: list  # template track ids, in the order of the template's domains
    domains: list  # template domains (in order of track_ids)
    process_json: str = "{}"


def build_templates(count: int, rng: random.Random, people: People) -> list[Template]:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    cell = User.objects.get(pk=people.cells[0])
    coordinator = User.objects.get(pk=people.coordinators[0])
    clock = Clock(T0)
    original, patched = _install_clock(clock)
    made = []
    try:
        kinds = [k for k, _w in KINDS]
        for i in range(count):
            kind = kinds[i % len(kinds)]
            clock.current = T0 + timedelta(days=i)  # distinct, non-overlapping starts
            reference = f"VAL-2020-{i:04d}"
            referral_id = _drive(kind, reference, rng, clock, cell, coordinator, people)
            made.append((kind, referral_id, clock.current))
    finally:
        _remove_clock(original, patched)
    return [_read_template(kind, rid, end) for kind, rid, end in made]


def _gap(rng, low, high):
    return rng.uniform(low, high)


ACTIONS = {
    "first_contact": "track_first_contact_record",
    "contact": "track_contact_record",
    "hold": "track_hold",
    "resume": "track_resume",
    "complete": "track_complete",
    "interrupt": "track_interrupt",
    "release": "track_release",
}


def _drive(kind, reference, rng, clock, cell, coordinator, people) -> int:  # noqa: C901
    """One template case through the public write API (``workflows.services``)."""
    from support.models import SupportTrack
    from workflows import services
    from workflows.selectors import flow_tasks

    ndom = rng.choice((1, 1, 1, 2, 2, 3))
    domains = list(DOMAINS[:ndom]) if kind != "closed_after_continue" else [DOMAINS[0]]
    received_on = clock.now().date()

    def take(process, node, actor, track_id=None):
        candidates = (
            flow_tasks()
            .filter(process=process, flow_task__endswith=f".{node}", status="NEW")
            .order_by("pk")
        )
        for task in candidates:
            if track_id is None or (task.data or {}).get("track") == track_id:
                services.task_take(actor=actor, task=task)
                task.refresh_from_db()
                return task
        raise LookupError(node)

    def act(track_id, member, action, **data):
        getattr(services, ACTIONS[action])(actor=member, track=track_id, **data)

    process = services.referral_start(
        actor=cell,
        reference=reference,
        received_on=received_on,
        commune=_first_commune(),
        age_bracket="from_13_to_17",
        place_typology="urban",
        family_involved="no",
        released_from_prison="no",
        family_asked_for_help="unknown",
        requested_domains=domains,
        agreement="person_agreed",
        agreement_date=received_on,
    )
    referral_id = process.artifact_object_id
    if kind == "received":
        return referral_id
    if kind == "withdrawn":
        clock.advance(_gap(rng, 1, 20))
        services.process_withdraw(actor=cell, referral=referral_id, reason="taken_over_elsewhere")
        return referral_id
    clock.advance(_gap(rng, 0.2, 6))
    triage = take(process, "triage", coordinator)
    if kind == "in_assessment":
        return referral_id
    clock.advance(_gap(rng, 1, 12))
    if kind == "returned":
        services.triage_complete(
            actor=coordinator, task=triage, decision="return_to_cell", reason="outside_scope"
        )
        return referral_id
    services.triage_complete(
        actor=coordinator, task=triage, decision="open_support", domains=domains
    )

    def carry(track_ids, fates, offset=0):
        # Track k of the referral (in id order) is always carried by template member k, so
        # that each copy can give each track a holder of its own domain.
        for index, (track_id, fate) in enumerate(zip(track_ids, fates, strict=True), offset):
            member = people.template_members[index % len(people.template_members)]
            if fate == "open":
                continue
            clock.advance(_gap(rng, 0.3, 8))
            if fate == "interrupted_open":
                services.track_interrupt(actor=coordinator, track=track_id, reason="person_refused")
                continue
            take(process, "support", member, track_id)
            if fate == "released":
                clock.advance(_gap(rng, 1, 5))
                act(track_id, member, "release", reason="unavailable")
                continue
            if fate == "assigned":
                continue
            clock.advance(_gap(rng, 1, 15))
            act(track_id, member, "first_contact", occurred_on=clock.now().date(), kind="interview")
            for _ in range(rng.choice((0, 1, 2, 3))):
                clock.advance(_gap(rng, 5, 30))
                act(
                    track_id,
                    member,
                    "contact",
                    occurred_on=clock.now().date(),
                    kind="phone",
                    attended=rng.random() < 0.85,
                )
            if fate == "active":
                continue
            if fate in ("on_hold", "held_then_done"):
                clock.advance(_gap(rng, 3, 20))
                act(track_id, member, "hold", reason="person_unavailable")
                if fate == "on_hold":
                    continue
                clock.advance(_gap(rng, 5, 40))
                act(track_id, member, "resume")
            clock.advance(_gap(rng, 20, 150))
            if rng.random() < 0.8:
                outcome = rng.choice(("goals_reached", "partially_reached"))
                act(track_id, member, "complete", outcome=outcome)
            else:
                act(track_id, member, "interrupt", reason="person_refused")

    track_ids = list(
        SupportTrack.objects.filter(referral_id=referral_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if kind in ("in_support", "suspended", "withdrawn_in_support"):
        choices = ("open", "assigned", "active", "active", "on_hold", "released")
        fates = [rng.choice(choices) for _ in track_ids]
        if kind == "suspended":
            fates = [f if f != "open" else "active" for f in fates]
        carry(track_ids, fates)
        if kind == "suspended":
            clock.advance(_gap(rng, 5, 60))
            services.process_suspend(
                actor=coordinator, referral=referral_id, reason="hospitalisation"
            )
        elif kind == "withdrawn_in_support":
            clock.advance(_gap(rng, 5, 60))
            services.process_withdraw(
                actor=cell, referral=referral_id, reason="taken_over_elsewhere"
            )
        return referral_id
    # Every track ends: the flow requests the review by itself.
    choices = ("done", "done", "done", "held_then_done", "interrupted_open")
    carry(track_ids, [rng.choice(choices) for _ in track_ids])
    if kind == "in_review":
        return referral_id
    clock.advance(_gap(rng, 2, 30))
    review = take(process, "review", cell)
    clock.advance(_gap(rng, 0.5, 10))
    if kind == "closed_after_continue":
        services.review_complete(actor=cell, task=review, decision="continue", domains=[DOMAINS[1]])
        new_ids = list(
            SupportTrack.objects.filter(referral_id=referral_id)
            .exclude(pk__in=track_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        carry(new_ids, ["done"] * len(new_ids), offset=len(track_ids))
        clock.advance(_gap(rng, 2, 30))
        review = take(process, "review", cell)
        clock.advance(_gap(rng, 0.5, 10))
    code = rng.choice(("goals_reached", "goals_reached", "situation_stabilised"))
    services.review_complete(actor=cell, task=review, decision="close", code=code)
    return referral_id


_COMMUNE = []


def _first_commune():
    from directory.models import Commune

    if not _COMMUNE:
        _COMMUNE.append(Commune.objects.filter(active=True).order_by("insee_code").first())
    return _COMMUNE[0]


TABLES = (
    "referrals_referral",
    "support_supporttrack",
    "support_contact",
    "referrals_referralstay",
    "viewflow_process",
    "viewflow_task",
    "viewflow_task_previous",
)


def _select(cursor, sql, params):
    cursor.execute(sql, params)
    names = [c.name for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _read_template(kind, referral_id, end) -> Template:
    from django.db import connection

    from audit.chain import FIELDS

    with connection.cursor() as c:
        rows = {}
        rows["referrals_referral"] = _select(
            c, "SELECT * FROM referrals_referral WHERE id = %s", [referral_id]
        )
        rows["support_supporttrack"] = _select(
            c,
            "SELECT * FROM support_supporttrack WHERE referral_id = %s ORDER BY id",
            [referral_id],
        )
        track_ids = [t["id"] for t in rows["support_supporttrack"]]
        rows["support_contact"] = _select(
            c, "SELECT * FROM support_contact WHERE track_id = ANY(%s) ORDER BY id", [track_ids]
        )
        rows["referrals_referralstay"] = _select(
            c,
            "SELECT * FROM referrals_referralstay WHERE referral_id = %s ORDER BY id",
            [referral_id],
        )
        rows["viewflow_process"] = _select(
            c,
            "SELECT * FROM viewflow_process WHERE artifact_object_id = %s AND flow_class LIKE %s",
            [referral_id, "%ReferralFlow"],
        )
        process_id = rows["viewflow_process"][0]["id"]
        rows["viewflow_task"] = _select(
            c, "SELECT * FROM viewflow_task WHERE process_id = %s ORDER BY id", [process_id]
        )
        task_ids = [t["id"] for t in rows["viewflow_task"]]
        rows["viewflow_task_previous"] = _select(
            c,
            "SELECT * FROM viewflow_task_previous WHERE to_task_id = ANY(%s) ORDER BY id",
            [task_ids],
        )
        reference = rows["referrals_referral"][0]["reference"]
        events = _select(
            c,
            f"SELECT {', '.join(FIELDS)} FROM audit_auditevent WHERE reference = %s ORDER BY seq",
            [reference],
        )
    for task in rows["viewflow_task"]:
        data = _loads(task["data"])
        task["_track"] = data.get("track") if set(data) == {"track"} else None
        task["_json"] = json.dumps(data)
    referral = rows["referrals_referral"][0]
    terminal = referral["state"] in ("returned", "closed", "withdrawn")
    return Template(
        kind=kind,
        referral_id=referral_id,
        span=end - referral["created_at"],
        terminal=terminal,
        rows=rows,
        events=events,
        track_ids=track_ids,
        domains=[t["domain"] for t in rows["support_supporttrack"]],
        process_json=_json(rows["viewflow_process"][0]["data"]),
    )


# --- cloning ----------------------------------------------------------------------------------
def _e(value) -> str:
    return "" if value is None else str(value)


def fast_hash(e: dict) -> str:
    """``audit.chain.compute_hash`` of an event, written out for speed (checked against it on
    the first events of every batch)."""
    text = (
        f"relais-audit-v1\nseq={e['seq']}\n"
        f"occurred_at={e['occurred_at'].astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}\n"
        f"actor_id={_e(e['actor_id'])}\nactor={e['actor_username']}\nrole={e['role']}\n"
        f"action={e['action']}\nobject_type={e['object_type']}\n"
        f"object_id={_e(e['object_id'])}\nreference={e['reference']}\n"
        f"transition={e['transition']}\nfrom_state={e['from_state']}\n"
        f"to_state={e['to_state']}\ncode={e['code']}\nrequest_id={e['request_id']}\n"
        f"client_ip={_e(e['client_ip'])}\nprev_hash={e['prev_hash']}"
    )
    return hashlib.sha256(text.encode()).hexdigest()


class Ids:
    """Next free id of each table (the copies take ids above everything that exists)."""

    def __init__(self, cursor):
        self.next = {}
        for table in (*TABLES, "audit_auditevent"):
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
            self.next[table] = cursor.fetchone()[0]

    def take(self, table, n=1) -> int:
        first = self.next[table]
        self.next[table] += n
        return first


def _loads(value) -> dict:
    return dict(json.loads(value) if isinstance(value, str) else (value or {}))


def _json(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


_TOKEN_SPLIT = re.compile(r"/(\d+)_")


def clone(n, years, templates, people, rng):  # noqa: C901
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection

    from audit.chain import compute_hash
    from directory.models import Commune
    from referrals.vocabularies import (
        AgeBracket,
        Agreement,
        PlaceTypology,
        Priority,
        YesNoUnknown,
    )
    from support.models import SupportTrack

    track_ct = ContentType.objects.get_for_model(SupportTrack).pk
    ages, places, yes_no = AgeBracket.values, PlaceTypology.values, YesNoUnknown.values
    priorities = Priority.values
    agreements = (str(Agreement.PERSON_AGREED), str(Agreement.FAMILY_AGREED))
    communes = list(Commune.objects.filter(active=True).values_list("pk", flat=True))
    now = datetime.now(UTC)
    horizon = timedelta(days=365.25 * years)
    weights = dict(KINDS)
    by_kind = defaultdict(list)
    for t in templates:
        by_kind[t.kind].append(t)
    kinds = [k for k in weights if by_kind[k]]
    # Every copy: (received datetime, template). Open cases were received recently (within
    # four months before their last step); finished ones anywhere in the span.
    plan = []
    for _ in range(n):
        t = rng.choice(by_kind[rng.choices(kinds, [weights[k] for k in kinds])[0]])
        latest = now - t.span - timedelta(hours=1)
        if t.terminal:
            base = latest - timedelta(
                seconds=rng.uniform(0, max(horizon - t.span, timedelta(days=1)).total_seconds())
            )
        else:
            base = latest - timedelta(days=rng.uniform(0, 120))
        plan.append((base, t))
    plan.sort(key=lambda item: item[0])

    with connection.cursor() as cursor:
        ids = Ids(cursor)
        cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
        head = cursor.fetchone()
    seq, prev_hash = head
    counts = defaultdict(int)
    ref_counters = defaultdict(int)
    usernames = people.usernames
    cell_of_template = people.cells[0]
    coordinator_of_template = people.coordinators[0]
    template_member_ids = [u.pk for u in people.template_members]
    columns = {
        t: list(templates[0].rows[t][0].keys()) if templates[0].rows[t] else None for t in TABLES
    }
    for t in templates:  # some tables are empty in the first template
        for table in TABLES:
            if columns[table] is None and t.rows[table]:
                columns[table] = list(t.rows[table][0].keys())
    started = time.perf_counter()
    # A writer thread (its own connection) COPYs batch k while batch k+1 is generated.
    writer = ThreadPoolExecutor(max_workers=1)
    pending = None

    for batch_start in range(0, n, BATCH):
        out = defaultdict(list)
        events = []
        for base, t in plan[batch_start : batch_start + BATCH]:
            tpl_ref = t.rows["referrals_referral"][0]
            delta = base - tpl_ref["created_at"]
            day_delta = timedelta(days=delta.days)

            def dt(v, delta=delta):
                return v + delta if v is not None else None

            def d(v, day_delta=day_delta):
                return v + day_delta if v is not None else None

            # ids
            rid = ids.take("referrals_referral")
            track_map = {old: ids.take("support_supporttrack") for old in t.track_ids}
            pid = ids.take("viewflow_process")
            task_map = {row["id"]: ids.take("viewflow_task") for row in t.rows["viewflow_task"]}
            # people: template actors -> actors of this copy
            domains = rng.sample(DOMAINS, len(set(t.domains)))
            domain_map = dict(zip(sorted(set(t.domains)), domains, strict=True))
            user_map = {
                cell_of_template: rng.choice(people.cells),
                coordinator_of_template: rng.choice(people.coordinators),
            }
            holder_of_track = {}
            for index, old_track in enumerate(t.track_ids):
                domain = domain_map[t.domains[index]]
                holder_of_track[old_track] = rng.choice(people.by_domain[domain])
            for index, old_track in enumerate(t.track_ids):
                tm = template_member_ids[index % len(template_member_ids)]
                user_map.setdefault(tm, holder_of_track[old_track][0])
            org_of = {uid: org for uid, org in holder_of_track.values()}
            year = base.year
            dept = rng.randint(1, 95)
            ref_counters[(dept, year)] += 1
            reference = f"D{dept:02d}-{year}-{ref_counters[(dept, year)]:04d}"
            if ref_counters[(dept, year)] > 9999:
                reference = f"E{dept:02d}-{year}-{ref_counters[(dept, year)] % 10000:04d}"

            r = dict(tpl_ref)
            received = d(r["received_on"])
            r.update(
                id=rid,
                reference=reference,
                received_on=received,
                commune_id=rng.choice(communes),
                age_bracket=rng.choice(ages),
                place_typology=rng.choice(places),
                family_involved=rng.choice(yes_no),
                released_from_prison=rng.choices(yes_no, [1, 6, 2])[0],
                family_asked_for_help=rng.choice(yes_no),
                requested_domains=",".join(sorted(domains)),
                agreement=rng.choice(agreements),
                agreement_date=received,
                priority=rng.choices(priorities, [8, 2, 1])[0],
                triage_due_on=d(r["triage_due_on"]),
                next_review_on=d(r["next_review_on"]),
                state_changed_at=dt(r["state_changed_at"]),
                registered_by_id=user_map.get(r["registered_by_id"], r["registered_by_id"]),
                created_at=dt(r["created_at"]),
            )
            out["referrals_referral"].append(r)
            for row in t.rows["support_supporttrack"]:
                tr = dict(row)
                holder = user_map.get(tr["holder_id"]) if tr["holder_id"] else None
                tr.update(
                    id=track_map[row["id"]],
                    referral_id=rid,
                    domain=domain_map[row["domain"]],
                    holder_id=holder,
                    organisation_id=org_of.get(holder) if holder else None,
                    state_changed_at=dt(tr["state_changed_at"]),
                    opened_at=dt(tr["opened_at"]),
                    take_due_on=d(tr["take_due_on"]),
                    first_contact_due_on=d(tr["first_contact_due_on"]),
                )
                out["support_supporttrack"].append(tr)
            for row in t.rows["support_contact"]:
                cr = dict(row)
                cr.update(
                    id=ids.take("support_contact"),
                    track_id=track_map[row["track_id"]],
                    occurred_on=d(cr["occurred_on"]),
                    recorded_by_id=user_map.get(cr["recorded_by_id"], cr["recorded_by_id"]),
                    recorded_at=dt(cr["recorded_at"]),
                )
                out["support_contact"].append(cr)
            for row in t.rows["referrals_referralstay"]:
                sr = dict(row)
                sr.update(
                    id=ids.take("referrals_referralstay"),
                    referral_id=rid,
                    entered_at=dt(sr["entered_at"]),
                    left_at=dt(sr["left_at"]),
                )
                out["referrals_referralstay"].append(sr)
            pr = dict(t.rows["viewflow_process"][0])
            pr.update(
                id=pid,
                artifact_object_id=rid,
                created=dt(pr["created"]),
                finished=dt(pr["finished"]),
                data=t.process_json,
            )
            out["viewflow_process"].append(pr)
            for row in t.rows["viewflow_task"]:
                tk = dict(row)
                track_of_task = row["_track"]
                data = (
                    row["_json"]
                    if track_of_task is None
                    else f'{{"track": {track_map[track_of_task]}}}'
                )
                tk.update(
                    id=task_map[row["id"]],
                    process_id=pid,
                    owner_id=user_map.get(tk["owner_id"], tk["owner_id"])
                    if tk["owner_id"]
                    else None,
                    created=dt(tk["created"]),
                    assigned=dt(tk["assigned"]),
                    started=dt(tk["started"]),
                    finished=dt(tk["finished"]),
                    scheduled=dt(tk["scheduled"]),
                    token=_TOKEN_SPLIT.sub(
                        lambda m, tm=task_map: f"/{tm[int(m.group(1))]}_", tk["token"]
                    ),
                    data=data,
                )
                del tk["_track"], tk["_json"]
                if tk["artifact_content_type_id"] == track_ct and tk["artifact_object_id"]:
                    tk["artifact_object_id"] = track_map[tk["artifact_object_id"]]
                out["viewflow_task"].append(tk)
            for row in t.rows["viewflow_task_previous"]:
                out["viewflow_task_previous"].append(
                    {
                        "id": ids.take("viewflow_task_previous"),
                        "from_task_id": task_map[row["from_task_id"]],
                        "to_task_id": task_map[row["to_task_id"]],
                    }
                )
            request_ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            for ev in t.events:
                e = dict(ev)
                actor = user_map.get(e["actor_id"], e["actor_id"]) if e["actor_id"] else None
                if e["object_type"] == "referral":
                    object_id = rid
                elif e["object_type"] == "support_track":
                    object_id = track_map.get(e["object_id"], e["object_id"])
                else:
                    object_id = e["object_id"]
                e.update(
                    occurred_at=dt(e["occurred_at"]),
                    actor_id=actor,
                    actor_username=usernames.get(actor, "") if actor else "",
                    object_id=object_id,
                    reference=reference,
                    request_id=f"{rng.getrandbits(128):032x}" if actor else "",
                    client_ip=request_ip if actor else None,
                )
                events.append(e)
        # the chain, in time order within the batch
        events.sort(key=lambda e: e["occurred_at"])
        audit_rows = []
        for i, e in enumerate(events):
            seq += 1
            e["seq"] = seq
            e["prev_hash"] = prev_hash
            prev_hash = fast_hash(e)
            if i < 50:  # the shortcut must give the canonical hash (audit.chain)
                assert prev_hash == compute_hash(e), e
            e["hash"] = prev_hash
            e["id"] = ids.take("audit_auditevent")
            audit_rows.append(e)
        out["audit_auditevent"] = audit_rows
        if pending is not None:
            pending.result()  # one batch written at a time, in order (the chain head)
        pending = writer.submit(_write_batch, out, seq, prev_hash, counts)
        done = min(n, batch_start + BATCH)
        elapsed = time.perf_counter() - started
        print(f"  {done:,}/{n:,} referrals  {elapsed:.0f} s", flush=True)
    if pending is not None:
        pending.result()
    writer.submit(_close_connection).result()
    writer.shutdown()
    with connection.cursor() as cursor:
        for table in (*TABLES, "audit_auditevent"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
    return dict(counts)


def _close_connection():
    from django.db import connection

    connection.close()


def _write_batch(out, seq, prev_hash, counts):
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        for table in (*TABLES, "audit_auditevent"):
            rows = out[table]
            if not rows:
                continue
            cols = list(rows[0].keys())
            with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in cols])
            counts[table] += len(rows)
        cursor.execute(
            "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [seq, prev_hash]
        )


if __name__ == "__main__":
    main()
