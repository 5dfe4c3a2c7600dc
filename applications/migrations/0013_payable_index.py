# The payable list (payments.selectors.payable_instalments) counts and totals an authority's
# payable instalments by hashing the granted files: this index holds what it reads of them.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('applications', '0012_dashboard_indexes'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='application',
            index=models.Index(condition=models.Q(('state', 'granted')), fields=['id', 'current_decision'], name='application_granted_idx'),
        ),
    ]
