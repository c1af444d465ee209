import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import onestop.uploads
import workflows.store.models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('procedures', '0008_document_types'),
        ('workflows', '0026_document_store'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='StoreItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('owner_name', models.CharField(max_length=200, verbose_name="owner's name")),
                ('owner_identity_number', models.CharField(blank=True, max_length=12, verbose_name="owner's identity number")),
                ('name', models.CharField(max_length=500, verbose_name='name')),
                ('number', models.CharField(blank=True, max_length=60, verbose_name='number')),
                ('issuer', models.CharField(blank=True, max_length=300, verbose_name='issued by')),
                ('issued_on', models.DateField(blank=True, null=True, verbose_name='issued on')),
                ('valid_until', models.DateField(blank=True, null=True, verbose_name='valid until')),
                ('file', models.FileField(max_length=200, storage=onestop.uploads.PrivateFileSystemStorage(), upload_to=workflows.store.models._item_path, verbose_name='file')),
                ('original_filename', models.CharField(max_length=255, verbose_name='file name')),
                ('content_type', models.CharField(max_length=100, verbose_name='type')),
                ('size', models.PositiveIntegerField(verbose_name='size (bytes)')),
                ('sha256', models.CharField(max_length=64)),
                ('origin', models.CharField(choices=[('issued', 'Result issued by OneStop'), ('verified_at_receipt', 'Verified at receipt'), ('own_scan', "Citizen's own scan")], max_length=20, verbose_name='origin')),
                ('verified', models.BooleanField(default=False, verbose_name='verified')),
                ('verified_at', models.DateTimeField(blank=True, null=True, verbose_name='verified at')),
                ('added_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='added')),
                ('document_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='store_items', to='procedures.documenttype', verbose_name='document type')),
                ('origin_document', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='store_item', to='workflows.dossierdocument')),
                ('origin_dossier', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='store_items', to='workflows.dossier', verbose_name='origin dossier')),
                ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='store_items', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
                ('verified_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='verified by')),
            ],
            options={
                'verbose_name': 'document store item',
                'verbose_name_plural': 'document store items',
                'ordering': ['-added_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='StoreAccess',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('purpose', models.CharField(choices=[('receipt', 'Checking the dossier at receipt'), ('processing', 'Settling the dossier')], max_length=20, verbose_name='purpose')),
                ('at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='at')),
                ('dossier', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workflows.dossier')),
                ('officer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='accesses', to='store.storeitem')),
            ],
            options={
                'verbose_name': "officer's read of a store item",
                'verbose_name_plural': "officers' reads of store items",
                'ordering': ['-at'],
            },
        ),
        migrations.AddIndex(
            model_name='storeitem',
            index=models.Index(fields=['owner', 'document_type'], name='store_item_owner_type_idx'),
        ),
        migrations.AddIndex(
            model_name='storeitem',
            index=models.Index(fields=['owner_identity_number'], name='store_item_identity_idx'),
        ),
        migrations.AddIndex(
            model_name='storeitem',
            index=models.Index(condition=models.Q(('valid_until__isnull', False)), fields=['valid_until'], name='store_item_expiry_idx'),
        ),
        migrations.AddConstraint(
            model_name='storeitem',
            constraint=models.UniqueConstraint(condition=models.Q(('origin', 'issued')), fields=('origin_dossier',), name='store_one_item_per_result'),
        ),
        migrations.AddConstraint(
            model_name='storeitem',
            constraint=models.CheckConstraint(condition=models.Q(('verified', False), ('verified_by__isnull', False), _connector='OR'), name='store_verified_item_names_who'),
        ),
        migrations.AddIndex(
            model_name='storeaccess',
            index=models.Index(fields=['item', '-at'], name='store_access_item_idx'),
        ),
    ]
