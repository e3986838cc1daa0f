"""Measure every main page of every role on the configured database: SQL queries per request,
p50 and p95 of the server time, and write a markdown report.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_bench \\
        python -m benchmarks.pages --repeat 20 --output var/pages.md

Run it on a database built by ``benchmarks.dataset`` (its ``bench-*`` accounts). Each role
logs in with its password through Django's test client (a real login, audited), then each page
is requested ``--warmup`` times unmeasured and ``--repeat`` times measured, in-process (no
network, no browser: what is measured is Django, the templates and the database). Case and
track pages record an access event per request, as in production.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

TARGET_LIST_MS = 150
TARGET_DASHBOARD_MS = 300


@dataclass
class Result:
    role: str
    page: str
    url: str
    kind: str  # "list" (target 150 ms) or "dashboard" (300 ms)
    status: set = field(default_factory=set)
    queries: list = field(default_factory=list)
    times: list = field(default_factory=list)
    plans: list = field(default_factory=list)  # (ms, sql, plan) of slow queries

    @property
    def p50(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        ordered = sorted(self.times)
        return ordered[max(0, round(0.95 * len(ordered)) - 1)]

    @property
    def target(self) -> int:
        return TARGET_DASHBOARD_MS if self.kind == "dashboard" else TARGET_LIST_MS

    @property
    def query_counts(self) -> str:
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}–{high}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--password", default="relais-bench")
    parser.add_argument("--output", help="markdown file to write (default: print)")
    parser.add_argument("--only", help="measure only the pages whose label contains this")
    parser.add_argument(
        "--slowest", type=int, default=0, help="print the N slowest queries of each page"
    )
    parser.add_argument(
        "--explain",
        type=float,
        default=0,
        metavar="MS",
        help="EXPLAIN ANALYZE the SELECTs slower than MS of each page's last request; "
        "the plans go into the report",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RELAIS_ENV", "development")
    os.environ.setdefault("DEBUG", "0")
    import django

    django.setup()
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    results = measure(args)
    load_after = os.getloadavg()
    report = render(results, started, load_before, load_after, args)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(report)
        print(f"written: {args.output}")
    print(report)


def _pick():
    """The objects the pages are measured on: a referral in support with tracks, a member who
    holds a task and may still take some, the review tasks' first page, a deep list page."""
    from django.contrib.auth import get_user_model
    from django.db.models import Count, Q

    from referrals.models import Referral
    from support.vocabularies import HELD_STATES
    from workflows.flows import ReferralFlow
    from workflows.pages import cell_list_cursor

    User = get_user_model()
    referral = Referral.objects.filter(state="in_support").order_by("-received_on", "-pk").first()
    members = (
        User.objects.filter(username__startswith="bench-member-", member_profile__active=True)
        .annotate(held=Count("support_tracks", filter=Q(support_tracks__state__in=HELD_STATES)))
        .filter(held__gt=0, held__lt=5)
        .order_by("username")
    )
    member = None
    task = None
    for candidate in members[:50]:
        if candidate.held >= candidate.member_profile.capacity:
            continue
        task = (
            ReferralFlow.task_class._default_manager.filter(
                owner=candidate, flow_task=ReferralFlow.support, status="ASSIGNED"
            )
            .order_by("-pk")
            .first()
        )
        if task is not None:
            member = candidate
            break
    total = Referral.objects.count()
    deep = cell_list_cursor(position=min(total - 1, 250_000)) if total else ""
    return referral, member, task, deep


def pages(referral, member, task, deep):
    """(role, username, label, url, kind) of every page measured."""
    from django.urls import get_resolver

    from workflows.flows import ReferralFlow

    _ = get_resolver().url_patterns  # viewflow's namespaces exist once the URLconf is loaded

    rows = [
        ("cell liaison", "bench-cell-1", "/cell/", "/cell/", "list"),
        ("cell liaison", "bench-cell-1", "/cell/ deep page", f"/cell/?{deep}", "list"),
        ("cell liaison", "bench-cell-1", "/cell/?etat=open", "/cell/?etat=open", "list"),
        ("coordinator", "bench-coordinator-1", "/coordination/", "/coordination/", "list"),
        ("coordinator", "bench-coordinator-1", "queue", "/workflow/queue/", "list"),
        ("coordinator", "bench-coordinator-1", "inbox", "/workflow/inbox/", "list"),
        ("member", member.username, "/member/", "/member/", "list"),
        ("member", member.username, "queue", "/workflow/queue/", "list"),
        ("member", member.username, "inbox", "/workflow/inbox/", "list"),
        ("state delegate", "bench-delegate", "/monitoring/", "/monitoring/", "dashboard"),
        (
            "state delegate",
            "bench-delegate",
            "/monitoring/ time-in-state CSV",
            "/monitoring/export/time-in-state.csv",
            "dashboard",
        ),
        ("strategic group", "bench-strategic", "/indicators/", "/indicators/", "dashboard"),
        ("auditor", "bench-auditor", "/audit/", "/audit/", "list"),
    ]
    if referral is not None:
        rows.insert(
            3,
            (
                "cell liaison",
                "bench-cell-1",
                "case page",
                f"/cell/orientations/{referral.pk}/",
                "list",
            ),
        )
        rows.insert(
            7,
            (
                "coordinator",
                "bench-coordinator-1",
                "case page",
                f"/coordination/orientations/{referral.pk}/",
                "list",
            ),
        )
        track = referral.tracks.exclude(state__in=("completed", "interrupted")).first()
        if track is not None:
            rows.insert(
                8,
                (
                    "coordinator",
                    "bench-coordinator-1",
                    "case page, member search",
                    f"/coordination/orientations/{referral.pk}/"
                    f"?cherche-{track.pk}-membre=bench-member-4",
                    "list",
                ),
            )
        rows.append(
            (
                "auditor",
                "bench-auditor",
                "/audit/?reference=…",
                f"/audit/?reference={referral.reference}",
                "list",
            )
        )
    if task is not None:
        url = ReferralFlow.support.reverse("execute", args=[task.process_id, task.pk])
        after = next(i for i, row in enumerate(rows) if row[0] == "member" and row[2] == "inbox")
        rows.insert(after + 1, ("member", member.username, "track page", url, "list"))
    return rows


def _login(client, username, password) -> bool:
    """The real two-step login (password page, audited and rate-limited by django-axes, then
    the code of the account's authenticator; the bench account gets one the first time)."""
    from django.contrib.auth import get_user_model
    from django.urls import reverse
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    response = client.post(reverse("login"), {"username": username, "password": password})
    if response.status_code != 302:
        return False
    verify = client.get(response["Location"], follow=True)
    url = verify.redirect_chain[-1][0] if verify.redirect_chain else response["Location"]
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    if totp.t() <= device.last_t:  # this step's code was used: the next one is accepted
        totp.time += device.step
    response = client.post(url, {"token": f"{totp.token():0{device.digits}d}"}, follow=True)
    return response.status_code == 200 and "/2fa/" not in response.redirect_chain[-1][0]


def measure(args) -> list[Result]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    referral, member, task, deep = _pick()
    if member is None:
        raise SystemExit("benchmarks.pages : aucun membre bench-member-* ne tient de tâche.")
    clients: dict[str, Client] = {}
    results = []
    for role, username, label, url, kind in pages(referral, member, task, deep):
        if args.only and args.only not in label:
            continue
        client = clients.get(username)
        if client is None:
            client = Client()
            if not _login(client, username, args.password):
                raise SystemExit(f"benchmarks.pages : connexion refusée pour {username}.")
            clients[username] = client
        result = Result(role=role, page=label, url=url, kind=kind)
        for i in range(args.warmup + args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - start) * 1000
            if i >= args.warmup:
                result.times.append(elapsed)
                result.queries.append(len(queries))
                result.status.add(response.status_code)
        if args.explain:
            for q in queries.captured_queries:
                if float(q["time"]) * 1000 >= args.explain and q["sql"].lstrip().startswith(
                    ("SELECT", "WITH")
                ):
                    result.plans.append((float(q["time"]) * 1000, q["sql"], _explain(q["sql"])))
        if args.slowest:
            for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[
                : args.slowest
            ]:
                print(f"    {float(q['time']) * 1000:7.1f} ms  {q['sql'][:600]}")
        print(
            f"{role:<16} {label:<32} {sorted(result.status)} q={result.query_counts:<6} "
            f"p50={result.p50:7.1f} ms  p95={result.p95:7.1f} ms",
            flush=True,
        )
        results.append(result)
    return results


def _explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def _dataset_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for label, table in (
            ("referrals", "referrals_referral"),
            ("tracks", "support_supporttrack"),
            ("viewflow tasks", "viewflow_task"),
            ("audit events", "audit_auditevent"),
        ):
            # The planner's estimate (exact right after benchmarks.dataset's ANALYZE).
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            row = cursor.fetchone()
            counts[label] = int(row[0]) if row else 0
    return counts


def render(results, started, load_before, load_after, args) -> str:
    from django.db import connection

    server = ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0]}"
    counts = _dataset_counts() if connection.vendor == "postgresql" else {}
    lines = [
        f"Measured {started:%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} CPUs), "
        f"{server}; {args.repeat} requests per page after {args.warmup} warm-up.",
        "",
        "Dataset: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()) + ".",
        "",
        "Load average (1, 5, 15 min) before: "
        + " / ".join(f"{v:.2f}" for v in load_before)
        + ", after: "
        + " / ".join(f"{v:.2f}" for v in load_after)
        + ".",
        "",
        "| role | page | status | queries | p50 ms | p95 ms | target p95 | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ok = "ok" if r.p95 <= r.target else "**miss**"
        lines.append(
            f"| {r.role} | {r.page} | {','.join(map(str, sorted(r.status)))} | "
            f"{r.query_counts} | {r.p50:.0f} | {r.p95:.0f} | {r.target} | {ok} |"
        )
    for r in results:
        for ms, sql, plan in r.plans:
            lines += [
                "",
                f"#### {r.role} — {r.page}: {ms:.0f} ms",
                "",
                "```sql",
                sql[:1500] + (" …" if len(sql) > 1500 else ""),
                "```",
                "",
                "```",
                plan,
                "```",
            ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
