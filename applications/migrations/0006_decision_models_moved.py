import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The decision stage's models now live in the decisions app (decisions 0001), on the same
    tables: the file's `current_decision` and an appeal's evidence point there, and this app's
    state forgets its copies. Nothing changes in the database."""

    dependencies = [
        ("applications", "0005_document_appeal"),
        ("decisions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="application",
                    name="current_decision",
                    field=models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                        to="decisions.decision", verbose_name="décision en vigueur",
                    ),
                ),
                migrations.AlterField(
                    model_name="document",
                    name="appeal",
                    field=models.ForeignKey(
                        blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="documents",
                        to="decisions.appeal",
                    ),
                ),
                # Those that point at others first, so that no deleted model is still referenced.
                migrations.DeleteModel(name="ChangeReport"),
                migrations.DeleteModel(name="Appeal"),
                migrations.DeleteModel(name="Letter"),
                migrations.DeleteModel(name="Decision"),
                migrations.DeleteModel(name="SessionEntry"),
                migrations.DeleteModel(name="CommissionSession"),
            ],
            database_operations=[],
        ),
    ]
