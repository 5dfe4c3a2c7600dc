"""Aude (session du 22 décembre 2017): the 6-month internship sessions the quota counts in, and
the 3,600 EUR per student and per year, become dated parameters."""

from datetime import date

from django.db import migrations

ROWS = [
    ("session_starts", ["05-01", "11-01"],
     "Délibération du 22 décembre 2017 (15 étudiants par session de 6 mois, 2 sessions par an : "
     "semestres de stage de mai et de novembre)"),
    ("annual_student_cap", "3600.00",
     "Délibération du 22 décembre 2017 (« soit 3 600 € sur la totalité par an et par élève »)"),
]


def add(apps, schema_editor):
    Scheme = apps.get_model("schemes", "Scheme")
    Parameter = apps.get_model("schemes", "Parameter")
    scheme = Scheme.objects.filter(code="aude").first()
    if scheme is None:
        return
    for key, value, source in ROWS:
        Parameter.objects.get_or_create(scheme=scheme, key=key, valid_from=date(2017, 12, 22),
                                        defaults={"value": value, "source": source})


class Migration(migrations.Migration):
    dependencies = [("schemes", "0007_reference_version")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
