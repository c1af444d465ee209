import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('simulators', '0003_payment_platform'),
    ]

    operations = [
        migrations.CreateModel(
            name='OfferedDossier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('portal_id', models.CharField(max_length=64, unique=True)),
                ('procedure_code', models.CharField(max_length=40)),
                ('province_code', models.CharField(blank=True, max_length=10)),
                ('desk_code', models.CharField(blank=True, max_length=40)),
                ('applicant', models.JSONField(default=dict)),
                ('form_data', models.JSONField(blank=True, default=dict)),
                ('sign_in_level', models.PositiveSmallIntegerField(default=2)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('taken_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'verbose_name': 'national portal simulator offered dossier',
            },
        ),
        migrations.CreateModel(
            name='PortalDossier',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.CharField(max_length=64, unique=True)),
                ('portal_id', models.CharField(blank=True, max_length=64)),
                ('procedure_code', models.CharField(max_length=40)),
                ('applicant', models.CharField(max_length=200)),
                ('status', models.PositiveSmallIntegerField()),
                ('record', models.JSONField(default=dict)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'national portal simulator dossier',
            },
        ),
        migrations.CreateModel(
            name='PortalSwitch',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('mode', models.CharField(choices=[('up', 'Answering normally'), ('down', 'Down (HTTP 503)'), ('busy', 'Busy: answering an error that passes'), ('refusing', 'Refusing every record as invalid')], default='up', max_length=10)),
            ],
            options={
                'verbose_name': 'national portal simulator switch',
            },
        ),
        migrations.CreateModel(
            name='OfferedDocument',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('order', models.PositiveSmallIntegerField()),
                ('name', models.CharField(max_length=500)),
                ('filename', models.CharField(max_length=200)),
                ('content', models.BinaryField()),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='documents', to='simulators.offereddossier')),
            ],
        ),
        migrations.CreateModel(
            name='PortalMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('message_id', models.CharField(max_length=100, unique=True)),
                ('updating', models.BooleanField()),
                ('status', models.PositiveSmallIntegerField()),
                ('history_length', models.PositiveSmallIntegerField(default=0)),
                ('received_at', models.DateTimeField(auto_now_add=True)),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='simulators.portaldossier')),
            ],
            options={
                'verbose_name': 'national portal simulator message',
                'ordering': ['pk'],
            },
        ),
    ]
