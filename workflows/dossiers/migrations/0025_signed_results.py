from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0024_national_portal'),
    ]

    operations = [
        migrations.AddField(
            model_name='dossier',
            name='result_certificate_fingerprint',
            field=models.CharField(blank=True, max_length=64, verbose_name="signer's certificate (SHA-256)"),
        ),
        migrations.AddField(
            model_name='dossier',
            name='result_signed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='result signed at'),
        ),
        migrations.AddField(
            model_name='dossier',
            name='result_signer_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='result signed by'),
        ),
    ]
