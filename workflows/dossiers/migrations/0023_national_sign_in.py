from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0022_audit_chain'),
    ]

    operations = [
        migrations.AddField(
            model_name='dossier',
            name='national_sign_in_level',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='national sign-in level at filing'),
        ),
    ]
