import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='delivery',
            name='queued_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='queued'),
        ),
        migrations.AddField(
            model_name='delivery',
            name='sending_until',
            field=models.DateTimeField(blank=True, null=True, verbose_name='being sent until'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status', 'pending')), fields=['queued_at'],
                               name='delivery_pending_idx'),
        ),
        migrations.AddIndex(
            model_name='delivery',
            index=models.Index(condition=models.Q(('status', 'sent')), fields=['sent_at'], name='delivery_sent_idx'),
        ),
    ]
