from django.db import migrations, models


def recount_with_the_new_counts(apps, schema_editor):
    """The tallies counted no reuse: dropped, so that the next nightly refresh recounts every day."""
    for name in ("IndicatorTally", "MonthlyTally"):
        apps.get_model("reporting", name).objects.all().delete()
    apps.get_model("reporting", "TallyRefresh").objects.update(complete_through=None)


class Migration(migrations.Migration):

    dependencies = [
        ('reporting', '0003_national_sync_indicator'),
        ('workflows', '0026_document_store'),
    ]

    operations = [
        migrations.AddField(
            model_name='indicatortally',
            name='components',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='indicatortally',
            name='components_replaced',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='indicatortally',
            name='dossiers_reusing',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlytally',
            name='components',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlytally',
            name='components_replaced',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='monthlytally',
            name='dossiers_reusing',
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.RunPython(recount_with_the_new_counts, migrations.RunPython.noop),
    ]
