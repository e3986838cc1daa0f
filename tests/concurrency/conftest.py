import pytest
from django.apps import apps
from django.conf import settings

from core.roles import sync_role_groups
from directory.communes import DEFAULT_COMMUNES_CSV, communes_parse_csv
from directory.services import communes_load

ON_POSTGRES = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
# Decided before any database fixture runs: on SQLite, a transactional test's flush would
# meet the append-only triggers of the audit tables (PostgreSQL's TRUNCATE does not).
postgres_only = pytest.mark.skipif(
    not ON_POSTGRES, reason="concurrency is tested on PostgreSQL (SQLite serialises writers)"
)


@pytest.fixture
def committed_reference_data(transactional_db):
    """Transactional tests flush the tables (TRUNCATE on PostgreSQL), data migrations
    included: put the role groups and the communes back."""
    sync_role_groups(apps)
    with DEFAULT_COMMUNES_CSV.open(encoding="utf-8") as stream:
        communes_load(rows=communes_parse_csv(stream))


def race(*callables):
    """Run the callables in threads released together; return their results or exceptions."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(len(callables))
    results = [None] * len(callables)

    def runner(index, func):
        try:
            barrier.wait(timeout=10)
            results[index] = func()
        except Exception as exc:  # noqa: BLE001 — the test inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(callables)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
