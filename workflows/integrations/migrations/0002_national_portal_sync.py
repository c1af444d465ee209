import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('integrations', '0001_initial'),
        ('workflows', '0024_national_portal'),
    ]

    operations = [
        migrations.CreateModel(
            name='NationalPortalChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('outbox_event_id', models.BigIntegerField(blank=True, null=True, unique=True)),
                ('action', models.CharField(max_length=40, verbose_name='action')),
                ('state', models.CharField(max_length=20, verbose_name='state')),
                ('version', models.PositiveIntegerField(verbose_name='version')),
                ('occurred_at', models.DateTimeField(verbose_name='at')),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='acknowledged')),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='national_changes', to='workflows.dossier')),
            ],
            options={
                'verbose_name': 'national portal change',
                'verbose_name_plural': 'national portal changes',
                'ordering': ['dossier', 'version', 'outbox_event_id'],
            },
        ),
        migrations.CreateModel(
            name='NationalPortalSync',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('synced', 'Synced'), ('retrying', 'Failing, retried later'), ('refused', 'Refused by the portal')], default='pending', max_length=10, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('next_try_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='next try')),
                ('queued_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='queued')),
                ('sending_until', models.DateTimeField(blank=True, null=True, verbose_name='being sent until')),
                ('acknowledged_at', models.DateTimeField(blank=True, null=True, verbose_name='last acknowledged')),
                ('dossier', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='national_sync', to='workflows.dossier')),
                ('last_acknowledged', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='integrations.nationalportalchange', verbose_name='last change acknowledged')),
            ],
            options={
                'verbose_name': 'national portal sync',
                'verbose_name_plural': 'national portal syncs',
            },
        ),
        migrations.AddIndex(
            model_name='nationalportalchange',
            index=models.Index(condition=models.Q(('acknowledged_at__isnull', True)), fields=['dossier', 'version', 'outbox_event_id'], name='national_change_order_idx'),
        ),
        migrations.AddIndex(
            model_name='nationalportalsync',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'retrying'])), fields=['next_try_at'], name='national_sync_due_idx'),
        ),
    ]
