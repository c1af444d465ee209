# Reserved for issue 19 inputs (helper C); filled in by hand from makemigrations' output.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0019_rooms'),
    ]

    operations = [
        # A second obligation of a land levy passes what a 32-bit column holds.
        migrations.AlterField(
            model_name='dossier',
            name='fees_due',
            field=models.PositiveBigIntegerField(default=0, verbose_name='fees due (VND)'),
        ),
        migrations.AlterField(
            model_name='dossier',
            name='fees_paid',
            field=models.PositiveBigIntegerField(default=0, verbose_name='fees paid (VND)'),
        ),
    ]
