from django.db import migrations, models


class Migration(migrations.Migration):
    """When each procedure was announced and published, for Decision 766's publicity indicators."""

    dependencies = [("procedures", "0004_same_working_day")]

    operations = [
        migrations.AddField(
            model_name="procedure",
            name="announcement_decision",
            field=models.CharField(
                blank=True, help_text="e.g. 1234/QĐ-UBND", max_length=60, verbose_name="announcing decision"
            ),
        ),
        migrations.AddField(
            model_name="procedure",
            name="announced_on",
            field=models.DateField(
                blank=True, help_text="The date the announcing decision was signed.", null=True,
                verbose_name="announced on",
            ),
        ),
        migrations.AddField(
            model_name="procedure",
            name="published_on",
            field=models.DateField(
                blank=True,
                help_text="The date it was published on the national public service portal and at the desks.",
                null=True,
                verbose_name="published on",
            ),
        ),
    ]
