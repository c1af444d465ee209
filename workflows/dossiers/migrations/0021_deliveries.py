# Reserved for issue 19 deliveries (helper D); filled in by hand from makemigrations' output.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0020_input_limits'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='outboxevent',
            index=models.Index(condition=models.Q(('relayed_at__isnull', False)), fields=['relayed_at'],
                               name='outbox_relayed_idx'),
        ),
    ]
