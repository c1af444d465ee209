from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('simulators', '0002_national_id'),
    ]

    operations = [
        migrations.CreateModel(
            name='SimulatedPayment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('transaction_id', models.CharField(max_length=32, unique=True)),
                ('partner_code', models.CharField(max_length=50)),
                ('reference', models.CharField(max_length=100)),
                ('amount', models.PositiveBigIntegerField()),
                ('order_info', models.CharField(blank=True, max_length=500)),
                ('dossier_code', models.CharField(blank=True, max_length=50)),
                ('return_url', models.URLField(max_length=500)),
                ('notify_url', models.URLField(max_length=500)),
                ('status', models.CharField(choices=[('00', 'Paid'), ('01', 'Pending'), ('02', 'Failed'), ('03', 'Cancelled')], default='01', max_length=2)),
                ('held', models.BooleanField(default=False)),
                ('bank_code', models.CharField(blank=True, max_length=20)),
                ('receipt_number', models.CharField(blank=True, max_length=50)),
                ('paid_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('callback_log', models.TextField(blank=True)),
            ],
            options={
                'verbose_name': 'payment platform simulator transaction',
                'constraints': [models.UniqueConstraint(fields=('partner_code', 'reference'), name='simulated_payment_reference_once')],
            },
        ),
    ]
