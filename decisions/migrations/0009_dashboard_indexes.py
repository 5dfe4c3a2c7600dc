# The authority's dashboard (payments.indicators) sums the amounts of the granted decisions in
# force from this index alone.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('decisions', '0008_verbose_names'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='decision',
            index=models.Index(condition=models.Q(('outcome', 'granted')), fields=['id', 'amount'], name='decision_granted_idx'),
        ),
    ]
