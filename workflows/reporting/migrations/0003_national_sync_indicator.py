from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0002_decision_766_rules'),
    ]

    operations = [
        migrations.AddField(
            model_name='indicatortally',
            name='synced',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlytally',
            name='synced',
            field=models.PositiveIntegerField(default=0),
        ),
    ]
