from django.db import migrations, models


def cutoffs_belong_to_same_day_procedures(apps, schema_editor):
    """A cut-off meant "same day, or the next one after 15:00"; a limit in days no longer counts the day of receipt
    at all, so its cut-off had no effect left to keep."""
    Procedure = apps.get_model("procedures", "Procedure")
    Procedure.objects.filter(intake_cutoff__isnull=False, time_limit_unit="hours").update(time_limit_unit="same_day")
    Procedure.objects.filter(intake_cutoff__isnull=False, time_limit_unit="days").update(intake_cutoff=None)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0003_application_form")]

    operations = [
        migrations.AlterField(
            model_name="procedure",
            name="time_limit_unit",
            field=models.CharField(
                choices=[("days", "working days"), ("hours", "working hours"), ("same_day", "same working day")],
                default="days",
                help_text="For a same-working-day procedure the time limit is the working hours its steps share.",
                max_length=10,
                verbose_name="time limit unit",
            ),
        ),
        migrations.AlterField(
            model_name="procedure",
            name="intake_cutoff",
            field=models.TimeField(
                blank=True,
                help_text="Same-working-day procedures only: received after this time, the result is due the next "
                "working day (15:00 when left empty).",
                null=True,
                verbose_name="intake cut-off",
            ),
        ),
        migrations.RunPython(cutoffs_belong_to_same_day_procedures, migrations.RunPython.noop),
    ]
