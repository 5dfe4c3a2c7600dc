"""Horizons Art. 9: the balance deadline becomes a dated parameter (31 December)."""

from datetime import date

from django.db import migrations


def add(apps, schema_editor):
    Scheme = apps.get_model("schemes", "Scheme")
    Parameter = apps.get_model("schemes", "Parameter")
    scheme = Scheme.objects.filter(code="horizons").first()
    if scheme is not None:
        Parameter.objects.get_or_create(
            scheme=scheme, key="balance_deadline", valid_from=date(2015, 9, 1),
            defaults={"value": "12-31", "source": "Règlement Horizons, art. 9 (avant le 31 décembre de l'année universitaire suivante)"},
        )


class Migration(migrations.Migration):
    dependencies = [("schemes", "0004_partner_region_unique")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
