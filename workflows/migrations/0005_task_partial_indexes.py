"""Partial indexes on viewflow's task table for the pages that list open work.

viewflow's own indexes (status, created, owner_id, process_id) are single-column: on millions of
finished tasks, every queue, inbox and review list scanned and sorted far more rows than it
showed. These indexes hold only open tasks (a few per cent of the table), in the order the
pages sort them. Plain SQL (valid on PostgreSQL and SQLite), reversible; viewflow's table is not
otherwise altered.
"""

from django.db import migrations

INDEXES = {
    # Queues: NEW, unowned human tasks, oldest first (coordinator's, cell's, members').
    "relais_task_queue": (
        "ON viewflow_task (created) "
        "WHERE status = 'NEW' AND owner_id IS NULL AND flow_task_type = 'HUMAN'"
    ),
    # The member's queue starts from the open tracks: their NEW task by track id.
    "relais_task_queue_artifact": (
        "ON viewflow_task (artifact_object_id) "
        "WHERE status = 'NEW' AND owner_id IS NULL AND flow_task_type = 'HUMAN'"
    ),
    # Inboxes: the user's assigned or started tasks.
    "relais_task_inbox": (
        "ON viewflow_task (owner_id, created) WHERE status IN ('ASSIGNED', 'STARTED')"
    ),
    # Open tasks of one node (the cell's reviews), oldest first.
    "relais_task_open_node": (
        "ON viewflow_task (flow_task, created) WHERE status IN ('NEW', 'ASSIGNED', 'STARTED')"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0004_task_roles_from_nodes"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} {definition}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
