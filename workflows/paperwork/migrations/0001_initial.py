import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import workflows.paperwork.models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('workflows', '0025_signed_results'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='IssuedDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.CharField(default=workflows.paperwork.models.new_token, editable=False, max_length=32, unique=True, verbose_name='verification token')),
                ('sha256', models.CharField(db_index=True, max_length=64, verbose_name='SHA-256 of the file')),
                ('signature_digest', models.CharField(blank=True, db_index=True, max_length=64, verbose_name='SHA-256 of its signature')),
                ('kind', models.CharField(choices=[('slip', 'slip'), ('result', 'signed result'), ('copy', 'electronic copy of the result')], max_length=10, verbose_name='kind')),
                ('title', models.CharField(max_length=200, verbose_name='title')),
                ('issuer_name', models.CharField(blank=True, max_length=200, verbose_name="issuer's name")),
                ('agency_name', models.CharField(blank=True, max_length=300, verbose_name='agency')),
                ('issued_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='issued at')),
                ('signer_name', models.CharField(blank=True, max_length=200, verbose_name='signed or sealed by')),
                ('certificate_fingerprint', models.CharField(blank=True, max_length=64, verbose_name='certificate (SHA-256)')),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='issued_documents', to='workflows.dossier', verbose_name='dossier')),
                ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='issued by')),
            ],
            options={
                'verbose_name': 'issued document',
                'verbose_name_plural': 'issued documents',
                'ordering': ['-issued_at', '-id'],
            },
        ),
    ]
