"""The SLA timers, run by Celery beat: they watch every deadline and act once when one comes near or passes.

- A dossier's legal deadline and its current step's deadline are marked due soon, then overdue. Each mark is an
  UPDATE, in batches, that only changes rows not marked yet, writing the outbox events of the rows it changed in
  the same statement: set-based, and two timers running at once never announce a deadline twice (rows one holds
  the other skips, and finds marked afterwards).
- An applicant asked for a supplement is reminded before the waiting time runs out; when it has run out the
  request lapses and the dossier is stopped, one dossier at a time through the dossier engine's services (audited,
  skipped when another timer holds it).

Which dossiers each rule picks is written once, as a query (workflows.dossiers.selectors); the SQL here only adds
what the ORM cannot say: batches under SKIP LOCKED, and the outbox rows written by the same statement.
"""

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from workflows.dossiers import events, services
from workflows.dossiers.models import Dossier, OutboxEvent
from workflows.dossiers.selectors import clock_running, due_soon_before, waiting_for_applicant
from workflows.worktime.clock import working_calendar

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
    for deadline, mark_field, mark, kinds in _MARKS:
        if mark == Dossier.SlaMark.OVERDUE:
            condition = Q(**{f"{deadline}__lt": now}) & ~Q(**{mark_field: mark})
        else:
            condition = Q(**{f"{deadline}__gte": now, f"{deadline}__lte": soon[deadline],
                             mark_field: Dossier.SlaMark.NONE})
        counts[kinds[0]] = _mark(clock_running() & condition, deadline, mark_field, mark, kinds, now)
    return counts


def _where(condition):
    """A condition on the dossier table as SQL, compiled by the ORM from the selectors' rules."""
    query = Dossier.objects.filter(condition).query
    return query.get_compiler(connection=connection).compile(query.where)


def _mark(condition, deadline, mark_field, mark, kinds, now):
    """Marks the matching dossiers in batches, each batch committed with its outbox events: a burst after
    closing time never holds thousands of dossiers locked, and a dossier an officer holds is left for the next
    run (SKIP LOCKED) instead of waited for."""
    matching, match_params = _where(condition)
    table = connection.ops.quote_name(Dossier._meta.db_table)
    if connection.vendor != "postgresql":
        return _mark_in_one_go(table, deadline, mark_field, mark, matching, match_params, kinds, now)
    kinds_values = ", ".join(["(%s)"] * len(kinds))
    # One statement per batch: the marked rows become their outbox events without leaving the database.
    sql = (f"WITH picked AS (SELECT id FROM {table} WHERE {matching} LIMIT %s FOR UPDATE SKIP LOCKED), "
           f"marked AS (UPDATE {table} AS dossier SET {mark_field} = %s FROM picked WHERE dossier.id = picked.id "
           f"RETURNING dossier.id, dossier.code, dossier.{deadline} AS due_at, dossier.current_step_order), "
           f"written AS (INSERT INTO {OutboxEvent._meta.db_table} (dossier_id, event, data, created_at) "
           f"SELECT marked.id, kind.event, jsonb_build_object('code', marked.code, 'due_at', marked.due_at, "
           f"'step', marked.current_step_order), %s "
           f"FROM marked CROSS JOIN (VALUES {kinds_values}) AS kind(event) RETURNING 1) "
           f"SELECT count(*) FROM marked")
    marked = 0
    while True:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(sql, [*match_params, MARK_BATCH, mark, now, *kinds])
                batch = cursor.fetchone()[0]
            if batch:
                events.announce()
        marked += batch
        if batch < MARK_BATCH:
            return marked


def _mark_in_one_go(table, deadline, mark_field, mark, matching, match_params, kinds, now):
    """SQLite, the embedded default: one writer at a time, so one UPDATE ... RETURNING, then its events."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {mark_field} = %s WHERE {matching} RETURNING id",
                           [mark, *match_params])
            marked_ids = [row[0] for row in cursor.fetchall()]
        rows = Dossier.objects.filter(pk__in=marked_ids).values_list("pk", "code", deadline, "current_step_order")
        events.write(*[
            OutboxEvent(dossier_id=pk, event=kind, created_at=now,
                        data={"code": code, "due_at": due_at.isoformat(), "step": step})
            for pk, code, due_at, step in rows for kind in kinds
        ])
    return len(marked_ids)


def remind_applicants(now):
    """Reminds, once, each applicant whose supplement request lapses within the reminder time."""
    calendar = working_calendar()
    remind_from = calendar.add(now, settings.ONESTOP_SUPPLEMENT_REMINDER_WORKING_DAYS * calendar.day_minutes)
    matching, match_params = _where(waiting_for_applicant() & Q(
        supplement_reminded_at__isnull=True, supplement_due_at__gte=now, supplement_due_at__lte=remind_from))
    table = connection.ops.quote_name(Dossier._meta.db_table)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET supplement_reminded_at = %s WHERE {matching} RETURNING id",
                           [connection.ops.adapt_datetimefield_value(now), *match_params])
            reminded = [row[0] for row in cursor.fetchall()]
        for dossier in Dossier.objects.filter(pk__in=reminded):
            events.publish(dossier, "supplement_reminder", note=dossier.reason)
    return len(reminded)


def lapse_requests(now):
    """Stops the dossiers whose applicants did not send the supplement in time."""
    lapsed = 0
    while True:
        due = list(Dossier.objects.filter(waiting_for_applicant(), supplement_due_at__lt=now)
                   .order_by("supplement_due_at").values_list("pk", flat=True)[:LAPSE_BATCH])
        done = [services.lapse_supplement_request(dossier_id=pk, now=now) for pk in due]
        lapsed += sum(done)
        if len(due) < LAPSE_BATCH or not any(done):
            return lapsed
