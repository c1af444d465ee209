"""Counting what happened to the dossiers over a range of days, by day, agency and procedure: the queries behind
the nightly tallies and the live counts of the days not yet tallied.

Each count is dated by its own event: receipt (with the documents held then, and those reused from the applicant's
document store); the decision; closing (refused at receipt, withdrawn, stopped); the
moment an open dossier became late; the rating. Feedback (phản ánh, kiến nghị) counts for the agency that answers it:
when it was answered on time, or else when its due date passed; its sender's verdict when given.
"""

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db.models import Case, Count, DateTimeField, Exists, F, OuterRef, Q, Subquery, Sum, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from procedures.models import Fee
from workflows.dossiers import transitions
from workflows.dossiers.models import AuditEntry, DocumentOrigin, Dossier, DossierDocument, Rating
from workflows.dossiers.states import CLOSED_UNDECIDED
from workflows.feedback.models import Feedback
from workflows.integrations.models import NationalPortalChange
from workflows.payments.models import Payment
from workflows.worktime.clock import working_calendar

State = Dossier.State

# A rating of this score or less (of 5) says the applicant was dissatisfied.
DISSATISFIED_SCORE = 2
# The requests to supplement a dossier, before receipt or during processing: those that issue the request slip.
SUPPLEMENT_REQUESTS = transitions.documented_by("supplement_request")


def with_supplement_requests(dossiers):
    """Annotates when each dossier was asked to supplement for the second time (null if at most once): Decision 766
    counts such a dossier as late, from then on (and from its receipt, if both requests came before it)."""
    requests = AuditEntry.objects.filter(dossier=OuterRef("pk"), action__in=SUPPLEMENT_REQUESTS).order_by("at", "pk")
    return dossiers.annotate(
        second_request_at=Subquery(requests.values("at")[1:2]),
        asked_twice_at=Case(When(received_at__isnull=True, then=None),
                            When(second_request_at__lt=F("received_at"), then=F("received_at")),
                            default=F("second_request_at"), output_field=DateTimeField()),
    )


# Decided after the legal deadline, after an apology, or asked to supplement more than once: none is on time.
# (On a queryset through with_supplement_requests.)
LATE_DECISION = Q(result_at__gt=F("due_at")) | Q(apology_count__gt=0) | Q(second_request_at__isnull=False)
# Its clock stood still when its deadline passed: waiting for the applicant, who owes a supplement or a payment.
STOOD_STILL_AT_DEADLINE = Q(state__in=[*Dossier.CLOCK_STOPPED_STATES, State.WITHDRAWAL_REQUESTED],
                            paused_at__lte=F("due_at"))
# Still open, and its clock running, when its legal deadline passed.
OPEN_AT_DEADLINE = (Q(received_at__isnull=False) & ~Q(result_at__lte=F("due_at"))
                    & ~Q(state__in=[State.WITHDRAWN, State.STOPPED], closed_at__lte=F("due_at"))
                    & ~STOOD_STILL_AT_DEADLINE)


def with_late_moment(dossiers):
    """Annotates `late_at`, when a received dossier became late: its deadline passing while it was open, or its
    second request to supplement, whichever came first; null while it is not late."""
    return with_supplement_requests(dossiers).annotate(late_at=Case(
        When(Q(asked_twice_at__isnull=False) & (Q(asked_twice_at__lt=F("due_at")) | ~OPEN_AT_DEADLINE),
             then=F("asked_twice_at")),
        When(OPEN_AT_DEADLINE, then=F("due_at")),
        output_field=DateTimeField(),
    ))


def _may_become_late(dossiers, start, end):
    """A first cut of the dossiers that may become late between start and end, so that the late moment is worked
    out for few: their deadline or their receipt falls in it, or, open then, they were asked to supplement in it
    (found from the dossiers open then, through the audit trail's index by dossier)."""
    asked = AuditEntry.objects.filter(dossier=OuterRef("pk"), action__in=SUPPLEMENT_REQUESTS, at__gte=start,
                                      at__lt=end)
    open_then = Dossier.objects.filter(Q(state__in=Dossier.OPEN_STATES) | Q(result_at__gte=start)
                                       | Q(closed_at__gte=start))
    return dossiers.filter(Q(due_at__gte=start, due_at__lt=end) | Q(received_at__gte=start, received_at__lt=end)
                           | Q(pk__in=open_then.filter(Exists(asked)).values("pk")))


def bounds(first, last):
    tz = timezone.get_current_timezone()
    return (datetime.combine(first, time.min, tzinfo=tz),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz))


def owner():
    """The agency a dossier's figures belong to: the one that settles it, or the desk that refused it."""
    return Coalesce("competent_agency", "receiving_agency")


def _grouped(queryset, moment, **counts):
    return (queryset.annotate(day=TruncDate(moment), owner=owner()).values("day", "owner", "procedure_id")
            .annotate(**counts).order_by())


def count_events(first, last, *, dossiers=None, feedback=None, until=None):
    """Each (day, agency, procedure) with its counts for the days first..last. `until` stops the dossiers counted
    as becoming late, and the feedback as falling due, at that moment (now, for today)."""
    start, end = bounds(first, last)
    dossiers = dossiers if dossiers is not None else Dossier.objects.all()
    feedback = feedback if feedback is not None else Feedback.objects.all()
    filed_online = Q(channel__in=[Dossier.Channel.ONLINE, Dossier.Channel.INTEGRATED])
    approved = Q(outcome=Dossier.Outcome.APPROVED)
    electronic_result = approved & ~Q(result_file="")
    received = dossiers.filter(received_at__gte=start, received_at__lt=end).annotate(
        has_online_payment=Exists(Payment.objects.filter(dossier=OuterRef("pk"), method=Payment.Method.ONLINE)),
        carries_fees=Exists(Fee.objects.filter(procedure=OuterRef("procedure"), amount__gt=0)),
        synced_to_portal=Exists(NationalPortalChange.objects.filter(dossier=OuterRef("pk"),
                                                                   acknowledged_at__isnull=False)),
        component_count=_components(),
        replaced_count=_components(origin=DocumentOrigin.STORE),
    )
    eligible = Q(procedure_version__snapshot__online_level="full")
    settled = with_supplement_requests(dossiers.filter(result_at__gte=start, result_at__lt=end)).annotate(
        has_files=Exists(DossierDocument.objects.filter(dossier=OuterRef("pk"), is_current=True)),
        rated_dissatisfied=Exists(Rating.objects.filter(dossier=OuterRef("pk"), score__lte=DISSATISFIED_SCORE)),
        has_feedback=Exists(Feedback.objects.filter(dossier=OuterRef("pk"))),
    )
    closings = with_supplement_requests(dossiers.filter(closed_at__gte=start, closed_at__lt=end,
                                                        state__in=CLOSED_UNDECIDED))
    late_end = min(end, until) if until else end
    became_late = with_late_moment(_may_become_late(dossiers, start, late_end)).filter(
        late_at__gte=start, late_at__lt=late_end)
    ratings = Rating.objects.filter(rated_at__gte=start, rated_at__lt=end, dossier__in=dossiers).annotate(
        day=TruncDate("rated_at"),
        owner=Coalesce("dossier__competent_agency", "dossier__receiving_agency"),
        procedure_id=F("dossier__procedure_id"),
    ).values("day", "owner", "procedure_id").annotate(ratings=Count("pk"), rating_points=Sum("score")).order_by()
    # A dossier leaving processing late had been counted as becoming late before: the stock of late ones drops.
    left_late = Q(second_request_at__isnull=False)
    queries = [
        _grouped(received, "received_at",
                 received_online=Count("pk", filter=Q(channel=Dossier.Channel.ONLINE)),
                 received_counter=Count("pk", filter=Q(channel__in=[Dossier.Channel.COUNTER, Dossier.Channel.POST])),
                 received_integrated=Count("pk", filter=Q(channel=Dossier.Channel.INTEGRATED)),
                 # Filed online, and with an electronic result if the applicant asked for the result online.
                 online_served=Count("pk", filter=filed_online & ~Q(
                     approved, result_delivery=Dossier.ResultDelivery.ONLINE, result_file="")),
                 full_online_eligible=Count("pk", filter=eligible),
                 full_online=Count("pk", filter=eligible & filed_online),
                 with_fees=Count("pk", filter=Q(carries_fees=True)),
                 paid_online=Count("pk", filter=Q(carries_fees=True, has_online_payment=True)),
                 synced=Count("pk", filter=Q(synced_to_portal=True)),
                 components=Sum("component_count"),
                 components_replaced=Sum("replaced_count"),
                 dossiers_reusing=Count("pk", filter=Q(replaced_count__gt=0))),
        _grouped(settled, "result_at",
                 settled_on_time=Count("pk", filter=~LATE_DECISION),
                 settled_late=Count("pk", filter=LATE_DECISION),
                 settled_approved=Count("pk", filter=approved),
                 results_electronic=Count("pk", filter=electronic_result),
                 digitised=Count("pk", filter=electronic_result & Q(has_files=True)),
                 settled_dissatisfied=Count("pk", filter=Q(rated_dissatisfied=True) | Q(has_feedback=True)),
                 settled_minutes=Sum("working_minutes_taken"),
                 exits=Count("pk"),
                 overdue_exits=Count("pk", filter=Q(result_at__gt=F("due_at")) | left_late)),
        _grouped(closings, "closed_at",
                 refused=Count("pk", filter=Q(state=State.REFUSED)),
                 withdrawn=Count("pk", filter=Q(state=State.WITHDRAWN)),
                 stopped=Count("pk", filter=Q(state=State.STOPPED)),
                 closed_undecided=Count("pk", filter=Q(received_at__isnull=False)),
                 exits=Count("pk", filter=Q(received_at__isnull=False)),
                 overdue_exits=Count("pk", filter=Q(received_at__isnull=False)
                                     & (Q(closed_at__gt=F("due_at")) | left_late))),
        _grouped(became_late, "late_at", overdue_from=Count("pk")),
        ratings,
        *_feedback_counts(feedback, start, end, late_end),
    ]
    rows = defaultdict(lambda: defaultdict(int))
    for query in queries:
        for values in query:
            counts = rows[values.pop("day"), values.pop("owner"), values.pop("procedure_id")]
            for name, value in values.items():
                counts[name] += value or 0
    return rows


def _components(**condition):
    """How many of a dossier's required documents it holds as files at receipt (its digitised components), or of
    those the ones matching `condition` (taken from the applicant's document store)."""
    documents = DossierDocument.objects.filter(dossier=OuterRef("pk"), is_current=True, document_order__isnull=False,
                                               **condition)
    return Coalesce(Subquery(documents.values("dossier").annotate(count=Count("pk")).values("count")), 0)


def _feedback_counts(feedback, start, end, late_end):
    """Feedback answered on time counts when answered; any other, late, when its due date passes; a verdict on the
    handling when given."""
    on_time = feedback.answered_on_time()
    fell_due = feedback.filter(due_at__gte=start, due_at__lt=late_end).exclude(pk__in=on_time.values("pk"))
    return [
        _feedback_grouped(on_time.filter(answered_at__gte=start, answered_at__lt=end), "answered_at",
                          feedback_due=Count("pk"), feedback_on_time=Count("pk")),
        _feedback_grouped(fell_due, "due_at", feedback_due=Count("pk")),
        _feedback_grouped(feedback.filter(rated_at__gte=start, rated_at__lt=end), "rated_at",
                          feedback_rated=Count("pk"), feedback_satisfied=Count("pk", filter=Q(satisfied=True))),
    ]


def _feedback_grouped(queryset, moment, **counts):
    return (queryset.annotate(day=TruncDate(moment), owner=F("agency")).values("day", "owner", "procedure_id")
            .annotate(**counts).order_by())


def count_durations(first, last, *, dossiers=None):
    """(day, agency, procedure, working days taken rounded up) → dossiers decided."""
    start, end = bounds(first, last)
    dossiers = dossiers if dossiers is not None else Dossier.objects.all()
    day_minutes = working_calendar().day_minutes
    query = (dossiers.filter(result_at__gte=start, result_at__lt=end, working_minutes_taken__isnull=False)
             .annotate(day=TruncDate("result_at"), owner=owner(),
                       working_days=(F("working_minutes_taken") + (day_minutes - 1)) / day_minutes)
             .values("day", "owner", "procedure_id", "working_days").annotate(dossiers=Count("pk")).order_by())
    return {(row["day"], row["owner"], row["procedure_id"], row["working_days"]): row["dossiers"] for row in query}


def late_dossiers(dossiers, start, end, now):
    """The dossiers behind the late figures: settled late between start and end, or still open and late at end."""
    settled_late = Q(result_at__gte=start, result_at__lt=end) & LATE_DECISION
    open_late = (Q(late_at__lt=min(end, now)) & (Q(result_at__isnull=True) | Q(result_at__gte=end))
                 & ~Q(state__in=CLOSED_UNDECIDED, closed_at__lt=end))
    # Neither kind was decided or closed before the period began (a returned dossier closes after its decision).
    candidates = dossiers.filter(received_at__lt=end).exclude(result_at__lt=start).exclude(closed_at__lt=start)
    return with_late_moment(candidates).filter(settled_late | open_late)
