"""Ship the 35 communes of Valenciennes Métropole as the default territory."""

from django.db import migrations

from directory.communes import DEFAULT_COMMUNES_CSV, communes_parse_csv


def load_default_communes(apps, schema_editor):
    Commune = apps.get_model("directory", "Commune")
    with DEFAULT_COMMUNES_CSV.open(encoding="utf-8-sig", newline="") as stream:
        rows = communes_parse_csv(stream)
    for row in rows:
        Commune.objects.get_or_create(
            insee_code=row.insee_code,
            defaults={"name": row.name, "postal_code": row.postal_code},
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0002_role_groups")]

    operations = [migrations.RunPython(load_default_communes, migrations.RunPython.noop)]
