"""The SLA timers, run by Celery beat: they watch every deadline and act once when one comes near or passes.

- A dossier's legal deadline and its current step's deadline are marked due soon, then overdue. Each mark is an
  UPDATE, in batches, that only changes rows not marked yet, writing the outbox events of the rows it changed in
  the same statement: set-based, and two timers running at once never announce a deadline twice (rows one holds
  the other skips, and finds marked afterwards).
- An applicant asked for a supplement is reminded before the waiting time runs out; when it has run out the
  request lapses and the dossier is stopped, one dossier at a time through workflows.services (audited, skipped
  when another timer holds it).
- Leaders get a daily digest of their agencies' dossiers, one per leader per working day.
"""

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.formats import date_format

from . import notifications, services
from .clock import working_calendar
from .models import Dossier, OutboxEvent, StaffMembership
from .permissions import LEADER_ROLES
from .selectors import due_soon_before

LAPSE_BATCH = 200
MARK_BATCH = 5000

# (deadline field, mark field, mark, the events each newly marked dossier gives)
_MARKS = (
    ("due_at", "sla_mark", Dossier.SlaMark.OVERDUE, ("dossier_overdue",)),
    ("due_at", "sla_mark", Dossier.SlaMark.DUE_SOON, ("dossier_due_soon",)),
    ("step_due_at", "step_sla_mark", Dossier.SlaMark.OVERDUE, ("step_overdue", "escalation")),
    ("step_due_at", "step_sla_mark", Dossier.SlaMark.DUE_SOON, ("step_due_soon",)),
)


def run(now=None):
    """Everything the timers do, as of `now`; returns how many dossiers each part acted on."""
    now = now or timezone.now()
    counts = mark_deadlines(now)
    counts["supplement_reminder"] = remind_applicants(now)
    counts["lapse"] = lapse_requests(now)
    return counts


def mark_deadlines(now):
    """Marks the dossiers and steps that became due soon or overdue since the last run, announcing each once."""
    # Due soon means at most so many working minutes left: before the moment that many working minutes from now.
    soon = {
        "due_at": due_soon_before(now),
        "step_due_at": working_calendar().add(now, settings.ONESTOP_STEP_DUE_SOON_WORKING_HOURS * 60),
    }
    counts = {}
    for deadline, mark_field, mark, events in _MARKS:
        if mark == Dossier.SlaMark.OVERDUE:
            condition = (f"{deadline} < %s AND {mark_field} <> %s", [now, mark])
        else:
            condition = (f"{deadline} >= %s AND {deadline} <= %s AND {mark_field} = %s",
                         [now, soon[deadline], Dossier.SlaMark.NONE])
        counts[events[0]] = _mark(deadline, mark_field, mark, condition, events, now)
    return counts


def _mark(deadline, mark_field, mark, condition, events, now):
    """Marks the matching dossiers in batches, each batch committed with its outbox events: a burst after
    closing time never holds thousands of dossiers locked, and a dossier an officer holds is left for the next
    run (SKIP LOCKED) instead of waited for."""
    where, params = condition
    params = [_adapt(value) for value in params]
    running = ", ".join(["%s"] * len(Dossier.RUNNING_STATES))
    table = Dossier._meta.db_table
    # A withdrawal request made while the dossier waited for a supplement keeps the clock stopped (paused_at).
    matching = f"state IN ({running}) AND paused_at IS NULL AND {where}"
    match_params = [*Dossier.RUNNING_STATES, *params]
    if connection.vendor != "postgresql":
        return _mark_in_one_go(table, deadline, mark_field, mark, matching, match_params, events, now)
    events_values = ", ".join(["(%s)"] * len(events))
    # One statement per batch: the marked rows become their outbox events without leaving the database.
    sql = (f"WITH picked AS (SELECT id FROM {table} WHERE {matching} LIMIT %s FOR UPDATE SKIP LOCKED), "
           f"marked AS (UPDATE {table} AS dossier SET {mark_field} = %s FROM picked WHERE dossier.id = picked.id "
           f"RETURNING dossier.id, dossier.code, dossier.{deadline} AS due_at, dossier.current_step_order), "
           f"written AS (INSERT INTO {OutboxEvent._meta.db_table} (dossier_id, event, data, created_at) "
           f"SELECT marked.id, kind.event, jsonb_build_object('code', marked.code, 'due_at', marked.due_at, "
           f"'step', marked.current_step_order), %s "
           f"FROM marked CROSS JOIN (VALUES {events_values}) AS kind(event) RETURNING 1) "
           f"SELECT count(*) FROM marked")
    marked = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [*match_params, MARK_BATCH, mark, now, *events])
                batch = cursor.fetchone()[0]
            if batch:
                transaction.on_commit(notifications.start_relay)
        marked += batch
        if batch < MARK_BATCH:
            return marked


def _mark_in_one_go(table, deadline, mark_field, mark, matching, match_params, events, now):
    """SQLite, the embedded default: one writer at a time, so one UPDATE ... RETURNING, then its events."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {mark_field} = %s WHERE {matching} RETURNING id",
                           [mark, *match_params])
            marked_ids = [row[0] for row in cursor.fetchall()]
        rows = Dossier.objects.filter(pk__in=marked_ids).values_list("pk", "code", deadline, "current_step_order")
        OutboxEvent.objects.bulk_create([
            OutboxEvent(dossier_id=pk, event=event, created_at=now,
                        data={"code": code, "due_at": due_at.isoformat(), "step": step})
            for pk, code, due_at, step in rows for event in events
        ])
        if marked_ids:
            transaction.on_commit(notifications.start_relay)
    return len(marked_ids)


def _adapt(value):
    """A parameter of raw SQL as the database stores it (SQLite keeps datetimes as UTC text)."""
    return connection.ops.adapt_datetimefield_value(value) if hasattr(value, "tzinfo") else value


def remind_applicants(now):
    """Reminds, once, each applicant whose supplement request lapses within the reminder time."""
    calendar = working_calendar()
    remind_from = calendar.add(now, settings.ONESTOP_SUPPLEMENT_REMINDER_WORKING_DAYS * calendar.day_minutes)
    waiting = ", ".join(["%s"] * len(Dossier.WAITING_STATES))
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Dossier._meta.db_table} SET supplement_reminded_at = %s "
                f"WHERE state IN ({waiting}) AND supplement_reminded_at IS NULL "
                f"AND supplement_due_at >= %s AND supplement_due_at <= %s RETURNING id",
                [_adapt(now), *Dossier.WAITING_STATES, _adapt(now), _adapt(remind_from)],
            )
            reminded = [row[0] for row in cursor.fetchall()]
        for dossier in Dossier.objects.filter(pk__in=reminded):
            notifications.record(dossier, "supplement_reminder", note=dossier.reason)
    return len(reminded)


def lapse_requests(now):
    """Stops the dossiers whose applicants did not send the supplement in time."""
    lapsed = 0
    while True:
        due = list(Dossier.objects.filter(state__in=Dossier.WAITING_STATES, supplement_due_at__lt=now)
                   .order_by("supplement_due_at").values_list("pk", flat=True)[:LAPSE_BATCH])
        done = [services.lapse_supplement_request(dossier_id=pk, now=now) for pk in due]
        lapsed += sum(done)
        if len(due) < LAPSE_BATCH or not any(done):
            return lapsed


def send_daily_digest(day=None):
    """One summary per leader of their agencies' open dossiers, on working days; a second run the same day
    writes nothing (the event's key)."""
    day = day or timezone.localdate()
    if not working_calendar().is_working_day(day):
        return 0
    memberships = (StaffMembership.objects.filter(role__in=LEADER_ROLES, user__is_active=True)
                   .exclude(user__email="").select_related("agency").order_by("agency__name"))
    agencies_of = {}
    for membership in memberships:
        agencies_of.setdefault(membership.user_id, {})[membership.agency_id] = membership.agency.name
    agency_ids = {agency for agencies in agencies_of.values() for agency in agencies}
    open_states = [*Dossier.RUNNING_STATES, *Dossier.CLOCK_STOPPED_STATES]
    figures = {
        row.pop("competent_agency"): row
        for row in Dossier.objects.filter(competent_agency__in=agency_ids, state__in=open_states)
        .values("competent_agency").annotate(
            waiting=Count("pk", filter=Q(state__in=Dossier.RUNNING_STATES)),
            due_soon=Count("pk", filter=Q(state__in=Dossier.RUNNING_STATES, sla_mark=Dossier.SlaMark.DUE_SOON)),
            overdue=Count("pk", filter=Q(state__in=Dossier.RUNNING_STATES, sla_mark=Dossier.SlaMark.OVERDUE)),
            paused=Count("pk", filter=Q(state__in=Dossier.CLOCK_STOPPED_STATES)),
        )
    }
    empty = {"waiting": 0, "due_soon": 0, "overdue": 0, "paused": 0}
    now = timezone.now()
    events = [
        OutboxEvent(recipient_id=user_id, event="digest", created_at=now, key=f"digest:{day.isoformat()}:{user_id}",
                    data={"day": date_format(day, "d/m/Y"),
                          "agencies": [{"name": name, **figures.get(agency_id, empty)}
                                       for agency_id, name in agencies.items()]})
        for user_id, agencies in agencies_of.items()
    ]
    keys = [event.key for event in events]
    with transaction.atomic():
        written_before = set(OutboxEvent.objects.filter(key__in=keys).values_list("key", flat=True))
        OutboxEvent.objects.bulk_create(events, ignore_conflicts=True)
        transaction.on_commit(notifications.start_relay)
    return len(set(keys) - written_before)
