"""Transitions per second, bare and audited, in one process (design §6 speed target).

Runs on a throwaway test database of the configured server (never on real data):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais python -m benchmarks.transitions

Modes, each N transitions (suspend/resume alternately on one referral), one transaction each:
  bare     the django-fsm-2 transition and save() in a transaction
  locked   + SELECT ... FOR UPDATE of the row
  audited  the real services (lock, role check, transition, save, audit chain append)
  append   the audit chain append alone
"""

import argparse
import os
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("RELAIS_ENV", "development")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args.n)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(n):
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction

    from audit.services import audit_record
    from directory.models import Commune
    from referrals import services
    from referrals.models import Referral

    User = get_user_model()
    cell = User.objects.create(username="bench-cell")
    cell.groups.add(Group.objects.get(name="cell_liaison"))
    coordinator = User.objects.create(username="bench-coord")
    coordinator.groups.add(Group.objects.get(name="coordinator"))
    referral = services.referral_register(
        actor=cell,
        reference="VAL-2026-0001",
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
    services.referral_start_assessment(actor=coordinator, referral=referral)
    services.referral_open_support(actor=coordinator, referral=referral)

    def bare(i):
        with transaction.atomic():
            obj = Referral.objects.get(pk=referral.pk)
            obj.suspend("hospitalisation") if i % 2 == 0 else obj.resume()
            obj.save()

    def locked(i):
        with transaction.atomic():
            obj = Referral.objects.select_for_update().get(pk=referral.pk)
            obj.suspend("hospitalisation") if i % 2 == 0 else obj.resume()
            obj.save()

    def audited(i):
        if i % 2 == 0:
            services.referral_suspend(
                actor=coordinator, referral=referral, reason="hospitalisation"
            )
        else:
            services.referral_resume(actor=coordinator, referral=referral)

    def append(i):
        with transaction.atomic():
            audit_record(
                actor=coordinator, role="coordinator", action="verify", object_type="audit_log"
            )

    print(f"{connection.vendor}, {n} transitions per mode, one transaction each")
    for name, func in (
        ("bare", bare),
        ("locked", locked),
        ("audited", audited),
        ("append", append),
    ):
        for i in range(50):  # warm-up
            func(i)
        start = time.perf_counter()
        for i in range(n):
            func(i)
        elapsed = time.perf_counter() - start
        print(f"  {name:<8} {n / elapsed:8.0f} /s   ({elapsed * 1000 / n:.3f} ms each)")


if __name__ == "__main__":
    main()
