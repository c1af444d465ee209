"""The service indicators (Decision 766/QĐ-TTg; docs/indicators.md): what each one means, its formula over the
counts, and Figures, the counts of one group over a period with the indicators drawn from them."""

from collections import defaultdict
from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from workflows.worktime.clock import working_calendar

from .catalogue import COUNTS as CATALOGUE_COUNTS
from .catalogue import PUBLICATION_WORKING_DAYS
from .counting import DISSATISFIED_SCORE
from .tallies import TALLIED

RECEIVED = ("received_online", "received_counter", "received_integrated")
# What is in progress at the end of a period: running sums of the tallies (workflows.reporting.indicators).
STOCK = ("in_progress", "in_progress_late")
COUNTS = (*TALLIED, *STOCK, *CATALOGUE_COUNTS)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    definition: str
    formula: str
    kind: str = "count"  # count, rate (a share, 0–1), days, score
    # OneStop holds no data for it yet: it has no value and earns no points (docs/indicators.md, the gaps).
    measured: bool = True


INDICATORS = [
    Indicator("received", _("Received"),
              _("Dossiers received in the period, by every channel."),
              "received_online + received_counter + received_integrated"),
    Indicator("received_online", _("Received online"),
              _("Dossiers filed on the portal and received in the period."), "received_online"),
    Indicator("received_counter", _("Received at a desk"),
              _("Dossiers filed at a desk or by post and received in the period."), "received_counter"),
    Indicator("received_integrated", _("Received from integrated systems"),
              _("Dossiers filed through the API by an integrated system and received in the period."),
              "received_integrated"),
    Indicator("settled_on_time", _("Settled on time"),
              _("Dossiers whose result was decided in the period, early or on the appointment, without an apology "
                "and asked for a supplement at most once."),
              "settled_on_time"),
    Indicator("settled_late", _("Settled late"),
              _("Dossiers whose result was decided in the period after the legal deadline, after an apology and "
                "new appointment, or after being asked for a supplement more than once: none of these is on "
                "time."), "settled_late"),
    Indicator("in_progress_on_time", _("In progress, on time"),
              _("Dossiers received and not yet decided, withdrawn or stopped at the end of the period, whose "
                "deadline had not passed (or which were waiting for the applicant) and which were asked for a "
                "supplement at most once."),
              "in_progress − in_progress_late"),
    Indicator("in_progress_late", _("In progress, late"),
              _("Dossiers still open at the end of the period whose legal deadline had passed, or which had been "
                "asked for a supplement more than once."),
              "Σ up to the period's end (overdue_from − overdue_exits)"),
    Indicator("refused", _("Not received"),
              _("Dossiers refused at receipt in the period, with a written reason."), "refused"),
    Indicator("withdrawn", _("Withdrawn"),
              _("Dossiers the applicant withdrew in the period."), "withdrawn"),
    Indicator("stopped", _("Stopped"),
              _("Dossiers stopped in the period because the supplement asked for did not come in time."), "stopped"),
    Indicator("closed_undecided", _("Withdrawn or stopped after receipt"),
              _("Received dossiers withdrawn or stopped in the period: handled, though neither settled nor in "
                "progress."), "closed_undecided"),
    Indicator("handled", _("Handled"),
              _("Dossiers settled in the period, in progress at its end, or withdrawn or stopped after receipt in "
                "it."), "settled + in_progress + closed_undecided"),
    Indicator("average_days", _("Average processing time"),
              _("Working days from the start of the clock to the decision, waiting for the applicant excluded, "
                "averaged over the dossiers settled in the period."),
              "settled_minutes ÷ settled ÷ working minutes per day", "days"),
    Indicator("median_days", _("Median processing time"),
              _("Half the dossiers settled in the period were decided within this many working days (rounded up)."),
              "the middle of the settled dossiers' working days", "days"),
    Indicator("published_on_time_rate", _("Procedures published on time"),
              format_lazy(_("Procedures announced in the period and published within {days} working days of the "
                            "announcing decision, over those announced in the period that are published or whose "
                            "time to publish has run out."), days=PUBLICATION_WORKING_DAYS),
              "published_on_time ÷ publication_due", "rate"),
    Indicator("published_complete_rate", _("Procedures published complete"),
              _("Procedures in force at the end of the period that are published with their documents, steps "
                "adding up to the time limit, fees and charges, legal basis and result, over the procedures in "
                "force."),
              "published_complete ÷ in_force", "rate"),
    Indicator("national_sync_rate", _("Dossiers synced to the national portal"),
              _("Dossiers received in the period that the national public service portal acknowledged (their "
                "filing and processing were synced to it), over the dossiers received."),
              "synced ÷ received", "rate"),
    Indicator("on_time_rate", _("On-time rate"),
              _("Dossiers settled early or on time plus those in progress within their time, over the dossiers "
                "handled: settled in the period, in progress at its end, or withdrawn or stopped after receipt "
                "in it."),
              "(settled_on_time + in_progress_on_time) ÷ (settled + in_progress + closed_undecided)", "rate"),
    Indicator("full_online_procedure_rate", _("Procedures offered fully online"),
              _("Procedures in force at the end of the period offered as a full-process online service, over the "
                "procedures in force."),
              "offered_full_online ÷ in_force", "rate"),
    Indicator("online_dossier_rate", _("Online dossiers"),
              _("Dossiers received in the period that were filed online (the portal or an integrated system) and "
                "got an electronic result when the applicant asked for one and it was approved, over the dossiers "
                "received, times the rate of dossiers synced to the national portal, as the national portal "
                "counts it: a dossier the portal never saw earns nothing."),
              "online_served ÷ received × synced ÷ received", "rate"),
    Indicator("online_filing_rate", _("Online filing rate"),
              _("Dossiers received in the period that were filed online (the portal or an integrated system)."),
              "(received_online + received_integrated) ÷ received", "rate"),
    Indicator("full_online_rate", _("Full-online rate"),
              _("Dossiers filed online among those received in the period for procedures offered fully online."),
              "full_online ÷ full_online_eligible", "rate"),
    Indicator("electronic_result_rate", _("Electronic results"),
              _("Approved results decided in the period that were issued as an electronic document."),
              "results_electronic ÷ settled_approved", "rate"),
    Indicator("digitised_rate", _("Digitised dossiers"),
              _("Approved results decided in the period whose dossier holds its input documents as electronic "
                "files and whose result was issued as an electronic document, over the approved results."),
              "digitised ÷ settled_approved", "rate"),
    Indicator("data_replaced_rate", _("Documents replaced by data already held"),
              _("Required documents of the dossiers received in the period that the applicant did not supply again "
                "because their document store already held them (a result OneStop issued, a document verified "
                "earlier or their own scan), over the required documents those dossiers held as files."),
              "components_replaced ÷ components", "rate"),
    Indicator("data_reused_rate", _("Reuse of digitised data"),
              _("Dossiers received in the period that reused at least one document from the applicant's document "
                "store, over the dossiers received."),
              "dossiers_reusing ÷ received", "rate"),
    Indicator("population_data_rate", _("Population data used"),
              _("Dossiers whose applicant's data was taken from the national population database. Not measured "
                "yet: OneStop is not connected to it."),
              "dossiers_with_population_data ÷ received", "rate", measured=False),
    Indicator("feedback_on_time_rate", _("Feedback answered on time"),
              _("Feedback and complaints (phản ánh, kiến nghị) answered by their due date, over those answered on "
                "time in the period or whose due date passed in it."),
              "feedback_on_time ÷ feedback_due", "rate"),
    Indicator("feedback_satisfaction_rate", _("Satisfaction with the handling of feedback"),
              _("Senders of feedback who said, in the period, that they were satisfied with how it was handled, "
                "over all who said whether they were."),
              "feedback_satisfied ÷ feedback_rated", "rate"),
    Indicator("satisfaction_rate", _("Satisfaction"),
              # xgettext:no-python-format
              format_lazy(_("100% less the late rate and the rate of dossiers with feedback or a dissatisfied "
                            "rating ({score} of 5 or less), over the dossiers settled in the period; never below "
                            "0."), score=DISSATISFIED_SCORE),
              "1 − (settled_late + settled_dissatisfied) ÷ settled", "rate"),
    Indicator("online_payment_rate", _("Online payment rate"),
              _("Dossiers paid through the payment platform among those received in the period for procedures "
                "that carry fees."),
              "paid_online ÷ with_fees", "rate"),
    Indicator("average_rating", _("Average rating"),
              _("The applicants' ratings given in the period, out of 5."), "rating_points ÷ ratings", "score"),
]
BY_KEY = {indicator.key: indicator for indicator in INDICATORS}
UNMEASURED = {indicator.key for indicator in INDICATORS if not indicator.measured}


class Figures:
    """The counts of one group over a period, and the indicators drawn from them."""

    def __init__(self, counts=None, durations=None):
        self.counts = defaultdict(int, counts or {})
        self.durations = defaultdict(int, durations or {})

    def add(self, counts):
        for name, value in counts.items():
            self.counts[name] += value or 0

    def __getitem__(self, key):
        return None if key in UNMEASURED else getattr(self, key)

    def __getattr__(self, name):
        if name in COUNTS:
            return self.counts[name]
        raise AttributeError(name)

    @property
    def received(self):
        return sum(self.counts[name] for name in RECEIVED)

    @property
    def settled(self):
        return self.counts["settled_on_time"] + self.counts["settled_late"]

    @property
    def in_progress_on_time(self):
        return self.counts["in_progress"] - self.counts["in_progress_late"]

    @property
    def handled(self):
        return self.settled + self.counts["in_progress"] + self.counts["closed_undecided"]

    @property
    def average_days(self):
        return _ratio(self.counts["settled_minutes"], self.settled * working_calendar().day_minutes)

    @property
    def median_days(self):
        total = sum(self.durations.values())
        if not total:
            return None
        seen = 0
        for days in sorted(self.durations):
            seen += self.durations[days]
            if seen * 2 >= total:
                return days

    @property
    def published_on_time_rate(self):
        return _ratio(self.published_on_time, self.publication_due)

    @property
    def published_complete_rate(self):
        return _ratio(self.published_complete, self.in_force)

    @property
    def on_time_rate(self):
        return _ratio(self.settled_on_time + self.in_progress_on_time, self.handled)

    @property
    def full_online_procedure_rate(self):
        return _ratio(self.offered_full_online, self.in_force)

    @property
    def national_sync_rate(self):
        return _ratio(self.synced, self.received)

    @property
    def online_dossier_rate(self):
        online, synced = _ratio(self.online_served, self.received), self.national_sync_rate
        return None if online is None else online * synced

    @property
    def online_filing_rate(self):
        return _ratio(self.received_online + self.received_integrated, self.received)

    @property
    def full_online_rate(self):
        return _ratio(self.full_online, self.full_online_eligible)

    @property
    def electronic_result_rate(self):
        return _ratio(self.results_electronic, self.settled_approved)

    @property
    def digitised_rate(self):
        return _ratio(self.digitised, self.settled_approved)

    @property
    def data_replaced_rate(self):
        return _ratio(self.components_replaced, self.components)

    @property
    def data_reused_rate(self):
        return _ratio(self.dossiers_reusing, self.received)

    @property
    def feedback_on_time_rate(self):
        return _ratio(self.feedback_on_time, self.feedback_due)

    @property
    def feedback_satisfaction_rate(self):
        return _ratio(self.feedback_satisfied, self.feedback_rated)

    @property
    def satisfaction_rate(self):
        if not self.settled:
            return None
        return max(1 - (self.settled_late + self.settled_dissatisfied) / self.settled, 0)

    @property
    def online_payment_rate(self):
        return _ratio(self.paid_online, self.with_fees)

    @property
    def average_rating(self):
        return _ratio(self.rating_points, self.ratings)

    def as_dict(self):
        return {indicator.key: self[indicator.key] for indicator in INDICATORS}


def _ratio(part, whole):
    return part / whole if whole else None
