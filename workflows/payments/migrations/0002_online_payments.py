import django.db.models.deletion
from django.db import migrations, models

import onestop.uploads
import workflows.payments.models


class Migration(migrations.Migration):

    dependencies = [
        ('payments', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='PaymentRequest',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reference', models.CharField(max_length=40, unique=True, verbose_name='reference')),
                ('amount', models.PositiveIntegerField(verbose_name='amount (VND)')),
                ('purpose', models.CharField(choices=[('filing', 'Fees due at filing'), ('obligation', 'Financial obligation')], max_length=12, verbose_name='pays for')),
                ('status', models.CharField(choices=[('pending', 'Waiting for the payment platform'), ('paid', 'Paid'), ('failed', 'Failed'), ('abandoned', 'Abandoned or expired'), ('mismatch', 'Refused: flagged for staff')], default='pending', max_length=10, verbose_name='status')),
                ('transaction_id', models.CharField(blank=True, max_length=64, verbose_name='platform transaction')),
                ('payment_url', models.URLField(blank=True, max_length=500, verbose_name='payment page')),
                ('bank_code', models.CharField(blank=True, max_length=20, verbose_name='bank or wallet')),
                ('reported_amount', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='amount the platform reported (VND)')),
                ('problem', models.CharField(blank=True, max_length=300, verbose_name='problem')),
                ('receipt', models.FileField(blank=True, max_length=200, storage=onestop.uploads.PrivateFileSystemStorage(), upload_to=workflows.payments.models._receipt_path, verbose_name='electronic receipt')),
                ('receipt_number', models.CharField(blank=True, max_length=50, verbose_name='receipt number')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='started at')),
                ('settled_at', models.DateTimeField(blank=True, null=True, verbose_name='final at')),
                ('checked_at', models.DateTimeField(blank=True, null=True, verbose_name='last asked the platform at')),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='payment_requests', to='workflows.dossier')),
                ('payment', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='online_request', to='payments.payment')),
            ],
            options={
                'verbose_name': 'online payment',
                'verbose_name_plural': 'online payments',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['status', 'created_at'], name='payment_request_queue')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status', 'pending')), fields=('dossier',), name='payment_request_one_pending'), models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='payment_request_amount_positive')],
            },
        ),
    ]
