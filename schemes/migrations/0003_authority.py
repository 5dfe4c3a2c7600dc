"""Funding authorities become a table (officers are attached to one), replacing the free text."""

from django.db import migrations, models
import django.db.models.deletion

AUTHORITIES = {
    "horizons": ("region-occitanie", "Région Occitanie / Pyrénées-Méditerranée"),
    "aude": ("cd11", "Département de l'Aude"),
    "haute-garonne": ("cd31", "Département de la Haute-Garonne"),
}


def link_authorities(apps, schema_editor):
    Authority = apps.get_model("schemes", "Authority")
    Scheme = apps.get_model("schemes", "Scheme")
    for scheme in Scheme.objects.all():
        code, name = AUTHORITIES.get(scheme.code, (scheme.code, scheme.authority_name))
        scheme.authority_ref, _ = Authority.objects.get_or_create(code=code, defaults={"name": name})
        scheme.save(update_fields=["authority_ref"])


class Migration(migrations.Migration):
    dependencies = [("schemes", "0002_seed_schemes_and_parameters")]

    operations = [
        migrations.CreateModel(
            name="Authority",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=30, unique=True, verbose_name="code")),
                ("name", models.CharField(max_length=200, verbose_name="nom")),
            ],
            options={"ordering": ["name"], "verbose_name": "collectivité", "verbose_name_plural": "collectivités"},
        ),
        migrations.RenameField("scheme", "authority", "authority_name"),
        migrations.AddField(
            model_name="scheme",
            name="authority_ref",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, to="schemes.authority"),
        ),
        migrations.RunPython(link_authorities, migrations.RunPython.noop),
        migrations.RemoveField("scheme", "authority_name"),
        migrations.RenameField("scheme", "authority_ref", "authority"),
        migrations.AlterField(
            model_name="scheme",
            name="authority",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT, related_name="schemes",
                to="schemes.authority", verbose_name="collectivité",
            ),
        ),
    ]
