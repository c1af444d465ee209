import django.core.validators
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('procedures', '0007_national_signin_level'),
    ]

    operations = [
        migrations.CreateModel(
            name='DocumentType',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(help_text='e.g. giay_khai_sinh', max_length=40, unique=True, verbose_name='code')),
                ('name', models.CharField(max_length=200, unique=True, verbose_name='name')),
                ('issuer_kind', models.CharField(choices=[('commune', "Commune People's Committee"), ('department', 'Provincial department'), ('police', 'Police'), ('court', 'Court'), ('other', 'Other authority')], max_length=20, verbose_name='issued by')),
                ('validity_months', models.PositiveSmallIntegerField(blank=True, help_text='Empty when it never expires.', null=True, validators=[django.core.validators.MinValueValidator(1)], verbose_name='valid for (months)')),
            ],
            options={
                'verbose_name': 'document type',
                'verbose_name_plural': 'document types',
                'ordering': ['name'],
            },
        ),
        migrations.AddField(
            model_name='procedure',
            name='result_type',
            field=models.ForeignKey(blank=True, help_text="What the result is, so that it is kept in the citizen's document store and offered to the procedures that ask for it.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name='issued_by', to='procedures.documenttype', verbose_name='result document type'),
        ),
        migrations.AddField(
            model_name='requireddocument',
            name='document_type',
            field=models.ForeignKey(blank=True, help_text='When the state issues it: a citizen who holds one in their document store reuses it.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='required_by', to='procedures.documenttype', verbose_name='document type'),
        ),
    ]
