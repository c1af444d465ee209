from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrator_api', '0001_initial'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='idempotencyrecord',
            index=models.Index(fields=['created_at'], name='idempotency_created_idx'),
        ),
    ]
