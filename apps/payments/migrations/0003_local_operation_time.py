import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """When the local gateway performed each capture/release/refund (a provider records it
    too); earlier rows get the migration's time."""

    dependencies = [
        ('payments', '0002_money_over_time'),
    ]

    operations = [
        migrations.AddField(
            model_name='localoperation',
            name='created_at',
            field=models.DateTimeField(default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
