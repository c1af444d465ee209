from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0023_national_sign_in'),
    ]

    operations = [
        migrations.AddField(
            model_name='dossier',
            name='national_portal_id',
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True, verbose_name='national portal dossier id'),
        ),
    ]
