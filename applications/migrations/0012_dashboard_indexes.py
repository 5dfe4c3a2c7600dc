# The authority's dashboard (payments.indicators): its aggregates read an authority's files from
# these indexes alone (models.Application.Meta says which reads each serves).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0011_verbose_names'),
        ('decisions', '0008_verbose_names'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='application',
            index=models.Index(fields=['scheme', 'academic_year', 'current_decision', 'id'], name='application_dashboard_idx'),
        ),
        migrations.AddIndex(
            model_name='application',
            index=models.Index(condition=models.Q(('aid', 'apprentice')), fields=['scheme', 'academic_year', 'id'], name='application_apprentice_idx'),
        ),
    ]
