from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('citizens', '0003_message_language'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='identity_verified_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='identity verified by VNeID'),
        ),
        migrations.AddField(
            model_name='user',
            name='national_assurance_level',
            field=models.PositiveSmallIntegerField(default=0, help_text='0: never signed in with VNeID.', verbose_name='highest VNeID level seen'),
        ),
    ]
