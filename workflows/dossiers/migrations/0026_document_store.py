from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflows', '0025_signed_results'),
    ]

    operations = [
        migrations.AddField(
            model_name='dossierdocument',
            name='origin',
            field=models.CharField(choices=[('upload', 'Uploaded'), ('store', 'Reused from the document store')], default='upload', max_length=10, verbose_name='origin'),
        ),
        migrations.AddField(
            model_name='dossierdocument',
            name='origin_reference',
            field=models.CharField(blank=True, help_text='The code of the dossier that issued or verified it.', max_length=60, verbose_name='taken from'),
        ),
        migrations.AddField(
            model_name='dossierdocument',
            name='store_item_id',
            field=models.PositiveBigIntegerField(blank=True, null=True, verbose_name='document store item'),
        ),
        migrations.AddField(
            model_name='dossierdocument',
            name='verified',
            field=models.BooleanField(default=False, verbose_name='verified'),
        ),
    ]
