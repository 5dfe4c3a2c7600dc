# The instalment carries its file's scheme, so that the payable list filters an authority's
# instalments on their own column and index (payments.selectors.payable_instalments).
#
# Three steps in one migration: the column is added nullable, filled from the files in one
# UPDATE, then made NOT NULL. The UPDATE is plain SQL with a correlated subquery, which SQLite
# and PostgreSQL both run (the ORM cannot update from a join). On PostgreSQL Django adds the
# foreign key IMMEDIATE, so the fill leaves no deferred check pending when the column is then
# altered in the same transaction, and creates the indexes at the end of the migration, after
# the fill (sqlmigrate payments 0008 shows both).

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE payments_instalment
   SET scheme_id = (SELECT application.scheme_id FROM applications_application application
                     WHERE application.id = payments_instalment.application_id)
 WHERE scheme_id IS NULL
"""


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0011_verbose_names'),
        ('decisions', '0008_verbose_names'),
        ('payments', '0007_verbose_names'),
        ('schemes', '0010_verbose_names'),
    ]

    operations = [
        migrations.AddField(
            model_name='instalment',
            name='scheme',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='instalments', to='schemes.scheme', verbose_name='dispositif'),
        ),
        # Backwards, the column is dropped with the field: nothing to undo here.
        migrations.RunSQL(FILL, reverse_sql=migrations.RunSQL.noop),
        migrations.AlterField(
            model_name='instalment',
            name='scheme',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='instalments', to='schemes.scheme', verbose_name='dispositif'),
        ),
        migrations.AddIndex(
            model_name='instalment',
            index=models.Index(condition=models.Q(('awaiting_proof', False), ('status', 'planned')), fields=['scheme', 'due_on'], name='instalment_payable_idx'),
        ),
    ]
