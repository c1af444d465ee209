from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('procedures', '0006_procedure_sets'),
    ]

    operations = [
        migrations.AddField(
            model_name='procedure',
            name='minimum_assurance_level',
            field=models.PositiveSmallIntegerField(choices=[(0, 'Not required'), (1, 'VNeID level 1'), (2, 'VNeID level 2')], default=0, help_text='Filing online needs a sign-in with the national identity (VNeID) at this level or above.', verbose_name='national sign-in required'),
        ),
    ]
