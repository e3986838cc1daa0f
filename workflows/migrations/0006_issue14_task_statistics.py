"""Extended statistics on viewflow's task table (PostgreSQL only): the queue's columns
(status, owner, node type, node) are strongly correlated — an open human task is NEW and
unowned — and the planner, multiplying their selectivities, took a few hundred tasks for
tens of thousands. With these statistics the member's queue at 500k referrals reads the open
tracks of the member's domains first (175 → 85 ms of SQL; docs/performance.md). Reversible;
nothing on SQLite.
"""

from django.db import migrations

FORWARD = (
    "CREATE STATISTICS IF NOT EXISTS relais_task_queue_stats (dependencies, mcv) "
    "ON status, owner_id, flow_task_type, flow_task FROM viewflow_task"
)
BACKWARD = "DROP STATISTICS IF EXISTS relais_task_queue_stats"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("workflows", "0005_task_partial_indexes")]

    operations = [migrations.RunPython(forward, backward)]
