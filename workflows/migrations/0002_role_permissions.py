from django.db import migrations

from core.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("workflows", "0001_initial"),
        ("directory", "0003_default_communes"),
        ("viewflow", "0015_task_scheduled"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
