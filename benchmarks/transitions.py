"""Transitions per second: bare, audited and a raw INSERT+COMMIT baseline in one process, their
ratios (design §6 speed targets), then audited transitions with 1, 2, 4 and 8 concurrent
writer processes (every append goes through the one chain head).

Runs on a throwaway test database of the configured server (never on real data):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais python -m benchmarks.transitions

Modes, each N operations (suspend/resume alternately on one referral), one transaction each:
  bare     the django-fsm-2 transition and save() in a transaction
  audited  the real services (lock, role check, transition, save, stay, audit chain append)
  raw      INSERT of one row into a two-column table and COMMIT (the server's floor)
  append   the audit chain append alone
Targets: audited ≥ 0.9 × bare and ≥ 0.3 × raw. Each mode also prints the CPU it costs per
operation, in this process and in its PostgreSQL server process (read from /proc: same host):
with C cores, W writers cannot exceed C / (client + server CPU) transitions per second.
Writers: W processes, each suspending and resuming its own referral for ``--seconds``; the
total rate, and its ratio to one writer.
"""

import argparse
import multiprocessing
import os
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=1, help="repeat the one-process modes")
    parser.add_argument("--writers", default="1,2,4,8", help="writer counts ('' to skip)")
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each writer run")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RELAIS_ENV", "development")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    # As in production: DEBUG off, so no query is logged (development's DEBUG logs every
    # query, a cost every mode paid).
    setup_test_environment(debug=False)
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"load average before: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
        cpu = {}
        for _ in range(args.rounds):
            cpu = run(args.n)
        counts = [int(w) for w in args.writers.split(",") if w.strip()]
        if counts and connection.vendor == "postgresql":
            writers(counts, args.seconds, cpu)
        print(f"load average after: {' / '.join(f'{v:.2f}' for v in os.getloadavg())}")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _actors():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    User = get_user_model()
    cell, _ = User.objects.get_or_create(username="bench-cell")
    cell.groups.add(Group.objects.get(name="cell_liaison"))
    coordinator, _ = User.objects.get_or_create(username="bench-coord")
    coordinator.groups.add(Group.objects.get(name="coordinator"))
    return cell, coordinator


def _referral_in_support(cell, coordinator, number: int):
    """A referral in support with one open track, built through the public write API."""
    from datetime import date

    from directory.models import Commune
    from workflows import services
    from workflows.selectors import flow_tasks

    process = services.referral_start(
        actor=cell,
        reference=f"VAL-2026-{number:04d}",
        commune=Commune.objects.first(),
        age_bracket="from_18_to_25",
        place_typology="urban",
        family_involved="no",
        released_from_prison="no",
        family_asked_for_help="no",
        requested_domains=["social"],
        agreement="person_agreed",
        agreement_date=date.today(),
    )
    triage = flow_tasks().get(process=process, flow_task__endswith=".triage")
    services.task_take(actor=coordinator, task=triage)
    triage.refresh_from_db()
    services.triage_complete(
        actor=coordinator, task=triage, decision="open_support", domains=["social"]
    )
    return process.artifact


def _audited(coordinator, referral):
    # The referral's own service: the transition runner (lock, role, FSM, save, stay, append),
    # which the public API (workflows.services.process_suspend) wraps with the process lock.
    from referrals import services

    def audited(i):
        if i % 2 == 0:
            services.referral_suspend(
                actor=coordinator, referral=referral, reason="hospitalisation"
            )
        else:
            services.referral_resume(actor=coordinator, referral=referral)

    return audited


def _server_cpu() -> float | None:
    """CPU seconds used so far by this connection's server process (same host only)."""
    from benchmarks.audit_verify import server_cpu

    return server_cpu()[1]


def _timed(func, n) -> tuple[float, float, float | None]:
    """Rate per second, client CPU ms and server CPU ms per operation."""
    for i in range(50):  # warm-up
        func(i)
    server = _server_cpu() if connection_vendor() == "postgresql" else None
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        func(i)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if server is not None:
        after = _server_cpu()
        server = None if after is None else (after - server) * 1000 / n
    return n / elapsed, cpu * 1000 / n, server


def connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


def run(n):
    from django.db import connection, transaction

    from audit.services import audit_record
    from referrals.models import Referral

    cell, coordinator = _actors()
    # One referral per mode: a row that another mode has just updated thousands of times
    # (dead versions to prune) made whichever mode ran second pay for the first.
    referral = _referral_in_support(cell, coordinator, 1 + Referral.objects.count())
    audited_referral = _referral_in_support(cell, coordinator, 1 + Referral.objects.count())

    def bare(i):
        with transaction.atomic():
            obj = Referral.objects.get(pk=referral.pk)
            obj.suspend("hospitalisation") if i % 2 == 0 else obj.resume()
            obj.save()

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_raw (id bigserial PRIMARY KEY, v int)")

    def raw(i):
        # Autocommit: one INSERT, one COMMIT (the server's durable write, nothing else).
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_raw (v) VALUES (%s)", [i])

    def append(i):
        with transaction.atomic():
            audit_record(
                actor=coordinator, role="coordinator", action="verify", object_type="audit_log"
            )

    print(f"{connection.vendor}, {n} operations per mode, one transaction each")
    rates, cpu = {}, {}
    for name, func in (
        ("bare", bare),
        ("audited", _audited(coordinator, audited_referral)),
        ("raw", raw),
        ("append", append),
    ):
        rates[name], client, server = _timed(func, n)
        if server is not None:
            cpu[name] = client + server
        server_text = "?" if server is None else f"{server:.3f}"
        print(
            f"  {name:<8} {rates[name]:8.0f} /s   ({1000 / rates[name]:.3f} ms each; CPU ms: "
            f"client {client:.3f}, server {server_text})"
        )
    print(
        f"  audited / bare = {rates['audited'] / rates['bare']:.2f} (target ≥ 0.9)   "
        f"audited / raw = {rates['audited'] / rates['raw']:.2f} (target ≥ 0.3)"
    )
    return cpu


def _bare(referral_id):
    from django.db import transaction

    from referrals.models import Referral

    def bare(i):
        with transaction.atomic():
            obj = Referral.objects.select_for_update().get(pk=referral_id)
            obj.suspend("hospitalisation") if i % 2 == 0 else obj.resume()
            obj.save(update_fields=["state", "state_changed_at", "suspension_reason"])

    return bare


def _append(coordinator):
    from django.db import transaction

    from audit.services import audit_record

    def append(_i):
        with transaction.atomic():
            audit_record(
                actor=coordinator, role="coordinator", action="verify", object_type="audit_log"
            )

    return append


def _writer(mode, referral_id, coordinator_id, seconds, start_at, queue):
    from django.contrib.auth import get_user_model
    from django.db import connections

    connections.close_all()  # never share the parent's connection
    coordinator = get_user_model().objects.get(pk=coordinator_id)
    from referrals.models import Referral

    audited = {
        "audited": lambda: _audited(coordinator, referral_id),
        "bare": lambda: _bare(referral_id),
        "append": lambda: _append(coordinator),
    }[mode]()
    # Start with the transition the referral's state allows (a previous run may end suspended).
    i = int(Referral.objects.get(pk=referral_id).state == "suspended")
    # Warm up before the clock starts, as the one-process modes do (a new process's first
    # transitions load roles, content types and prepared statements): a cold single writer
    # made every ratio to it look better than it is.
    for _ in range(WARM_UP):
        audited(i)
        i += 1
    first = i
    while time.time() < start_at:
        time.sleep(0.005)
    end = start_at + seconds
    while time.time() < end:
        audited(i)
        i += 1
    connections.close_all()
    queue.put(i - first)


MODES = ("audited", "bare", "append")
WARM_UP = 50


def writers(counts, seconds, cpu=None):
    """W writer processes per mode: ``audited`` (the real service), ``bare`` (the same row
    change without the audit event: no chain head) and ``append`` (the chain append alone:
    nothing but the chain head). Where ``bare`` stops scaling too, the limit is the machine
    (CPU, commits), not the chain head; where only ``audited``/``append`` stop, it is the
    head's row lock (held from the append to the commit). With ``cpu`` (client + server CPU
    ms per operation of the one-process run), also the ceiling the cores allow whatever the
    locks: C cores cannot run more than C / CPU operations per second."""
    from django.db import connections

    cell, coordinator = _actors()
    from referrals.models import Referral

    base = Referral.objects.count()
    pool = [_referral_in_support(cell, coordinator, base + 1 + k).pk for k in range(max(counts))]
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    print(f"writers (each on its own referral, {seconds:.0f} s per run; transitions/s, × one)")
    print("  | writers | " + " | ".join(MODES) + " | load (1 min) |")
    print("  |---|" + "---|" * (len(MODES) + 1))
    single = {}
    for count in counts:
        cells = []
        for mode in MODES:
            queue = ctx.Queue()
            start_at = time.time() + 1.0 + count * 0.5  # after every writer's warm-up
            procs = [
                ctx.Process(
                    target=_writer,
                    args=(mode, pool[k], coordinator.pk, seconds, start_at, queue),
                )
                for k in range(count)
            ]
            for p in procs:
                p.start()
            done = sum(queue.get() for _ in procs)
            for p in procs:
                p.join()
            rate = done / seconds
            single.setdefault(mode, rate)
            cells.append(f"{rate:.0f} ({rate / single[mode]:.2f}×)")
        print(f"  | {count} | " + " | ".join(cells) + f" | {os.getloadavg()[0]:.1f} |")
    cores = os.cpu_count() or 1
    known = [m for m in MODES if (cpu or {}).get(m)]
    if known:
        ceiling = {m: cores * 1000 / cpu[m] for m in known}
        text = ", ".join(f"{m} {ceiling[m]:.0f}/s ({ceiling[m] / single[m]:.2f}×)" for m in known)
        print(f"  CPU ceiling ({cores} cores ÷ CPU per operation, one-process run): {text}")
    from audit.chain import verify

    print(f"  chain after the writers: {verify().line()}")


if __name__ == "__main__":
    main()
