from django.db import models
from django.utils.translation import gettext_lazy as _

from procedures.models import Agency, Procedure


class TallyCounts(models.Model):
    """What happened to the dossiers (and the feedback) of one procedure at one agency over a day (IndicatorTally)
    or a month (MonthlyTally), counted by workflows.reporting.counting so that a report over any period sums a few
    rows instead of scanning the dossiers. Each count is dated by its own event: receipt, decision, closing, a
    dossier becoming late, the rating, feedback falling due or being answered."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    # None for feedback about the agency rather than one of its procedures.
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, null=True, related_name="+")
    received_online = models.PositiveIntegerField(default=0)
    received_counter = models.PositiveIntegerField(default=0)
    received_integrated = models.PositiveIntegerField(default=0)
    online_served = models.PositiveIntegerField(default=0)
    full_online_eligible = models.PositiveIntegerField(default=0)
    full_online = models.PositiveIntegerField(default=0)
    with_fees = models.PositiveIntegerField(default=0)
    paid_online = models.PositiveIntegerField(default=0)
    # Received dossiers the national public service portal acknowledged (workflows.integrations.national_portal).
    synced = models.PositiveIntegerField(default=0)
    # Required documents held as files at receipt, those taken from the applicant's document store, and the dossiers
    # reusing at least one (Decision 766's digitisation group).
    components = models.PositiveIntegerField(default=0)
    components_replaced = models.PositiveIntegerField(default=0)
    dossiers_reusing = models.PositiveIntegerField(default=0)
    settled_on_time = models.PositiveIntegerField(default=0)
    settled_late = models.PositiveIntegerField(default=0)
    settled_approved = models.PositiveIntegerField(default=0)
    results_electronic = models.PositiveIntegerField(default=0)
    digitised = models.PositiveIntegerField(default=0)
    settled_dissatisfied = models.PositiveIntegerField(default=0)
    settled_minutes = models.BigIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    withdrawn = models.PositiveIntegerField(default=0)
    stopped = models.PositiveIntegerField(default=0)
    closed_undecided = models.PositiveIntegerField(default=0)
    # Dossiers leaving processing (decided, withdrawn or stopped after receipt), and an open dossier becoming late
    # and such a dossier leaving: running sums of these give what is in progress, and late, on any day.
    exits = models.PositiveIntegerField(default=0)
    overdue_from = models.PositiveIntegerField(default=0)
    overdue_exits = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    rating_points = models.PositiveIntegerField(default=0)
    feedback_due = models.PositiveIntegerField(default=0)
    feedback_on_time = models.PositiveIntegerField(default=0)
    feedback_rated = models.PositiveIntegerField(default=0)
    feedback_satisfied = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class IndicatorTally(TallyCounts):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "agency", "procedure"], name="tally_once_per_day")]
        indexes = [models.Index(fields=["agency", "day"], name="tally_agency_day_idx"),
                   models.Index(fields=["procedure", "day"], name="tally_procedure_day_idx")]


class MonthlyTally(TallyCounts):
    """The days of a month summed: a year's report reads twelve of these per agency and procedure."""

    month = models.DateField(help_text=_("The first day of the month."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "agency", "procedure"], name="tally_once_per_month")]
        indexes = [models.Index(fields=["agency", "month"], name="monthly_tally_agency_idx")]


class DurationCounts(models.Model):
    """How many dossiers decided over a day or a month took a given number of working days (rounded up): the
    median's distribution, summed like the tallies."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="+")
    working_days = models.PositiveIntegerField()
    dossiers = models.PositiveIntegerField()

    class Meta:
        abstract = True


class DurationTally(DurationCounts):
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "agency", "procedure", "working_days"],
                                               name="duration_once_per_day")]
        indexes = [models.Index(fields=["agency", "day"], name="duration_agency_day_idx")]


class MonthlyDurationTally(DurationCounts):
    month = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "agency", "procedure", "working_days"],
                                               name="duration_once_per_month")]
        indexes = [models.Index(fields=["agency", "month"], name="monthly_duration_agency_idx")]


class TallyRefresh(models.Model):
    """The tallies are complete up to and including this day; later days are counted live."""

    complete_through = models.DateField(null=True)
    refreshed_at = models.DateTimeField(null=True)
