"""Create the three schemes and load the regulations' figures as dated parameters.

The values come from schemes/fixtures/parameters.json (the texts as published). Rows already
present are left alone, so re-running never overwrites a value an administrator has set.
"""

import json
from datetime import date
from pathlib import Path

from django.db import migrations

SCHEMES = [
    ("horizons", "Midi-Pyrénées Horizons", "Région Occitanie / Pyrénées-Méditerranée",
     "Règlement relatif au régime des aides à la mobilité internationale des étudiants (2015-2016)", True),
    ("aude", "Aide aux étudiants en médecine de 2e cycle", "Département de l'Aude",
     "Session du 22 décembre 2017 : politique de lutte contre la désertification médicale", False),
    ("haute-garonne", "Aide Jeune Médecin", "Département de la Haute-Garonne",
     "Délibération du 27 mai 2021", False),
]


def seed(apps, schema_editor):
    Scheme = apps.get_model("schemes", "Scheme")
    Parameter = apps.get_model("schemes", "Parameter")
    for code, name, authority, regulation, opinion in SCHEMES:
        Scheme.objects.get_or_create(
            code=code,
            defaults={"name": name, "authority": authority, "regulation": regulation,
                      "requires_establishment_opinion": opinion},
        )
    schemes = {s.code: s for s in Scheme.objects.all()}
    path = Path(__file__).resolve().parent.parent / "fixtures" / "parameters.json"
    for row in json.loads(path.read_text(encoding="utf-8"))["parameters"]:
        Parameter.objects.get_or_create(
            scheme=schemes[row["scheme"]],
            key=row["key"],
            valid_from=date.fromisoformat(row["valid_from"]),
            defaults={"value": row["value"], "source": row.get("source", "")},
        )


class Migration(migrations.Migration):
    dependencies = [("schemes", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
