"""Audit chain verification and export: events per second, ratio to raw SHA-256, peak memory.

Runs on a throwaway test database of the configured server (never on real data), filled
with N varied events (hashes by ``audit.chain.compute_hash``, identical to the database's append
function; rows loaded by COPY). Measures every verification engine (``fast`` and ``python`` with
1 and 2 jobs, ``sql``, ``orm`` on a prefix) and both exports:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais python -m benchmarks.audit_verify \\
        --events 1000000 [--keepdb] [--jobs 2]

``--keepdb`` keeps the test database (and its events) for the next run, which then only
appends what is missing. Reports the load average around each figure, because the machine may
be shared, and the verifying processes' own CPU time per event (the server's is on top).
"""

import argparse
import hashlib
import os
import resource
import time
from pathlib import Path

ROLES = ("coordinator", "member", "cell_liaison", "auditor", "system")
ACTIONS = ("transition", "access", "login", "export")
OBJECT_TYPES = ("referral", "support_track", "session")


def synthetic(g: int) -> dict:
    """Event number g: varied, valid values (every field kind, NULLs included)."""
    from datetime import UTC, datetime, timedelta

    anonymous = g % 7 == 0
    transition = g % 4 == 0
    return {
        "occurred_at": datetime(2026, 1, 1, tzinfo=UTC)
        + timedelta(seconds=g, microseconds=(g * 7919) % 1_000_000),
        "actor_id": None if anonymous else g % 50,
        "actor_username": "" if anonymous else f"agent.{g % 50}",
        "role": ROLES[g % 5],
        "action": ACTIONS[g % 4],
        "object_type": OBJECT_TYPES[g % 3],
        "object_id": g % 5000,
        "reference": f"VAL-2026-{g % 10000:04d}",
        "transition": "start_assessment" if transition else "",
        "from_state": "received" if transition else "",
        "to_state": "in_assessment" if transition else "",
        "code": "out_of_scope" if g % 9 == 0 else "",
        "request_id": hashlib.md5(str(g).encode()).hexdigest(),  # noqa: S324 — filler
        "client_ip": None if g % 3 == 0 else f"192.0.2.{g % 250}",
    }


def peak_mib() -> float:
    """The largest resident set of this process or of any finished child (the --jobs
    workers), in MiB."""
    return (
        max(
            resource.getrusage(who).ru_maxrss
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        / 1024
    )


def cpu_seconds() -> float:
    """User and system CPU time of this process and its finished children (the workers); the
    server's own work is not counted."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--keepdb", action="store_true")
    parser.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="also measure verify with this many jobs (1 and 2 always)",
    )
    parser.add_argument(
        "--orm-events",
        type=int,
        default=200_000,
        help="events verified by the reference (ORM) engine, which is slower",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RELAIS_ENV", "development")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        raise SystemExit("PostgreSQL only: set DATABASE_URL.")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False
    )
    try:
        run(args)
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def fill(n: int) -> None:
    """Append events up to seq n. Hashes computed by ``audit.chain.compute_hash`` (identical
    to the database function, tests/audit/test_canonical_format.py) and rows loaded with COPY:
    a million single-row appends in a loop would take far longer than the measurement."""
    from django.db import connection, transaction

    from audit import chain
    from audit.models import AuditEvent, ChainHead

    head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first() or (0, "0" * 64)
    have, prev = head
    columns = (*chain.FIELDS, "hash")
    copy_sql = f"COPY audit_auditevent ({', '.join(columns)}) FROM STDIN"
    start = time.perf_counter()
    batch = 100_000
    for first in range(have + 1, n + 1, batch):
        last = min(first + batch - 1, n)
        with transaction.atomic(), connection.cursor() as cursor:
            with cursor.cursor.copy(copy_sql) as copy:
                for g in range(first, last + 1):
                    values = dict(synthetic(g), seq=g, prev_hash=prev)
                    prev = values["hash"] = chain.compute_hash(values)
                    copy.write_row([values[name] for name in columns])
            ChainHead.objects.update_or_create(pk=1, defaults={"seq": last, "hash": prev})
        print(f"  appended up to {last}", flush=True)
    if n > have:
        elapsed = time.perf_counter() - start
        print(f"filled {n - have} events in {elapsed:.0f} s ({(n - have) / elapsed:.0f}/s)")
    with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    assert AuditEvent.objects.filter(seq=n).exists()


def server_cpu() -> tuple[int, float | None]:
    """The PostgreSQL backend of this process's connection and its CPU seconds so far, read
    from /proc (None when the server runs on another host)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return pid, None
    return pid, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_sha256_rate(sample_texts) -> float:
    sha256 = hashlib.sha256
    start = time.perf_counter()
    for _ in range(3):
        for text in sample_texts:
            sha256(text.encode()).hexdigest()
    return 3 * len(sample_texts) / (time.perf_counter() - start)


def run(args):
    from audit import chain, exports
    from audit.anchors import AnchorScan
    from audit.models import AuditEvent
    from audit.selectors import EventFilter, events

    print(f"load average at start: {os.getloadavg()}  (cpus: {os.cpu_count()})")
    fill(args.events)
    head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    print(f"{head} events in the chain (peak RSS so far {peak_mib():.0f} MiB)")

    sample = [
        chain.canonical_text(values)
        for values in AuditEvent.objects.filter(seq__lte=100_000)
        .order_by("seq")
        .values(*chain.FIELDS)
        .iterator(chunk_size=10_000)
    ]
    sha_rate = raw_sha256_rate(sample)
    mean_len = sum(len(t) for t in sample) / len(sample)
    del sample
    print(
        f"raw sha256 of canonical texts ({mean_len:.0f} bytes): {sha_rate:,.0f}/s "
        f"(peak RSS so far {peak_mib():.0f} MiB)"
    )

    def measure(label, func, n):
        before = peak_mib()
        load = os.getloadavg()[0]
        pid, server = server_cpu()
        start, cpu = time.perf_counter(), cpu_seconds()
        outcome = func()
        elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu
        pid_after, server_after = server_cpu()
        # The same backend before and after: one job (the --jobs workers have their own).
        same = pid == pid_after and server is not None and server_after is not None
        server_text = f"{(server_after - server) * 1e6 / n:4.2f}" if same else " n/a"
        rate = n / elapsed
        print(
            f"{label:<28} {n:>9} events {elapsed:7.2f} s {rate:>10,.0f}/s "
            f"{rate / sha_rate:5.2f}× sha256   CPU µs/event: Python {cpu * 1e6 / n:4.2f} "
            f"server {server_text}   "
            f"peak RSS {peak_mib():.0f} MiB (before {before:.0f})   "
            f"load {load:.2f}→{os.getloadavg()[0]:.2f}   {outcome}",
            flush=True,
        )

    none = AnchorScan()
    runs = [("fast", 1), ("fast", 2), ("python", 1), ("python", 2)]
    if args.jobs not in (1, 2):
        runs += [("fast", args.jobs), ("python", args.jobs)]
    for engine, jobs in runs:
        default = " (default)" if engine == chain.resolve_engine("auto") else ""
        measure(
            f"verify {engine}{default}, {jobs} job{'s' if jobs > 1 else ''}",
            lambda engine=engine, jobs=jobs: chain.verify(
                anchors=none, engine=engine, jobs=jobs
            ).line()[:30],
            head,
        )
    measure(
        "verify sql (server-side)",
        lambda: chain.verify(anchors=none, engine="sql").line()[:30],
        head,
    )
    orm_n = min(args.orm_events, head)
    measure(
        "verify orm (reference)",
        lambda: chain.verify(anchors=none, engine="orm", up_to_seq=orm_n).line()[:30],
        orm_n,
    )
    for fmt in ("jsonl", "csv"):

        def export(fmt=fmt):
            size = 0
            for line in exports.lines(fmt, events(EventFilter(), up_to_seq=head)):
                size += len(line)
            return f"{size / 2**20:.0f} MiB"

        measure(f"export {fmt}", export, head)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
